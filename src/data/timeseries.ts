/**
 * timeseriesDataset: sliding windows over an array, with the semantics of
 * Keras' `timeseries_dataset_from_array` (keras/src/utils/timeseries_dataset_utils.py):
 *
 *   start = startIndex ?? 0,  end = endIndex ?? len(series)
 *   n     = end − start − (sequenceLength − 1)·samplingRate   (min with len(targets))
 *   starts p = 0, sequenceStride, 2·sequenceStride, … < n    (relative to `start`)
 *   window(p)[k] = series[start + p + k·samplingRate],  k < sequenceLength
 *   target(p)    = targets[start + p]
 *
 * Windows are batched `batchSize` at a time (default 128; null yields single
 * windows without a batch axis), the last batch short. Without targets it yields
 * the window tensors alone, as Keras yields `batch_of_sequences` alone.
 *
 * Porting note: Keras shuffles the start positions once with NumPy's RNG and
 * then again per iteration in a local buffer of 8·batchSize. Here `shuffle`
 * draws a full permutation of the windows on every iteration (every epoch) from
 * a stream seeded by `seed` — the same windows, a different (reproducible) order.
 *
 * Windows are cut from the series when a batch is requested, so memory holds
 * the series and one batch, not every window.
 */
import { Tensor } from '../tensor.js';
import { asTensor, type SeriesLike } from './as-tensor.js';
import { Rng } from '../util/random.js';
import { checkOptions } from '../util/options.js';
import { describe, shapeStr } from '../names.js';
import { nextSeed } from '../util/seed.js';

export interface TimeseriesOptions {
  sequenceLength: number;
  sequenceStride?: number;
  samplingRate?: number;
  /** Windows per batch (default 128); null yields single windows without a batch axis. */
  batchSize?: number | null;
  shuffle?: boolean;
  seed?: number;
  startIndex?: number | null;
  endIndex?: number | null;
}

export interface Batch {
  xs: Tensor;
  ys: Tensor;
}

const WHO = 'data.timeseriesDataset';
const KEYS = ['sequenceLength', 'sequenceStride', 'samplingRate', 'batchSize', 'shuffle', 'seed', 'startIndex', 'endIndex'] as const;

function int(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${WHO}: ${what} must be an integer ≥ ${min}, got ${describe(v)}`);
  }
  return v;
}

/** A re-iterable dataset of windows: each `for … of` walks every window once (one epoch). */
export class TimeseriesDataset<Item extends Batch | Tensor = Batch> implements Iterable<Item> {
  /** Start positions of the windows, relative to startIndex. */
  readonly starts: Int32Array;
  readonly batchSize: number | null;
  private readonly rng: Rng | null;

  constructor(
    private readonly series: Tensor,
    private readonly targets: Tensor | null,
    private readonly start: number,
    private readonly sequenceLength: number,
    private readonly samplingRate: number,
    stride: number, n: number, batchSize: number | null, shuffle: boolean, seed: number,
  ) {
    const count = n > 0 ? Math.ceil(n / stride) : 0;
    this.starts = new Int32Array(count);
    for (let i = 0; i < count; i++) this.starts[i] = i * stride;
    this.batchSize = batchSize;
    this.rng = shuffle ? new Rng(seed) : null;
  }

  /** Number of windows per iteration. */
  get windows(): number {
    return this.starts.length;
  }

  /** Number of batches (or single windows) per iteration: what the progress bar counts. */
  get length(): number {
    return this.batchSize === null ? this.windows : Math.ceil(this.windows / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Item> {
    const order = this.starts.slice();
    this.rng?.shuffle(order);
    const B = this.batchSize ?? 1;
    for (let i = 0; i < order.length; i += B) {
      const pos = order.subarray(i, Math.min(order.length, i + B));
      const xs = this.windowBatch(pos);
      const ys = this.targets ? this.targetBatch(pos) : null;
      if (this.batchSize === null) {
        const x1 = new Tensor(xs.data, xs.shape.slice(1), xs.dtype);
        yield (ys ? { xs: x1, ys: new Tensor(ys.data, ys.shape.slice(1), ys.dtype) } : x1) as Item;
      } else yield (ys ? { xs, ys } : xs) as Item;
    }
  }

  private windowBatch(pos: Int32Array): Tensor {
    const s = this.series, row = s.size / s.shape[0], L = this.sequenceLength;
    const out = s.dtype === 'int32' ? new Int32Array(pos.length * L * row) : new Float32Array(pos.length * L * row);
    for (let b = 0; b < pos.length; b++) {
      for (let k = 0; k < L; k++) {
        const src = (this.start + pos[b] + k * this.samplingRate) * row;
        out.set(s.data.subarray(src, src + row), (b * L + k) * row);
      }
    }
    return new Tensor(out, [pos.length, L, ...s.shape.slice(1)], s.dtype);
  }

  private targetBatch(pos: Int32Array): Tensor {
    const t = this.targets!, row = t.size / t.shape[0];
    const out = t.dtype === 'int32' ? new Int32Array(pos.length * row) : new Float32Array(pos.length * row);
    for (let b = 0; b < pos.length; b++) {
      const src = (this.start + pos[b]) * row;
      out.set(t.data.subarray(src, src + row), b * row);
    }
    return new Tensor(out, [pos.length, ...t.shape.slice(1)], t.dtype);
  }
}

/**
 * Sliding windows over `series` (axis 0 is time) paired with `targets[start]`
 * of each window (or no targets: pass null). See the file comment.
 */
export function timeseriesDataset(series: SeriesLike, targets: null, options: TimeseriesOptions): TimeseriesDataset<Tensor>;
export function timeseriesDataset(series: SeriesLike, targets: SeriesLike, options: TimeseriesOptions): TimeseriesDataset<Batch>;
export function timeseriesDataset(series: SeriesLike, targets: SeriesLike | null, options: TimeseriesOptions): TimeseriesDataset<Batch> | TimeseriesDataset<Tensor> {
  const o = checkOptions(options, KEYS, WHO);
  if (options === undefined) throw new Error(`${WHO}: options { sequenceLength, … } are required`);
  const s = asTensor(series, `${WHO}: series`);
  if (s.rank < 1 || s.shape[0] === 0) throw new Error(`${WHO}: series must have at least one time step, got shape ${shapeStr(s.shape)}`);
  const t = targets === null || targets === undefined ? null : asTensor(targets, `${WHO}: targets`);
  const N = s.shape[0];
  const L = int(o.sequenceLength, 'sequenceLength', 1);
  const stride = int(o.sequenceStride ?? 1, 'sequenceStride', 1);
  const rate = int(o.samplingRate ?? 1, 'samplingRate', 1);
  // Keras' checks, in its words: strides lower than the length of the data
  if (rate >= N) throw new Error(`${WHO}: samplingRate must be lower than the length of the series (${N}), got ${rate}`);
  if (stride >= N) throw new Error(`${WHO}: sequenceStride must be lower than the length of the series (${N}), got ${stride}`);
  const batchSize = o.batchSize === null ? null : int(o.batchSize ?? 128, 'batchSize', 1);
  if (o.shuffle !== undefined && typeof o.shuffle !== 'boolean') throw new Error(`${WHO}: shuffle must be true or false, got ${describe(o.shuffle)}`);
  const seed = o.seed === undefined ? nextSeed() : int(o.seed, 'seed', 0);
  const start = o.startIndex == null ? 0 : int(o.startIndex, 'startIndex', 0);
  if (start >= N) throw new Error(`${WHO}: startIndex must be lower than the length of the series (${N}), got ${start}`);
  let end = N;
  if (o.endIndex != null) {
    end = int(o.endIndex, 'endIndex', 1);
    if (end <= start) throw new Error(`${WHO}: endIndex must be higher than startIndex (${start}), got ${end}`);
    // Keras requires end_index < len(data) (strictly); omit endIndex to use the whole series
    if (end >= N) throw new Error(`${WHO}: endIndex must be lower than the length of the series (${N}), got ${end}; omit it to use the whole series`);
  }
  let n = end - start - (L - 1) * rate;
  if (t) {
    if (t.rank < 1) throw new Error(`${WHO}: targets must have a time axis, got shape ${shapeStr(t.shape)}`);
    n = Math.min(n, t.shape[0]);
    // Keras gathers targets[start + p]; a shorter targets array than that reads past its end there
    const last = n > 0 ? start + (Math.ceil(n / stride) - 1) * stride : -1;
    if (last >= t.shape[0]) {
      throw new Error(`${WHO}: targets has ${t.shape[0]} steps but the last window (start ${last}) needs targets[${last}]`);
    }
  }
  return new TimeseriesDataset<Batch>(s, t, start, L, rate, stride, n, batchSize, o.shuffle ?? false, seed);
}
