/**
 * padSequences: Keras `pad_sequences` (keras-preprocessing 1.1).
 *
 * `sequences` [n][len_i] -> DenseArray [n, maxlen], row-major.
 * - maxlen: default the longest sequence (0 when there are none).
 * - truncating 'pre' keeps the LAST maxlen items, 'post' the first (default 'pre').
 * - padding 'pre' puts `value` before the items, 'post' after (default 'pre').
 * - dtype 'int32' (default; Int32Array) or 'float32' (Float32Array). With int32,
 *   items and value must be integers in int32 range (NumPy would silently
 *   truncate 2.7 to 2; here it is an error).
 * Porting note: Keras crashes on an explicit maxlen 0; here every row is empty.
 */
import { argError, checkInt, checkOneOf, checkOptions } from './check.js';
import { DenseArray } from './dense-array.js';
import { checkOutputSize } from '../util/bounds.js';

export interface PadOptions {
  maxlen?: number | null;
  padding?: 'pre' | 'post';
  truncating?: 'pre' | 'post';
  value?: number;
  dtype?: 'int32' | 'float32';
}

/** What padSequences returns: a DenseArray of shape [n, maxlen]. */
export type PaddedSequences = DenseArray<Int32Array | Float32Array>;

const FN = 'text.padSequences';
const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

export function padSequences(sequences: Iterable<ArrayLike<number>>, options: PadOptions = {}): PaddedSequences {
  const o = checkOptions(FN, options, ['maxlen', 'padding', 'truncating', 'value', 'dtype']);
  const padding = o.padding === undefined ? 'pre' : checkOneOf(FN, 'padding', o.padding, ['pre', 'post'] as const);
  const truncating = o.truncating === undefined ? 'pre' : checkOneOf(FN, 'truncating', o.truncating, ['pre', 'post'] as const);
  const dtype = o.dtype === undefined ? 'int32' : checkOneOf(FN, 'dtype', o.dtype, ['int32', 'float32'] as const);
  const value = o.value === undefined ? 0 : checkItem('value', o.value, dtype);

  if (typeof sequences === 'string' || sequences == null || typeof (sequences as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw argError(FN, 'sequences', 'an array of number arrays', sequences);
  }
  const seqs = Array.from(sequences);
  seqs.forEach((s, i) => {
    if (s == null || typeof s === 'string' || typeof s.length !== 'number') {
      throw argError(FN, `sequences[${i}]`, 'an array of numbers', s);
    }
  });
  const maxlen = o.maxlen == null ? seqs.reduce((m, s) => Math.max(m, s.length), 0) : checkInt(FN, 'maxlen', o.maxlen, 0);

  const n = seqs.length;
  checkOutputSize(FN, 'the padded output', [n, maxlen], 4);
  const data = dtype === 'int32' ? new Int32Array(n * maxlen) : new Float32Array(n * maxlen);
  data.fill(value);
  for (let i = 0; i < n; i++) {
    const s = seqs[i];
    const keep = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - keep : 0;  // first item kept
    const to = i * maxlen + (padding === 'pre' ? maxlen - keep : 0);  // where it lands
    for (let j = 0; j < keep; j++) data[to + j] = checkItem(`sequences[${i}][${from + j}]`, s[from + j], dtype);
  }
  return new DenseArray(data, [n, maxlen]);
}

function checkItem(arg: string, v: unknown, dtype: 'int32' | 'float32'): number {
  if (dtype === 'int32') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw argError(FN, arg, "an integer in int32 range (use dtype: 'float32' for other numbers)", v);
    }
  } else if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw argError(FN, arg, 'a finite number', v);
  }
  return v as number;
}
