/**
 * What an emitter sees when the graph exporter calls one node of a layer: the layer's
 * config, its input tensors (with their Keras masks), initial states, call kwargs, and its
 * weights. A layer's ONNX initializers are made at its first call and shared by the
 * others (a shared layer has one set of weights).
 */
import type { Dim, GraphBuilder } from './graph.js';
import type { WeightCursor, LayerJSON } from './config.js';
import type { Value } from './rnn.js';

/** One tensor between nodes: its ONNX value, Keras mask (float [B, T] of 0/1, or null), and id type. */
export interface Tensor {
  value: Value;
  mask: string | null;
  /** Integer token ids (a model input of integer dtype); everything else is float32. */
  ids?: 'int32' | 'int64';
}

export interface LayerCall {
  g: GraphBuilder;
  /** The layer as JSON (class_name + snake_case config); `name` is unique in the graph. */
  layer: LayerJSON;
  name: string;
  inputs: Tensor[];
  initialState: Tensor[] | null;
  kwargs: Record<string, unknown>;
  /**
   * How this merge layer combines masks (src/keras/config.ts MaskRule: 'keras2' AND, 'keras3' OR
   * and masked values). It depends on who wrote the model, not on its config, so the caller states it.
   */
  maskRule: 'keras2' | 'keras3' | undefined;
  /** The layer's ONNX parameters: `make` runs at the first call with a cursor on the layer's weights. */
  params<T>(make: (w: WeightCursor) => T): T;
}

export type Emitter = (call: LayerCall) => Tensor[];

export function fail(call: { name: string; layer: LayerJSON }, message: string): never {
  throw new Error(`toONNX: layer '${call.name}' (${call.layer.class_name}): ${message}`);
}

/** The one float input of a single-input layer. */
export function single(call: LayerCall): Tensor {
  if (call.inputs.length !== 1) fail(call, `takes one input tensor, got ${call.inputs.length}`);
  if (call.initialState) fail(call, 'does not take an initial_state');
  const x = call.inputs[0]!;
  if (x.ids) fail(call, `expected a float32 input, got integer token ids ('${x.value.name}'); only Embedding takes ids`);
  return x;
}

export const shapeText = (shape: Dim[]): string => `[${shape.map((d) => (typeof d === 'number' ? d : 'null')).join(', ')}]`;
