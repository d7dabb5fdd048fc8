/**
 * toONNX: a Keras Sequential topology + its weights (getWeights() order) →
 * ONNX model bytes (IR 8, default-domain opset 17; the RNN operators are the
 * opset-14 versions).
 *
 * Graph interface:
 * - input 'input': float32 [batch, T, F] for models starting with a
 *   recurrent/Dense layer; for models starting with Embedding, token ids
 *   [batch, T] of type int32 by default (the dtype Keras/tfjs feed and this
 *   package's tensors use) or int64 with { indexType: 'int64' }. The batch
 *   dimension is symbolic ('batch'); T is fixed when the topology states it
 *   (batch_input_shape / input_length), else symbolic ('time').
 * - output 'output': float32, the model's prediction (Keras inference mode).
 *
 * Supported layers: InputLayer, Embedding (mask_zero too), LSTM, GRU (both
 * reset_after forms), SimpleRNN, Bidirectional(any of those; concat, sum, mul,
 * ave), Dense (2-D or per time step on 3-D input), Dropout (identity at
 * inference), Flatten. Anything else throws an Error naming the layer.
 */
import { GraphBuilder, type Dim } from './graph.js';
import { encodeModel } from './proto.js';
import { DataType } from './schema.js';
import { emitRecurrent, type RnnWeights, type Value } from './rnn.js';
import {
  activationKey, layerName, readRnnConfig, rnnKindOf, WeightCursor,
  type LayerJSON, type RnnConfig, type WeightRecord,
} from './config.js';

export type { WeightRecord, LayerJSON } from './config.js';

/** Options of `io.toONNX`. */
export interface ToONNXOptions {
  /** dtype of the token-id input when the model starts with Embedding (default 'int32'). */
  indexType?: 'int32' | 'int64';
  /** Fixed batch size; default a symbolic 'batch' dimension. */
  batchSize?: number;
  /** Graph input / output names (defaults 'input' / 'output'). */
  inputName?: string;
  outputName?: string;
}
export const TO_ONNX_OPTIONS = ['indexType', 'batchSize', 'inputName', 'outputName'] as const;

/** The Keras topology object: `model.toJSON()` or the `modelTopology` of a model.json. */
export interface KerasTopology {
  class_name: string;
  config: { name?: string; layers: LayerJSON[] } | LayerJSON[];
  [key: string]: unknown;
}

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export async function toONNX(
  topology: KerasTopology,
  weights: readonly WeightRecord[],
  opts: ToONNXOptions = {},
): Promise<Uint8Array> {
  const { graph, name } = buildGraph(topology, weights, opts);
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

function sequentialLayers(topology: KerasTopology): { name: string; layers: LayerJSON[] } {
  if (!topology || topology.class_name !== 'Sequential') {
    throw new Error(
      `toONNX: expected a Sequential topology (class_name 'Sequential'), got ${JSON.stringify(topology?.class_name)}`,
    );
  }
  const cfg = topology.config;
  // Keras < 2.2.3 wrote the layer list directly as config.
  const layers = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('toONNX: the Sequential topology has no layers');
  const name = !Array.isArray(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
  return { name, layers };
}

/** [null, T, F] style shape of the model input, from the first layer or an InputLayer. */
function declaredInputShape(layer: LayerJSON): (number | null)[] | undefined {
  const c = layer.config;
  const shape = (c['batch_input_shape'] ?? c['batch_shape']) as (number | null)[] | undefined;
  if (Array.isArray(shape)) return shape;
  if (Array.isArray(c['input_shape'])) return [null, ...(c['input_shape'] as (number | null)[])];
  return undefined;
}

export function buildGraph(
  topology: KerasTopology,
  weights: readonly WeightRecord[],
  opts: ToONNXOptions = {},
): { graph: GraphBuilder; name: string } {
  const { name, layers: all } = sequentialLayers(topology);
  const g = new GraphBuilder();
  const w = new WeightCursor(weights);
  const batch: Dim = opts.batchSize ?? 'batch';
  const indexType = opts.indexType ?? 'int32';
  if (indexType !== 'int32' && indexType !== 'int64') {
    throw new Error(`toONNX: indexType must be 'int32' or 'int64', got ${JSON.stringify(indexType)}`);
  }

  let declared = declaredInputShape(all[0]!);
  const layers = all[0]!.class_name === 'InputLayer' ? all.slice(1) : all;
  if (layers.length === 0) throw new Error('toONNX: the Sequential topology has only an InputLayer');
  declared ??= declaredInputShape(layers[0]!);
  const first = layers[0]!;

  // Graph input.
  let x: Value;
  // Reserved first so that they keep exactly the requested names.
  const inputName = g.name(opts.inputName ?? 'input');
  const outputName = g.name(opts.outputName ?? 'output');
  if (outputName !== (opts.outputName ?? 'output')) {
    throw new Error(`toONNX: inputName and outputName must differ, both are ${JSON.stringify(opts.outputName)}`);
  }
  if (first.class_name === 'Embedding') {
    const T = declared?.[1] ?? (first.config['input_length'] as number | null) ?? 'time';
    const type = indexType === 'int64' ? DataType.INT64 : DataType.INT32;
    x = { name: g.addInput(inputName, type, [batch, T]), shape: [batch, T] };
  } else {
    const T: Dim = declared?.[1] ?? 'time';
    // The feature size is the first weight's leading dimension when not declared.
    const F = declared?.[2] ?? w.peekShape()?.[0];
    if (typeof F !== 'number') {
      throw new Error(`toONNX: cannot tell the input feature size of layer '${layerName(first)}'; give it a batch_input_shape`);
    }
    if (declared && declared.length !== 3) {
      throw new Error(
        `toONNX: layer '${layerName(first)}': expected a 3-D input [batch, time, features] or an Embedding first layer, ` +
          `got batch_input_shape [${declared.join(', ')}]`,
      );
    }
    x = { name: g.addInput(inputName, DataType.FLOAT, [batch, T, F]), shape: [batch, T, F] };
  }

  let mask: string | null = null;
  for (let k = 0; k < layers.length; k++) {
    const layer = layers[k]!;
    const lname = layerName(layer);
    const c = layer.config ?? {};
    const cls = layer.class_name;
    if (cls === 'Embedding') {
      if (k !== 0) throw new Error(`toONNX: layer '${lname}' (Embedding) must be the first layer`);
      const emb = w.take(lname, 'embeddings', [c['input_dim'] as number, c['output_dim'] as number]);
      const dims = [c['input_dim'] as number, c['output_dim'] as number];
      const table = g.floatTensor(`${lname}/embeddings`, dims, emb);
      const ids = x.name;
      x = { name: g.op('Gather', [table, ids], `${lname}/out`, { axis: 0 }), shape: [...x.shape, dims[1]!] };
      if (c['mask_zero'] === true) {
        // Keras: mask = ids != 0.
        const zero = indexType === 'int64' ? g.int64Tensor('id_zero', [], [0]) : g.int32Tensor('id_zero', [], [0]);
        const isPad = g.op('Equal', [ids, zero], 'is_pad');
        mask = g.op('Cast', [g.op('Not', [isPad], 'is_real')], 'mask', { to: DataType.FLOAT });
      }
    } else if (rnnKindOf(cls)) {
      if (x.shape.length !== 3) {
        throw new Error(`toONNX: layer '${lname}' (${cls}) needs a 3-D input [batch, time, features], got rank ${x.shape.length}`);
      }
      const cfg = readRnnConfig(layer);
      const out = emitRecurrent(g, x, mask, [cfg], [takeRnnWeights(w, cfg, x)], null);
      ({ value: x, mask } = out);
    } else if (cls === 'Bidirectional') {
      const inner = c['layer'] as LayerJSON | undefined;
      if (!inner || !rnnKindOf(inner.class_name)) {
        throw new Error(`toONNX: Bidirectional layer '${lname}' must wrap LSTM, GRU or SimpleRNN, got ${JSON.stringify(inner?.class_name)}`);
      }
      if (c['backward_layer'] != null) {
        throw new Error(`toONNX: Bidirectional layer '${lname}': a custom backward_layer is not supported`);
      }
      if (x.shape.length !== 3) {
        throw new Error(`toONNX: layer '${lname}' (Bidirectional) needs a 3-D input [batch, time, features], got rank ${x.shape.length}`);
      }
      const fwd = readRnnConfig(inner);
      if (fwd.goBackwards) {
        throw new Error(`toONNX: Bidirectional layer '${lname}': an inner layer with go_backwards=true is not supported`);
      }
      // Keras: the backward copy is the same layer with go_backwards flipped.
      const bwd: RnnConfig = { ...fwd, goBackwards: true };
      const named = { ...fwd, name: lname };
      const ws = [takeRnnWeights(w, fwd, x, `${lname}/forward`), takeRnnWeights(w, fwd, x, `${lname}/backward`)];
      const merge = (c['merge_mode'] ?? null) as string | null;
      const out = emitRecurrent(g, x, mask, [named, { ...bwd, name: lname }], ws, merge);
      ({ value: x, mask } = out);
    } else if (cls === 'Dense') {
      x = emitDense(g, w, layer, x);
    } else if (cls === 'Dropout') {
      // Identity at inference (Keras predict runs with training=false).
    } else if (cls === 'Flatten') {
      if (mask) {
        throw new Error(`toONNX: layer '${lname}' (Flatten) receives a mask; Keras Flatten does not support masking either`);
      }
      const rest = x.shape.slice(1);
      const size: Dim = rest.every((d) => typeof d === 'number')
        ? (rest as number[]).reduce((a, b) => a * b, 1)
        : `${lname}_size`;
      x = { name: g.op('Flatten', [x.name], `${lname}/out`, { axis: 1 }), shape: [x.shape[0]!, size] };
    } else {
      throw new Error(
        `toONNX: layer '${lname}' of class '${cls}' is not supported ` +
          `(supported: InputLayer, Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Dense, Dropout, Flatten)`,
      );
    }
  }
  w.finish();

  g.identityTo(x.name, outputName);
  g.addOutput(outputName, DataType.FLOAT, x.shape);
  return { graph: g, name };
}

function takeRnnWeights(w: WeightCursor, cfg: RnnConfig, x: Value, label = cfg.name): RnnWeights {
  const G = { lstm: 4, gru: 3, rnn: 1 }[cfg.kind];
  const H = cfg.units;
  const F = typeof x.shape[2] === 'number' ? x.shape[2] : null;
  const kernel = w.take(label, 'kernel', [F, G * H]);
  const recurrentKernel = w.take(label, 'recurrent_kernel', [H, G * H]);
  const bias = cfg.useBias ? w.take(label, 'bias', cfg.resetAfter ? [2, G * H] : [G * H]) : null;
  return { kernel, recurrentKernel, bias };
}

function emitDense(g: GraphBuilder, w: WeightCursor, layer: LayerJSON, x: Value): Value {
  const lname = layerName(layer);
  const c = layer.config;
  const units = c['units'] as number;
  const inDim = x.shape[x.shape.length - 1];
  const kernelShape = w.peekShape();
  const F = typeof inDim === 'number' ? inDim : kernelShape?.[0] ?? null;
  const kernel = w.take(lname, 'kernel', [F, units]);
  const K = g.floatTensor(`${lname}/kernel`, [kernel.length / units, units], kernel);
  // MatMul broadcasts over leading axes: Dense on [B, T, F] applies per time step, as in Keras.
  let y = g.op('MatMul', [x.name, K], `${lname}/matmul`);
  if (c['use_bias'] !== false) {
    const b = g.floatTensor(`${lname}/bias`, [units], w.take(lname, 'bias', [units]));
    y = g.op('Add', [y, b], `${lname}/biased`);
  }
  const act = activationKey(c['activation'], 'linear');
  const outName = `${lname}/out`;
  switch (act) {
    case 'linear':
      break;
    case 'relu':
      y = g.op('Relu', [y], outName);
      break;
    case 'sigmoid':
      y = g.op('Sigmoid', [y], outName);
      break;
    case 'tanh':
      y = g.op('Tanh', [y], outName);
      break;
    case 'softmax':
      // Opset ≥ 13 Softmax normalises along one axis: the last, like Keras.
      y = g.op('Softmax', [y], outName, { axis: -1 });
      break;
    case 'hardsigmoid':
      // Keras 2 / tfjs: clip(0.2x + 0.5, 0, 1) = ONNX HardSigmoid defaults.
      y = g.op('HardSigmoid', [y], outName, { alpha: { float: 0.2 }, beta: { float: 0.5 } });
      break;
    case 'hardsigmoidkeras3':
      // Keras 3: clip(x/6 + 0.5, 0, 1).
      y = g.op('HardSigmoid', [y], outName, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
      break;
    default:
      throw new Error(`toONNX: layer '${lname}' (Dense): activation '${c['activation']}' is not supported in ONNX export`);
  }
  return { name: y, shape: [...x.shape.slice(0, -1), units] };
}
