/**
 * Validation and batching of user data. Everything a user can get wrong is
 * checked here, up front, before a model touches its state — so an error never
 * leaves a model half-updated.
 */
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import type { Shape } from '../layers/layer.js';
import { shapeStr } from '../names.js';

export function posOf(i: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** What to do about data that is not a rectangular array of numbers, per argument. */
const HINTS = {
  x: {
    ragged: 'sequences must have one length: pad them with text.padSequences(sequences, { maxlen })',
    notNumber: 'inputs are numbers: turn texts into token ids with text.tokenizer() and text.padSequences',
  },
  y: {
    ragged: 'targets must have one length per sample: pad target sequences with text.padSequences, or give one label per sample',
    notNumber: 'targets are numbers: map each class to an integer (and use text.toCategorical for one-hot targets)',
  },
} as const;

/** toTensor, with an error that names `x` or `y`, the index path, and the likely fix. */
function asTensor(v: TensorLike, who: string, name: 'x' | 'y'): Tensor {
  try {
    return toTensor(v, `${who}: ${name}`);
  } catch (e) {
    const m = (e as Error).message;
    const hint = /ragged/.test(m) ? HINTS[name].ragged : /expected a number, got/.test(m) ? HINTS[name].notNumber : null;
    throw new Error(hint ? `${m} (${hint})` : m);
  }
}

/**
 * A layer's build error, with the likely fix when a layer that needs a time axis (a
 * recurrent layer) got the 2-D output of a recurrent layer below it that returns only its last step.
 */
export function stackError(e: unknown, below: object | undefined, layer: { name: string }, shape: Shape): Error {
  const m = (e as Error).message;
  const lastStepOnly = below !== undefined && (below as { returnSequences?: unknown }).returnSequences === false;
  if (shape.length !== 2 || !lastStepOnly) return new Error(m);
  const name = (below as { name?: string }).name ?? 'the layer below';
  return new Error(`${m}. '${name}' outputs only its last step ${shapeStr(shape)}; give it returnSequences: true to pass the whole sequence to '${layer.name}'`);
}

export interface InputSpec {
  /** Model input shape incl. batch (null = free). */
  shape: Shape;
  /** First layer consumes int32 ids (Embedding): its name and inputDim. */
  ids: { layer: string; inputDim: number } | null;
}

/** Checks x against the model input and returns it as a float32 or int32 tensor. */
export function checkX(xIn: TensorLike, spec: InputSpec, who: string): Tensor {
  const x = asTensor(xIn, who, 'x');
  const s = spec.shape;
  if (x.rank !== s.length) {
    throw new Error(`${who}: x must have shape ${shapeStr(s)} (rank ${s.length}), got ${shapeStr(x.shape)}`);
  }
  for (let d = 1; d < s.length; d++) {
    if (s[d] !== null && s[d] !== x.shape[d]) {
      throw new Error(`${who}: x must have shape ${shapeStr(s)}, got ${shapeStr(x.shape)} (dimension ${d} differs)`);
    }
  }
  if (x.shape[0] === 0) throw new Error(`${who}: x is empty (shape ${shapeStr(x.shape)})`);
  // a zero-length sequence has no output to give (an RNN would return its previous call's state)
  const zero = x.shape.indexOf(0, 1);
  if (zero > 0) {
    throw new Error(`${who}: x has shape ${shapeStr(x.shape)}: dimension ${zero}${zero === 1 && s.length >= 2 ? ' (time)' : ''} is 0; ` +
      'every sample needs at least one time step and one feature (pad short sequences with text.padSequences instead of passing empty ones)');
  }
  if (spec.ids) {
    const { layer, inputDim } = spec.ids;
    const out = x.data instanceof Int32Array ? x.data : new Int32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      if (!Number.isInteger(v)) {
        throw new Error(`${layer}: token ids must be integers, got ${v} at x${posOf(i, x.shape)}`);
      }
      if (v < 0 || v >= inputDim) {
        throw new Error(`${layer}: token id ${v} at x${posOf(i, x.shape)} is outside [0, inputDim = ${inputDim})`);
      }
      out[i] = v;
    }
    return out === x.data ? x : new Tensor(out, x.shape, 'int32');
  }
  const data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${who}: x contains ${data[i]} at ${posOf(i, x.shape)}; inputs must be finite`);
  }
  return data === x.data ? x : new Tensor(data, x.shape, 'float32');
}

export interface TargetSpec {
  /** Output shape incl. batch. */
  shape: Shape;
  sparse: boolean;
  lossName: string;
}

/** Checks y against the model output and the loss; returns float32 (or int32 labels for sparse losses). */
export function checkY(yIn: TensorLike, n: number, spec: TargetSpec, who: string): Tensor {
  const y = asTensor(yIn, who, 'y');
  const out = spec.shape as number[];
  const cols = out[out.length - 1];
  if (y.shape[0] !== n) {
    throw new Error(`${who}: x has ${n} samples but y has ${y.shape[0]} (y shape ${shapeStr(y.shape)})`);
  }
  if (spec.sparse) {
    // labels: one integer per output row: [N], [N, 1], or [N, T] / [N, T, 1] for sequence outputs
    const rowShape = out.slice(1, -1);
    const ok = [[n, ...rowShape], [n, ...rowShape, 1]].some((s) => s.length === y.rank && s.every((d, i) => d === null || d === y.shape[i]));
    if (!ok) {
      throw new Error(`${who}: ${spec.lossName} needs integer labels of shape ${shapeStr([n, ...rowShape])} for output ${shapeStr(out)}, got ${shapeStr(y.shape)}`);
    }
    const labels = new Int32Array(y.size);
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= cols) {
        throw new Error(`${who}: ${spec.lossName} label ${v} at y${posOf(i, y.shape)} must be an integer in [0, ${cols})`);
      }
      labels[i] = v;
    }
    return new Tensor(labels, y.shape, 'int32');
  }
  const want = [n, ...out.slice(1)];
  const same = y.rank === want.length && want.every((d, i) => d === null || d === y.shape[i]);
  const squeezed = cols === 1 && y.rank === want.length - 1 && want.slice(0, -1).every((d, i) => d === null || d === y.shape[i]);
  if (!same && !squeezed) {
    throw new Error(`${who}: y must have shape ${shapeStr(want)} to match the model output ${shapeStr(out)} and loss ${spec.lossName}, got ${shapeStr(y.shape)}`);
  }
  const data = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${who}: y contains ${data[i]} at ${posOf(i, y.shape)}; targets must be finite`);
  }
  return new Tensor(data, same ? y.shape : [...y.shape, 1], 'float32');
}

/**
 * Copy rows `idx[from..to)` of t (first axis) into dst starting at element offset `at`;
 * idx null: rows from..to in order (data taken as it is: no index array to build per call).
 */
export function gatherRows(t: Tensor, idx: ArrayLike<number> | null, from: number, to: number,
                           dst: Float32Array | Int32Array, at: number): void {
  const row = t.size / t.shape[0];
  // one copy per run of consecutive rows (predict and unshuffled batches are one run)
  for (let r = from; r < to;) {
    let e = r + 1;
    if (!idx) e = to;
    else while (e < to && idx[e] === idx[e - 1] + 1) e++;
    const src = (idx ? idx[r] : r) * row, n = (e - r) * row;
    dst.set(n === t.data.length ? t.data : t.data.subarray(src, src + n), at + (r - from) * row);
    r = e;
  }
}

/** Rows idx[from..to) of t (first axis) as a new tensor. */
export function takeRows(t: Tensor, idx: ArrayLike<number>, from: number, to: number): Tensor {
  const row = t.size / t.shape[0];
  const out = t.dtype === 'int32' ? new Int32Array((to - from) * row) : new Float32Array((to - from) * row);
  gatherRows(t, idx, from, to, out, 0);
  return new Tensor(out, [to - from, ...t.shape.slice(1)], t.dtype);
}

/** 0, 1, …, n − 1: the row order of data taken as it is. */
export function rowIndices(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Rows [from, to) of t as a new tensor. */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const row = t.size / t.shape[0];
  return new Tensor(t.data.slice(from * row, to * row), [to - from, ...t.shape.slice(1)], t.dtype);
}

/** Time steps [from, to) of t (axis 1). */
export function sliceTime(t: Tensor, from: number, to: number): Tensor {
  const [N, T] = t.shape;
  const inner = t.size / (N * T);
  const out = t.dtype === 'int32' ? new Int32Array(N * (to - from) * inner) : new Float32Array(N * (to - from) * inner);
  for (let n = 0; n < N; n++) out.set(t.data.subarray((n * T + from) * inner, (n * T + to) * inner), n * (to - from) * inner);
  return new Tensor(out, [N, to - from, ...t.shape.slice(2)], t.dtype);
}
