/**
 * Metrics (this path is kept for importers): definitions in src/metrics/definitions.ts,
 * names/options and the streaming-state helpers in src/metrics/resolve.ts.
 *
 * The three accuracy functions below keep their old form (sum of per-row
 * scores over `rows`) for `metrics.*` users.
 */
export { resolveMetric, newMetricState, updateMetrics, metricResults } from './metrics/resolve.js';
export type { Metric } from './metrics/resolve.js';

const argmax = (a: ArrayLike<number>, o: number, n: number) => {
  let best = o;
  for (let i = o + 1; i < o + n; i++) if (a[i] > a[best]) best = i;
  return best - o;
};

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

/** Accuracy functions over raw prediction and target arrays. */
export const metrics = { binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy };
