/**
 * Metrics, computed on host copies of predictions. 'accuracy' resolves like
 * Keras from the loss: binary (threshold 0.5), categorical (argmax match) or
 * sparse categorical (argmax vs label).
 */
import type { LossName } from './losses.js';
import { pick } from './names.js';

export type MetricName = 'accuracy';
export interface Metric {
  name: string;
  /** Sum of per-row scores and the row count, so batches can be combined exactly. */
  score(pred: Float32Array, target: Float32Array | Int32Array, rows: number, cols: number): number;
}

export function binaryAccuracy(pred: Float32Array, target: Float32Array | Int32Array, rows: number, cols: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let ok = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      ok += (pred[i] > 0.5 ? 1 : 0) === (target[i] > 0.5 ? 1 : 0) ? 1 : 0;
    }
    s += ok / cols;
  }
  return s;
}

const argmax = (a: ArrayLike<number>, o: number, n: number) => {
  let best = o;
  for (let i = o + 1; i < o + n; i++) if (a[i] > a[best]) best = i;
  return best - o;
};

export function categoricalAccuracy(pred: Float32Array, target: Float32Array | Int32Array, rows: number, cols: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) s += argmax(pred, r * cols, cols) === argmax(target, r * cols, cols) ? 1 : 0;
  return s;
}

export function sparseCategoricalAccuracy(pred: Float32Array, target: Float32Array | Int32Array, rows: number, cols: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) s += argmax(pred, r * cols, cols) === target[r] ? 1 : 0;
  return s;
}

export function resolveMetric(spec: unknown, loss: LossName): Metric {
  const name = pick(spec === 'acc' ? 'accuracy' : spec, ['accuracy'] as const, 'compile: metrics');
  if (name === 'accuracy') {
    if (loss === 'sparseCategoricalCrossentropy') return { name: 'accuracy', score: sparseCategoricalAccuracy };
    if (loss === 'categoricalCrossentropy') return { name: 'accuracy', score: categoricalAccuracy };
    return { name: 'accuracy', score: binaryAccuracy };
  }
  throw new Error(`compile: metrics: unknown metric ${String(spec)}`);
}

/** Accuracy functions over raw prediction and target arrays (compile picks one for `'accuracy'`). */
export const metrics = { binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy };
