/**
 * toONNX: a Keras model (a Sequential topology, or a functional GraphSpec) + its weights
 * (getWeights() order) → ONNX model bytes (IR 8, default-domain opset 17; the RNN operators
 * are the opset-14 versions). One path: a Sequential topology becomes the chain GraphSpec
 * (sequential.ts) and both go through the graph exporter (graph-export.ts).
 *
 * Graph interface:
 * - inputs: float32 [batch, ...] as declared; a model input of integer dtype (token ids for
 *   an Embedding) is int32 by default (the dtype Keras/tfjs feed and this package's tensors
 *   use) or int64 with { indexType: 'int64' }. The batch dimension is symbolic ('batch')
 *   unless `batchSize` is given; other undeclared dimensions are symbolic too.
 * - outputs: float32, the model's predictions (Keras inference mode).
 * - names: a Sequential's are 'input' and 'output' ('output_1', … for the extra outputs of a
 *   last layer with return_state); a functional model's are its input layers' and output
 *   layers' names. `inputName` / `outputName` rename the one input / output.
 *
 * Supported layers: InputLayer, Embedding (mask_zero too), LSTM, GRU (both reset_after
 * forms), SimpleRNN (initial_state, return_state), Bidirectional (any of those; concat, sum,
 * mul, ave, null), Dense (2-D or per time step on 3-D input), TimeDistributed(Dense),
 * Activation, Dropout (identity at inference), Flatten, Masking, RepeatVector, Concatenate,
 * Add, Subtract, Multiply, Average, Maximum, Minimum, Dot, Attention. Anything else throws an
 * Error naming the layer.
 */
import { GraphBuilder } from './graph.js';
import { encodeModel } from './proto.js';
import type { WeightRecord } from './config.js';
import type { GraphSpec } from '../../models/graph/spec.js';
import { buildSpecGraph, defaultIoNames } from './graph-export.js';
import { sequentialSpec, type KerasTopology } from './sequential.js';

export type { WeightRecord, LayerJSON } from './config.js';
export type { KerasTopology } from './sequential.js';

/** Options of `io.toONNX`. */
export interface ToONNXOptions {
  /** dtype of integer (token-id) inputs (default 'int32'). */
  indexType?: 'int32' | 'int64';
  /** Fixed batch size; default a symbolic 'batch' dimension. */
  batchSize?: number;
  /** Name of the graph input (only for a model with one input). */
  inputName?: string;
  /** Name of the graph output (only for a model with one output). */
  outputName?: string;
}
export const TO_ONNX_OPTIONS = ['indexType', 'batchSize', 'inputName', 'outputName'] as const;

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

async function encode(graph: GraphBuilder, name: string): Promise<Uint8Array> {
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'lstm-wasm',
    producer_version: '0.1.0',
    graph: {
      name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: graph.inputs,
      output: graph.outputs,
    },
  });
}

/** ONNX bytes for a Sequential topology (Keras JSON) and its weights. */
export async function toONNX(
  topology: KerasTopology,
  weights: readonly WeightRecord[],
  opts: ToONNXOptions = {},
): Promise<Uint8Array> {
  const { graph, name } = buildGraph(topology, weights, opts);
  return encode(graph, name);
}

/** The ONNX graph of a Sequential topology (before encoding). */
export function buildGraph(
  topology: KerasTopology,
  weights: readonly WeightRecord[],
  opts: ToONNXOptions = {},
): { graph: GraphBuilder; name: string } {
  const spec = sequentialSpec(topology, weights);
  const out = opts.outputName ?? 'output';
  const inputName = opts.inputName ?? 'input';
  if (inputName === out) throw new Error(`toONNX: inputName and outputName must differ, both are ${JSON.stringify(out)}`);
  return buildSpecGraph(spec, weights, {
    indexType: opts.indexType,
    batchSize: opts.batchSize,
    inputNames: [inputName],
    outputNames: spec.outputs.map((_, k) => (k === 0 ? out : `${out}_${k}`)),
  });
}

/**
 * ONNX bytes for a functional model's GraphSpec and its weights (getWeights() order: layer by
 * layer in `spec.layers` order). Inputs and outputs are named after the model's input and
 * output layers (see defaultIoNames); `inputName` / `outputName` only for one input / output.
 * `maskRule` tells how each merge layer combines masks (needed only where masks reach one).
 */
export async function exportGraphOnnx(
  spec: GraphSpec,
  weights: readonly WeightRecord[],
  opts: ToONNXOptions = {},
  maskRule?: (layer: string) => 'keras2' | 'keras3' | undefined,
): Promise<Uint8Array> {
  const names = defaultIoNames(spec);
  if (opts.inputName !== undefined) {
    if (names.inputs.length !== 1) throw new Error(`toONNX: inputName applies to a model with one input; this one has ${names.inputs.length} (${names.inputs.join(', ')})`);
    names.inputs = [opts.inputName];
  }
  if (opts.outputName !== undefined) {
    if (names.outputs.length !== 1) throw new Error(`toONNX: outputName applies to a model with one output; this one has ${names.outputs.length} (${names.outputs.join(', ')})`);
    names.outputs = [opts.outputName];
  }
  const { graph, name } = buildSpecGraph(spec, weights, {
    indexType: opts.indexType, batchSize: opts.batchSize, inputNames: names.inputs, outputNames: names.outputs, maskRule,
  });
  return encode(graph, name);
}
