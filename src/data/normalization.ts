/**
 * Feature-wise standardisation, Keras `Normalization` (axis −1) semantics:
 *
 *   adapt(x):    mean_f, variance_f over every axis but the last (population
 *                variance, float64); a rank-1 input is one feature
 *   transform:   y = (x − mean_f) / max(sqrt(variance_f), 1e-7)
 *   inverse:     x = mean_f + y · max(sqrt(variance_f), 1e-7)   (Keras `invert=True`)
 *
 * 1e-7 is Keras' backend.epsilon(), which guards constant features. The same
 * statistics and rule back `layers.normalization` (src/layers/normalization.ts).
 */
import { Tensor } from '../tensor.js';
import { asTensor, type SeriesLike } from './as-tensor.js';
import { checkOptions } from '../util/options.js';
import { describe, shapeStr } from '../names.js';

export const NORM_EPSILON = 1e-7;

export interface NormalizationStats {
  mean?: ArrayLike<number> | number;
  variance?: ArrayLike<number> | number;
}

/** Per-feature scale max(sqrt(variance), ε). */
export function normScale(variance: Float64Array): Float64Array {
  return variance.map((v) => Math.max(Math.sqrt(v), NORM_EPSILON));
}

function vector(v: ArrayLike<number> | number, what: string): Float64Array {
  const a = typeof v === 'number' ? Float64Array.of(v) : v && typeof v.length === 'number' ? Float64Array.from(v) : null;
  if (!a || a.length === 0) throw new Error(`${what} must be a number or a non-empty array of numbers, got ${describe(v)}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new Error(`${what}[${i}] must be finite, got ${a[i]}`);
  return a;
}

/** Validates mean/variance given together (both or neither), variance ≥ 0, same length. */
export function checkStats(mean: unknown, variance: unknown, who: string): { mean: Float64Array; variance: Float64Array } | null {
  if (mean == null && variance == null) return null;
  if (mean == null || variance == null) throw new Error(`${who}: give both mean and variance, or neither (then call adapt), got ${mean == null ? 'only variance' : 'only mean'}`);
  const m = vector(mean as ArrayLike<number>, `${who}: mean`), v = vector(variance as ArrayLike<number>, `${who}: variance`);
  if (m.length !== v.length) throw new Error(`${who}: mean has ${m.length} values but variance has ${v.length}`);
  v.forEach((x, i) => { if (x < 0) throw new Error(`${who}: variance[${i}] must be ≥ 0, got ${x}`); });
  return { mean: m, variance: v };
}

/** Mean and population variance per feature (last axis; rank 1 = one feature), in float64. */
export function featureStats(x: Tensor, who: string): { mean: Float64Array; variance: Float64Array; count: number } {
  const F = x.rank === 1 ? 1 : x.shape[x.rank - 1];
  const rows = x.size / F;
  if (rows === 0) throw new Error(`${who}: cannot adapt to empty data (shape ${shapeStr(x.shape)})`);
  const mean = new Float64Array(F), m2 = new Float64Array(F);
  // Welford per feature: stable when the mean is large against the spread (daily counts ~ 10 000 ± 2 000)
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) {
      const v = x.data[r * F + f];
      if (!Number.isFinite(v)) throw new Error(`${who}: data contains ${v} at row ${r}, feature ${f}`);
      const d = v - mean[f];
      mean[f] += d / (r + 1);
      m2[f] += d * (v - mean[f]);
    }
  }
  return { mean, variance: m2.map((s) => s / rows), count: rows };
}

/** The standardisation utility: `adapt` on training data, then `transform` / `inverse`. */
export class Normalizer {
  mean: Float64Array | null = null;
  variance: Float64Array | null = null;
  count = 0;

  constructor(stats: NormalizationStats = {}) {
    const o = checkOptions(stats, ['mean', 'variance'], 'data.normalization');
    const s = checkStats(o.mean, o.variance, 'data.normalization');
    if (s) ({ mean: this.mean, variance: this.variance } = s);
  }

  /** Learn mean and variance per feature from `x` (replaces earlier statistics, like Keras' adapt). */
  adapt(x: SeriesLike): this {
    const s = featureStats(asTensor(x, 'data.normalization.adapt: x'), 'data.normalization.adapt');
    this.mean = s.mean;
    this.variance = s.variance;
    this.count = s.count;
    return this;
  }

  /** (x − mean) / max(sqrt(variance), ε), per feature of the last axis. */
  transform(x: SeriesLike): Tensor {
    return this.apply(x, false, 'transform');
  }

  /** mean + y · max(sqrt(variance), ε): back to the original units. */
  inverse(y: SeriesLike): Tensor {
    return this.apply(y, true, 'inverse');
  }

  private apply(xIn: SeriesLike, invert: boolean, op: string): Tensor {
    const who = `data.normalization.${op}`;
    if (!this.mean || !this.variance) throw new Error(`${who}: call adapt(trainingData) first (or give { mean, variance })`);
    const x = asTensor(xIn, `${who}: x`);
    const F = this.mean.length;
    const last = x.rank === 1 ? 1 : x.shape[x.rank - 1];
    if (last !== F) {
      throw new Error(`${who}: expected ${F} feature${F === 1 ? '' : 's'} on the last axis (adapted on ${F}), got shape ${shapeStr(x.shape)}`);
    }
    const scale = normScale(this.variance), mean = this.mean;
    const out = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const f = i % F;
      out[i] = invert ? mean[f] + x.data[i] * scale[f] : (x.data[i] - mean[f]) / scale[f];
    }
    return new Tensor(out, x.shape.slice(), 'float32');
  }
}

/** `data.normalization({ mean?, variance? })`: a Normalizer, adapted later or from given statistics. */
export function normalization(stats: NormalizationStats = {}): Normalizer {
  return new Normalizer(stats);
}
