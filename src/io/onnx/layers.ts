/**
 * Emitters for the single-input layers and the recurrent layers (one call each; see
 * call.ts). Keras inference semantics: Dropout is the identity, masks pass through the
 * layers Keras lets them pass through.
 */
import type { Dim, GraphBuilder } from './graph.js';
import { DataType } from './schema.js';
import { activationKey, readRnnConfig, rnnKindOf, type LayerJSON, type RnnConfig, type WeightCursor } from './config.js';
import { emitRecurrent, rnnParams, stateCount, type RnnParams, type RnnWeights } from './rnn.js';
import { fail, shapeText, single, type Emitter, type LayerCall, type Tensor } from './call.js';

function embedding(call: LayerCall): Tensor[] {
  const { g, name, layer } = call;
  if (call.inputs.length !== 1) fail(call, `takes one input tensor, got ${call.inputs.length}`);
  const x = call.inputs[0]!;
  if (!x.ids) {
    fail(call, `expects integer token ids from a model input of dtype int32, got a float32 tensor ('${x.value.name}'); ` +
      `Embedding must come right after an integer input`);
  }
  const c = layer.config;
  const dims = [c['input_dim'] as number, c['output_dim'] as number];
  const table = call.params((w) => g.floatTensor(`${name}/embeddings`, dims, w.take(name, 'embeddings', dims)));
  const out = g.op('Gather', [table, x.value.name], `${name}/out`, { axis: 0 });
  let mask: string | null = null;
  if (c['mask_zero'] === true) {
    // Keras: mask = ids != 0.
    const zero = x.ids === 'int64' ? g.int64Tensor('id_zero', [], [0]) : g.int32Tensor('id_zero', [], [0]);
    const isPad = g.op('Equal', [x.value.name, zero], 'is_pad');
    mask = g.op('Cast', [g.op('Not', [isPad], 'is_real')], 'mask', { to: DataType.FLOAT });
  }
  return [{ value: { name: out, shape: [...x.value.shape, dims[1]!] }, mask }];
}

function dense(call: LayerCall): Tensor[] {
  const { g, name, layer } = call;
  const x = single(call);
  const c = layer.config;
  const units = c['units'] as number;
  const inDim = x.value.shape[x.value.shape.length - 1];
  const p = call.params((w) => {
    const F = typeof inDim === 'number' ? inDim : w.peekShape()?.[0] ?? null;
    const kernel = w.take(name, 'kernel', [F, units]);
    const K = g.floatTensor(`${name}/kernel`, [kernel.length / units, units], kernel);
    const b = c['use_bias'] !== false ? g.floatTensor(`${name}/bias`, [units], w.take(name, 'bias', [units])) : null;
    return { K, b, inputSize: kernel.length / units };
  });
  if (typeof inDim === 'number' && inDim !== p.inputSize) {
    fail(call, `its kernel takes ${p.inputSize} input features but this call's input is ${shapeText(x.value.shape)}`);
  }
  // MatMul broadcasts over leading axes: Dense on [B, T, F] applies per time step, as in Keras.
  let y = g.op('MatMul', [x.value.name, p.K], `${name}/matmul`);
  if (p.b) y = g.op('Add', [y, p.b], `${name}/biased`);
  y = emitActivation(g, y, c['activation'], name);
  return [{ value: { name: y, shape: [...x.value.shape.slice(0, -1), units] }, mask: x.mask }];
}

/** Keras activation by name (canonical or tfjs spelling) on value `y`. */
export function emitActivation(g: GraphBuilder, y: string, activation: unknown, lname: string): string {
  const outName = `${lname}/out`;
  switch (activationKey(activation, 'linear')) {
    case 'linear':
      return y;
    case 'relu':
      return g.op('Relu', [y], outName);
    case 'sigmoid':
      return g.op('Sigmoid', [y], outName);
    case 'tanh':
      return g.op('Tanh', [y], outName);
    case 'softmax':
      // Opset ≥ 13 Softmax normalises along one axis: the last, like Keras.
      return g.op('Softmax', [y], outName, { axis: -1 });
    case 'hardsigmoid':
      // Keras 2 / tfjs: clip(0.2x + 0.5, 0, 1) = ONNX HardSigmoid defaults.
      return g.op('HardSigmoid', [y], outName, { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'hardsigmoidkeras3':
      // Keras 3: clip(x/6 + 0.5, 0, 1).
      return g.op('HardSigmoid', [y], outName, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    default:
      throw new Error(`toONNX: layer '${lname}': activation '${String(activation)}' is not supported in ONNX export`);
  }
}

function activationLayer(call: LayerCall): Tensor[] {
  const x = single(call);
  const y = emitActivation(call.g, x.value.name, call.layer.config['activation'], call.name);
  return [{ value: { name: y, shape: x.value.shape }, mask: x.mask }];
}

function dropout(call: LayerCall): Tensor[] {
  // Identity at inference (Keras predict runs with training=false).
  return [single(call)];
}

function flatten(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const x = single(call);
  if (x.mask) throw new Error(`toONNX: layer '${name}' (Flatten) receives a mask; Keras Flatten does not support masking either`);
  const rest = x.value.shape.slice(1);
  const size: Dim = rest.every((d) => typeof d === 'number') ? (rest as number[]).reduce((a, b) => a * b, 1) : `${name}_size`;
  return [{ value: { name: g.op('Flatten', [x.value.name], `${name}/out`, { axis: 1 }), shape: [x.value.shape[0]!, size] }, mask: null }];
}

/** Keras Masking: a step is kept when any feature differs from mask_value; masked steps are zeroed. */
function masking(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const x = single(call);
  if (x.value.shape.length !== 3) fail(call, `expects input [batch, time, features], got ${shapeText(x.value.shape)}`);
  const v = (call.layer.config['mask_value'] ?? 0) as number;
  const differs = g.op('Cast', [g.op('Not', [g.op('Equal', [x.value.name, g.scalar(v)], `${name}/equal`)], `${name}/differs`)], `${name}/differs_f`, { to: DataType.FLOAT });
  const kept = g.op('ReduceMax', [differs], `${name}/kept`, { axes: [2], keepdims: 1 }); // [B, T, 1]
  const y = g.op('Mul', [x.value.name, kept], `${name}/out`);
  return [{ value: { name: y, shape: x.value.shape }, mask: g.op('Squeeze', [kept, g.ints([2])], `${name}/mask`) }];
}

/** TimeDistributed(Dense): the Dense on every step, weights under the wrapper's name. */
function timeDistributed(call: LayerCall): Tensor[] {
  const inner = call.layer.config['layer'] as LayerJSON | undefined;
  if (!inner || inner.class_name !== 'Dense') fail(call, `wraps ${JSON.stringify(inner?.class_name)}; only Dense is supported`);
  if (single(call).value.shape.length !== 3) fail(call, `expects input [batch, time, features], got ${shapeText(call.inputs[0]!.value.shape)}`);
  return dense({ ...call, layer: inner });
}

/** RepeatVector: [B, F] → [B, n, F]. */
function repeatVector(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const x = single(call);
  if (x.value.shape.length !== 2) fail(call, `expects input [batch, features], got ${shapeText(x.value.shape)}`);
  const n = call.layer.config['n'] as number;
  const y = g.op('Expand', [g.op('Unsqueeze', [x.value.name, g.ints([1])], `${name}/b1f`), g.ints([1, n, 1])], `${name}/out`);
  return [{ value: { name: y, shape: [x.value.shape[0]!, n, x.value.shape[1]!] }, mask: null }];
}

function takeRnnWeights(w: WeightCursor, cfg: RnnConfig, F: number | null, label: string): RnnWeights {
  const G = { lstm: 4, gru: 3, rnn: 1 }[cfg.kind];
  const H = cfg.units;
  const kernel = w.take(label, 'kernel', [F, G * H]);
  const recurrentKernel = w.take(label, 'recurrent_kernel', [H, G * H]);
  const bias = cfg.useBias ? w.take(label, 'bias', cfg.resetAfter ? [2, G * H] : [G * H]) : null;
  return { kernel, recurrentKernel, bias };
}

/** The [forward(, backward)] configs of a recurrent layer or Bidirectional wrapper, as the ONNX operator runs them. */
function recurrentConfigs(call: { name: string; layer: LayerJSON }): { cfgs: RnnConfig[]; mergeMode: string | null } {
  const { layer, name } = call;
  const c = layer.config;
  if (layer.class_name !== 'Bidirectional') return { cfgs: [readRnnConfig(layer)], mergeMode: null };
  const inner = c['layer'] as LayerJSON | undefined;
  if (!inner || !rnnKindOf(inner.class_name)) {
    throw new Error(`toONNX: Bidirectional layer '${name}' must wrap LSTM, GRU or SimpleRNN, got ${JSON.stringify(inner?.class_name)}`);
  }
  if (c['backward_layer'] != null) throw new Error(`toONNX: Bidirectional layer '${name}': a custom backward_layer is not supported`);
  const fwd = readRnnConfig(inner);
  if (fwd.goBackwards) throw new Error(`toONNX: Bidirectional layer '${name}': an inner layer with go_backwards=true is not supported`);
  // Keras: the backward copy is the same layer with go_backwards flipped; the ONNX node is named after the wrapper.
  return { cfgs: [{ ...fwd, name }, { ...fwd, name, goBackwards: true }], mergeMode: (c['merge_mode'] ?? null) as string | null };
}

/** How many outputs a recurrent layer call has (Keras order: output(s), then states). */
export function recurrentOutputCount(call: { name: string; layer: LayerJSON }): number {
  const { cfgs, mergeMode } = recurrentConfigs(call);
  const D = cfgs.length;
  return (D === 2 && mergeMode === null ? 2 : 1) + (cfgs[0]!.returnState ? D * stateCount(cfgs[0]!) : 0);
}

function recurrent(call: LayerCall): Tensor[] {
  const { g, name } = call;
  if (call.inputs.length !== 1) fail(call, `takes one input tensor (pass states as initial_state), got ${call.inputs.length}`);
  const x = call.inputs[0]!;
  if (x.ids) fail(call, `expected a float32 input, got integer token ids ('${x.value.name}'); put an Embedding first`);
  if (x.value.shape.length !== 3) fail(call, `needs a 3-D input [batch, time, features], got rank ${x.value.shape.length}`);
  const { cfgs, mergeMode } = recurrentConfigs(call);
  const F = typeof x.value.shape[2] === 'number' ? x.value.shape[2] : null;
  const params = call.params((w): RnnParams => {
    const ws = cfgs.length === 2
      ? [takeRnnWeights(w, cfgs[0]!, F, `${name}/forward`), takeRnnWeights(w, cfgs[0]!, F, `${name}/backward`)]
      : [takeRnnWeights(w, cfgs[0]!, F, name)];
    return rnnParams(g, cfgs, ws);
  });
  if (F !== null && F !== params.inputSize) {
    fail(call, `its kernel takes ${params.inputSize} input features but this call's input is ${shapeText(x.value.shape)}`);
  }
  for (const s of call.initialState ?? []) {
    if (s.ids) fail(call, `initial_state must be float32, got integer ids ('${s.value.name}')`);
  }
  return emitRecurrent(g, x.value, x.mask, cfgs, params, mergeMode, call.initialState?.map((s) => s.value) ?? null);
}

export const LAYER_EMITTERS: Record<string, Emitter> = {
  Embedding: embedding,
  Dense: dense,
  Activation: activationLayer,
  Dropout: dropout,
  Flatten: flatten,
  Masking: masking,
  TimeDistributed: timeDistributed,
  RepeatVector: repeatVector,
  LSTM: recurrent,
  GRU: recurrent,
  SimpleRNN: recurrent,
  Bidirectional: recurrent,
};

/** Weights per layer, in getWeights() order (counted before any call so shared layers can be called in any order). */
export function layerWeightCount(layer: LayerJSON): number {
  const c = layer.config ?? {};
  switch (layer.class_name) {
    case 'Embedding':
      return 1;
    case 'Dense':
      return c['use_bias'] !== false ? 2 : 1;
    case 'TimeDistributed': {
      const inner = c['layer'] as LayerJSON | undefined;
      return inner?.class_name === 'Dense' ? layerWeightCount(inner) : 0;
    }
    case 'LSTM': case 'GRU': case 'SimpleRNN':
      return readRnnConfig(layer).useBias ? 3 : 2;
    case 'Bidirectional': {
      const inner = c['layer'] as LayerJSON | undefined;
      return inner && rnnKindOf(inner.class_name) ? 2 * (readRnnConfig(inner).useBias ? 3 : 2) : 0;
    }
    default:
      return 0;
  }
}
