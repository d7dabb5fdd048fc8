/**
 * LSTM / GRU / SimpleRNN (optionally wrapped in Bidirectional) as one ONNX
 * LSTM / GRU / RNN node (opset 14), with Keras semantics around it.
 *
 * Layouts: values between layers are batch-major [B, T, F] like Keras. ONNX
 * RNN operators are run in their default seq-major layout (layout=0) behind a
 * Transpose, because onnxruntime's CPU kernels reject layout=1.
 *
 * Porting notes (Keras ↔ ONNX):
 * - go_backwards=true → direction 'reverse'. ONNX returns the reverse
 *   direction's Y in input time order; Keras returns it in processing order
 *   (output[:, 0] consumed input[:, T-1]), so the sequence output is flipped.
 * - Bidirectional → direction 'bidirectional'. Keras re-reverses the backward
 *   sequence to input time order before merging, which is ONNX's order already.
 * - Masking (Embedding mask_zero, propagated through return_sequences layers):
 *   Keras skips masked steps (state kept, step output = previous output, zero
 *   before the first real token) wherever they are: pre-, post- or mid-padding.
 *   ONNX sequence_lens only truncates a suffix, so each row is first compacted
 *   (real steps moved to the front in time order by a TopK over
 *   t + 2^23·masked), the operator runs with sequence_lens = real count, and
 *   sequence outputs are gathered back to the original time positions. This
 *   reproduces Keras exactly for any mask pattern (tested on pre/post-padding).
 *   All-masked rows output zeros as in Keras. Requires T < 2^23.
 */
import type { Dim, GraphBuilder } from './graph.js';
import type { RnnConfig } from './config.js';
import { DataType } from './schema.js';
import { concat, gateCount, toOnnxBias, toOnnxMatrix } from './rnn-weights.js';

export interface Value {
  name: string;
  shape: Dim[];
}

export interface RnnWeights {
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array | null;
}

const OP: Record<RnnConfig['kind'], string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

// Only activations whose onnxruntime behaviour is covered by the fixture tests.
// HardSigmoid relies on the ONNX defaults alpha=0.2, beta=0.5, which are the
// Keras 2 / tfjs constants, so no activation_alpha/beta list is written (that
// list's indexing is interpreted differently by different runtimes).
const ONNX_ACTIVATION: Record<string, string> = {
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  hardsigmoid: 'HardSigmoid',
};

function onnxActivation(cfg: RnnConfig, key: string, which: string): string {
  const name = ONNX_ACTIVATION[key];
  if (!name) {
    throw new Error(
      `toONNX: layer '${cfg.name}': ${which} '${key}' has no ONNX ${OP[cfg.kind]} equivalent here ` +
        `(supported: ${Object.keys(ONNX_ACTIVATION).join(', ')})`,
    );
  }
  return name;
}

function activationList(cfg: RnnConfig): string[] {
  const act = onnxActivation(cfg, cfg.activation, 'activation');
  if (cfg.kind === 'rnn') return [act];
  const rec = onnxActivation(cfg, cfg.recurrentActivation, 'recurrent_activation');
  return cfg.kind === 'lstm' ? [rec, act, act] : [rec, act];
}

/** Per-row compaction of masked steps; see the porting note above. */
interface Compaction {
  x: string; // [B, T, F] real steps first, in time order
  seqLens: string; // int32 [B], max(count, 1)
  count: string; // float [B, 1]
  incl: string; // float [B, T], real steps up to and including t
  excl: string; // float [B, T], real steps before t
}

function compact(g: GraphBuilder, x: string, mask: string): Compaction {
  const axis1 = g.ints([1], true);
  const count = g.op('ReduceSum', [mask, g.ints([1])], 'mask_count', { keepdims: 1 });
  const clamped = g.op('Max', [count, g.scalar(1)], 'mask_count_min1');
  const lens = g.op('Squeeze', [clamped, g.ints([1])], 'seq_lens_f');
  const seqLens = g.op('Cast', [lens], 'seq_lens', { to: DataType.INT32 });
  const ones = g.op('Add', [g.op('Mul', [mask, g.scalar(0)], 'zeros_bt'), g.scalar(1)], 'ones_bt');
  const t = g.op('CumSum', [ones, axis1], 'time_index', { exclusive: 1 });
  const masked = g.op('Sub', [g.scalar(1), mask], 'masked');
  const keys = g.op('Add', [t, g.op('Mul', [masked, g.scalar(8388608)], 'masked_big')], 'compact_keys');
  const k = g.op('Shape', [mask], 'time_len', { start: 1, end: 2 });
  const perm = g.node('TopK', [keys, k], ['compact_keys_sorted', 'compact_perm'], { axis: 1, largest: 0, sorted: 1 })[1]!;
  const incl = g.op('CumSum', [mask, axis1], 'mask_incl');
  const excl = g.op('Sub', [incl, mask], 'mask_excl');
  return { x: gatherTime(g, x, perm), seqLens, count, incl, excl };
}

/** out[b, t, :] = v[b, idx[b, t], :] for v [B, T, F] and idx int64 [B, T]. */
function gatherTime(g: GraphBuilder, v: string, idx: string): string {
  const idx3 = g.op('Unsqueeze', [idx, g.ints([2])], 'idx3');
  const full = g.op('Expand', [idx3, g.op('Shape', [v], 'shape')], 'idx_full');
  return g.op('GatherElements', [v, full], 'gathered', { axis: 1 });
}

/** Sequence output of one direction moved back to Keras' time positions. */
function unmaskSequence(g: GraphBuilder, y: string, c: Compaction, forward: boolean): string {
  let idxF: string;
  let valid: string;
  if (forward) {
    // Output at t = state after the last real step ≤ t: compacted index incl-1.
    idxF = g.op('Max', [g.op('Sub', [c.incl, g.scalar(1)], 'incl_m1'), g.scalar(0)], 'fwd_idx_f');
    valid = g.op('Greater', [c.incl, g.scalar(0)], 'fwd_valid');
  } else {
    // Reverse direction, input time order: state after the real steps ≥ t,
    // i.e. ONNX reverse Y at compacted index excl (if any real step is left).
    const last = g.op('Max', [g.op('Sub', [c.count, g.scalar(1)], 'count_m1'), g.scalar(0)], 'last_idx');
    idxF = g.op('Min', [c.excl, last], 'bwd_idx_f');
    valid = g.op('Less', [c.excl, c.count], 'bwd_valid');
  }
  const idx = g.op('Cast', [idxF], 'time_idx', { to: DataType.INT64 });
  const validF = g.op('Unsqueeze', [g.op('Cast', [valid], 'valid_f', { to: DataType.FLOAT }), g.ints([2])], 'valid3');
  return g.op('Mul', [gatherTime(g, y, idx), validF], 'seq_unmasked');
}

function reverseTime(g: GraphBuilder, v: string): string {
  // Slice with step -1 from the last element to "before the first" (INT64_MIN).
  return g.op('Slice', [v, g.ints([-1]), g.ints([-9223372036854775808]), g.ints([1]), g.ints([-1])], 'time_reversed');
}

/** The ONNX W, R, B initializers of one recurrent layer: made once, shared by every call of the layer. */
export interface RnnParams {
  W: string;
  R: string;
  B: string; // '' without bias
  inputSize: number;
}

export function rnnParams(g: GraphBuilder, cfgs: RnnConfig[], weights: RnnWeights[]): RnnParams {
  const cfg = cfgs[0]!;
  const G = gateCount(cfg.kind);
  const H = cfg.units;
  const I = weights[0]!.kernel.length / (G * H);
  const D = cfgs.length;
  const W = g.floatTensor(`${cfg.name}/W`, [D, G * H, I], concat(weights.map((w) => toOnnxMatrix(cfg.kind, w.kernel, I, H))));
  const R = g.floatTensor(`${cfg.name}/R`, [D, G * H, H], concat(weights.map((w) => toOnnxMatrix(cfg.kind, w.recurrentKernel, H, H))));
  const B = cfg.useBias
    ? g.floatTensor(`${cfg.name}/B`, [D, 2 * G * H], concat(weights.map((w) => toOnnxBias(cfg.kind, w.bias, H, cfg.resetAfter))))
    : '';
  return { W, R, B, inputSize: I };
}

/** States per direction, in Keras order: LSTM [h, c], GRU / SimpleRNN [h]. */
export function stateCount(cfg: RnnConfig): number {
  return cfg.kind === 'lstm' ? 2 : 1;
}

/** One output of a layer call, with the Keras mask that travels with it (float [B, T] of 0/1, or null). */
export interface Output {
  value: Value;
  mask: string | null;
}

/**
 * Emits one call of a recurrent layer. `cfgs` holds one config, or [forward, backward]
 * for Bidirectional (then `mergeMode` applies; null keeps both outputs). `initialState`:
 * the Keras `initial_state` tensors ([B, H] each; per direction h(, c), forward first) or null.
 *
 * Returns the Keras outputs: [y] or [y_forward, y_backward] (merge_mode null), then with
 * return_state the final states of each direction. The sequence outputs carry the input mask
 * with return_sequences (as Keras); states carry none.
 */
export function emitRecurrent(
  g: GraphBuilder,
  x: Value,
  mask: string | null,
  cfgs: RnnConfig[],
  params: RnnParams,
  mergeMode: string | null,
  initialState: Value[] | null,
): Output[] {
  const cfg = cfgs[0]!;
  const bidi = cfgs.length === 2;
  const H = cfg.units;
  const D = cfgs.length;
  const S = stateCount(cfg);
  if (bidi && mergeMode !== null && !['concat', 'sum', 'mul', 'ave'].includes(mergeMode)) {
    throw new Error(
      `toONNX: Bidirectional layer around '${cfg.name}': merge_mode ${JSON.stringify(mergeMode)} is not supported ` +
        `(expected 'concat', 'sum', 'mul', 'ave' or null)`,
    );
  }
  if (initialState && initialState.length !== D * S) {
    throw new Error(
      `toONNX: layer '${cfg.name}': initial_state must have ${D * S} tensors (${bidi ? 'forward then backward ' : ''}` +
        `${cfg.kind === 'lstm' ? '[h, c]' : '[h]'}), got ${initialState.length}`,
    );
  }
  for (const s of initialState ?? []) {
    const last = s.shape[s.shape.length - 1];
    if (s.shape.length !== 2 || (typeof last === 'number' && last !== H)) {
      throw new Error(`toONNX: layer '${cfg.name}': each initial state must be [batch, ${H}], got [${s.shape.join(', ')}] ('${s.name}')`);
    }
  }

  const c = mask ? compact(g, x.name, mask) : null;
  const xSeq = g.op('Transpose', [c ? c.x : x.name], `${cfg.name}/x_tbf`, { perm: [1, 0, 2] });
  const attrs: Record<string, number | string | string[]> = {
    hidden_size: H,
    direction: bidi ? 'bidirectional' : cfg.goBackwards ? 'reverse' : 'forward',
    activations: cfgs.flatMap(activationList),
  };
  if (cfg.kind === 'gru') attrs['linear_before_reset'] = cfg.resetAfter ? 1 : 0;
  // ONNX initial_h / initial_c: [D, B, H], direction-major; Keras lists them per direction.
  const stacked = (k: number) => {
    const parts = Array.from({ length: D }, (_, d) => g.op('Unsqueeze', [initialState![d * S + k]!.name, g.ints([0])], `${cfg.name}/init${k}_dir${d}`));
    return D === 1 ? parts[0]! : g.op('Concat', parts, `${cfg.name}/init${k}`, { axis: 0 });
  };
  const inputs = [xSeq, params.W, params.R, params.B, c ? c.seqLens : ''];
  if (initialState) {
    inputs.push(stacked(0));
    if (S === 2) inputs.push(stacked(1));
  }
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const lastNeeded = !cfg.returnSequences || cfg.returnState;
  const outHints = [cfg.returnSequences ? `${cfg.name}/Y` : '', lastNeeded ? `${cfg.name}/Y_h` : ''];
  if (cfg.kind === 'lstm' && cfg.returnState) outHints.push(`${cfg.name}/Y_c`);
  while (outHints[outHints.length - 1] === '') outHints.pop();
  const out = g.node(OP[cfg.kind], inputs, outHints, attrs);
  const anyReal = c ? g.op('Greater', [c.count, g.scalar(0)], 'any_real') : null; // bool [B, 1]

  const dirOutputs: string[] = [];
  if (cfg.returnSequences) {
    const ybt = g.op('Transpose', [out[0]!], `${cfg.name}/Y_btdh`, { perm: [2, 0, 1, 3] });
    for (let d = 0; d < D; d++) {
      let y = g.op('Gather', [ybt, g.ints([d], true)], `${cfg.name}/Y_dir${d}`, { axis: 2 });
      const forwardDir = d === 0 && !cfg.goBackwards;
      if (c) y = unmaskSequence(g, y, c, forwardDir);
      // zero_output_for_mask: masked steps output 0 instead of the previous output.
      if (c && cfg.zeroOutputForMask) y = g.op('Mul', [y, g.op('Unsqueeze', [mask!, g.ints([2])], 'mask3')], `${cfg.name}/zeroed`);
      // Only a lone go_backwards layer reports processing order (see header).
      if (!bidi && cfg.goBackwards) y = reverseTime(g, y);
      dirOutputs.push(y);
    }
  } else {
    for (let d = 0; d < D; d++) {
      let y = g.op('Gather', [out[1]!, g.ints([d], true)], `${cfg.name}/Y_h_dir${d}`, { axis: 0 });
      // An all-masked row outputs 0 (Keras' previous output starts at zero), whatever the initial state.
      if (anyReal) y = g.op('Mul', [y, g.op('Cast', [anyReal], 'any_real_f', { to: DataType.FLOAT })], `${cfg.name}/last_masked`);
      dirOutputs.push(y);
    }
  }

  const batch = x.shape[0]!;
  const seqShape = (w: number): Dim[] => (cfg.returnSequences ? [batch, x.shape[1]!, w] : [batch, w]);
  const seqMask = cfg.returnSequences ? mask : null;
  const outputs: Output[] = [];
  if (!bidi) {
    outputs.push({ value: { name: dirOutputs[0]!, shape: seqShape(H) }, mask: seqMask });
  } else if (mergeMode === null) {
    for (const y of dirOutputs) outputs.push({ value: { name: y, shape: seqShape(H) }, mask: seqMask });
  } else {
    const [f, b] = dirOutputs as [string, string];
    let name: string;
    let width = H;
    if (mergeMode === 'concat') {
      name = g.op('Concat', [f, b], `${cfg.name}/concat`, { axis: -1 });
      width = 2 * H;
    } else if (mergeMode === 'sum') name = g.op('Add', [f, b], `${cfg.name}/sum`);
    else if (mergeMode === 'mul') name = g.op('Mul', [f, b], `${cfg.name}/mul`);
    else name = g.op('Mul', [g.op('Add', [f, b], `${cfg.name}/sum`), g.scalar(0.5)], `${cfg.name}/ave`);
    outputs.push({ value: { name, shape: seqShape(width) }, mask: seqMask });
  }

  if (cfg.returnState) {
    for (let d = 0; d < D; d++) {
      for (let k = 0; k < S; k++) {
        let s = g.op('Gather', [out[1 + k]!, g.ints([d], true)], `${cfg.name}/state${k}_dir${d}`, { axis: 0 });
        // A row with no real step keeps its initial state (zeros without one): the compacted
        // run took one padding step for it.
        if (anyReal) s = g.op('Where', [anyReal, s, initialState ? initialState[d * S + k]!.name : g.scalar(0)], `${cfg.name}/state_masked`);
        outputs.push({ value: { name: s, shape: [batch, H] }, mask: null });
      }
    }
  }
  return outputs;
}
