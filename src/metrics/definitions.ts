/**
 * Streaming metrics (Keras 3 semantics), each a pure update of a small float64
 * state vector so batches — and data-parallel workers — combine by adding
 * states. Every update takes per-row weights w_r (sample × class weight × mask,
 * 1 when absent): a masked step has weight 0 and is left out, like the loss.
 *
 * Rows are the output's rows (batch, or batch·time for sequence outputs);
 * targets are f32 [rows, cols], or i32 labels [rows] for sparse losses.
 *
 * Mean metrics (Keras MeanMetricWrapper): state [Σ w·v_r, Σ w], result the ratio.
 * Confusion metrics (Precision, Recall, AUC, F1Score): weighted counts over
 * every element, as Keras' confusion-matrix variables.
 */
export type Target = Float32Array | Int32Array;

export interface MetricDef {
  /** Floats of state for outputs of `cols` columns. */
  size(cols: number): number;
  update(s: Float64Array, o: number, pred: Float32Array, tgt: Target, w: Float32Array | null, rows: number, cols: number): void;
  result(s: Float64Array, o: number, cols: number): number;
  /** What the targets must be: 'sparse' labels, 'dense' arrays like the output, or 'any'. */
  targets: 'sparse' | 'dense' | 'any';
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

const argmax = (a: ArrayLike<number>, o: number, n: number) => {
  let best = o;
  for (let i = o + 1; i < o + n; i++) if (a[i] > a[best]) best = i;
  return best - o;
};

/** A Keras MeanMetricWrapper over a per-row value. */
export function meanMetric(value: (pred: Float32Array, tgt: Target, r: number, cols: number) => number,
                           targets: MetricDef['targets'], post: (m: number) => number = (m) => m): MetricDef {
  return {
    size: () => 2, targets,
    update(s, o, pred, tgt, w, rows, cols) {
      for (let r = 0; r < rows; r++) {
        const wr = w ? w[r] : 1;
        if (wr === 0) continue;
        s[o] += wr * value(pred, tgt, r, cols);
        s[o + 1] += wr;
      }
    },
    result: (s, o) => post(ratio(s[o], s[o + 1])),
  };
}

const rowMean = (f: (p: number, y: number) => number) => (pred: Float32Array, tgt: Target, r: number, cols: number) => {
  let s = 0;
  for (let j = 0; j < cols; j++) s += f(pred[r * cols + j], tgt[r * cols + j]);
  return s / cols;
};

export const EPS = 1e-7;
export const mae = meanMetric(rowMean((p, y) => Math.abs(p - y)), 'dense');
export const mse = meanMetric(rowMean((p, y) => (p - y) ** 2), 'dense');
/** Keras RootMeanSquaredError: sqrt of the weighted mean of squared errors. */
export const rmse = meanMetric(rowMean((p, y) => (p - y) ** 2), 'dense', Math.sqrt);
export const mape = meanMetric(rowMean((p, y) => (100 * Math.abs(y - p)) / Math.max(Math.abs(y), EPS)), 'dense');

/** Keras binary_accuracy: mean over the row of [y == (p > threshold)]; y compared as y > threshold (0/1 targets). */
export const binaryAccuracy = (threshold = 0.5) =>
  meanMetric(rowMean((p, y) => ((p > threshold ? 1 : 0) === (y > threshold ? 1 : 0) ? 1 : 0)), 'dense');
export const categoricalAccuracy = meanMetric((p, y, r, c) => (argmax(p, r * c, c) === argmax(y, r * c, c) ? 1 : 0), 'dense');
export const sparseCategoricalAccuracy = meanMetric((p, y, r, c) => (argmax(p, r * c, c) === y[r] ? 1 : 0), 'sparse');

/** Keras in_top_k: the target class (argmax of y) is among the k largest predictions (ties counted in its favour). */
export const topKCategoricalAccuracy = (k: number) => meanMetric((p, y, r, c) => {
  const t = argmax(y, r * c, c), v = p[r * c + t];
  let above = 0;
  for (let j = 0; j < c; j++) if (p[r * c + j] > v) above++;
  return above < k ? 1 : 0;
}, 'dense');

/** Weighted tp, fp, fn at one threshold (prediction > threshold is positive; a target ≠ 0 is positive). */
function confusion(kind: 'precision' | 'recall', threshold: number): MetricDef {
  return {
    size: () => 3, targets: 'dense',
    update(s, o, pred, tgt, w, rows, cols) {
      for (let r = 0; r < rows; r++) {
        const wr = w ? w[r] : 1;
        if (wr === 0) continue;
        for (let j = 0; j < cols; j++) {
          const pos = pred[r * cols + j] > threshold, yes = tgt[r * cols + j] !== 0;
          if (pos && yes) s[o] += wr; else if (pos) s[o + 1] += wr; else if (yes) s[o + 2] += wr;
        }
      }
    },
    result: (s, o) => (kind === 'precision' ? ratio(s[o], s[o] + s[o + 1]) : ratio(s[o], s[o] + s[o + 2])),
  };
}
export const precision = (threshold = 0.5) => confusion('precision', threshold);
export const recall = (threshold = 0.5) => confusion('recall', threshold);

/**
 * Keras AUC (curve ROC, summation 'interpolation'): thresholds
 * [−ε, 1/(n−1), …, (n−2)/(n−1), 1+ε]; per threshold weighted tp, fp, tn, fn;
 * area = Σ (fpr_i − fpr_{i+1}) · (tpr_i + tpr_{i+1}) / 2.
 */
export function auc(numThresholds = 200): MetricDef {
  const n = numThresholds;
  const th = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) th[i] = i / (n - 1);
  th[0] = -EPS;
  th[n - 1] = 1 + EPS;
  return {
    size: () => 4 * n, targets: 'dense',
    update(s, o, pred, tgt, w, rows, cols) {
      for (let r = 0; r < rows; r++) {
        const wr = w ? w[r] : 1;
        if (wr === 0) continue;
        for (let j = 0; j < cols; j++) {
          const p = pred[r * cols + j], yes = tgt[r * cols + j] !== 0;
          for (let i = 0; i < n; i++) {
            const pos = p > th[i];
            s[o + (yes ? (pos ? 0 : 3) : (pos ? 1 : 2)) * n + i] += wr; // tp, fp, tn, fn blocks
          }
        }
      }
    },
    result(s, o) {
      let area = 0;
      const tpr = (i: number) => ratio(s[o + i], s[o + i] + s[o + 3 * n + i]);
      const fpr = (i: number) => ratio(s[o + n + i], s[o + n + i] + s[o + 2 * n + i]);
      for (let i = 0; i < n - 1; i++) area += (fpr(i) - fpr(i + 1)) * (tpr(i) + tpr(i + 1)) / 2;
      return area;
    },
  };
}

/**
 * Keras F1Score: per class weighted tp, fp, fn; f1 = 2pr/(p + r + ε). Predictions
 * become 0/1 by `threshold`, or (threshold null, several classes) by argmax.
 * average 'micro' sums counts over classes first; 'macro' averages the classes;
 * 'weighted' weights them by their support (tp + fn).
 */
export function f1Score(average: 'micro' | 'macro' | 'weighted', threshold: number | null): MetricDef {
  return {
    size: (cols) => 3 * cols, targets: 'dense',
    update(s, o, pred, tgt, w, rows, c) {
      for (let r = 0; r < rows; r++) {
        const wr = w ? w[r] : 1;
        if (wr === 0) continue;
        const top = threshold === null ? argmax(pred, r * c, c) : -1;
        for (let j = 0; j < c; j++) {
          const pos = threshold === null ? j === top : pred[r * c + j] > threshold, yes = tgt[r * c + j] !== 0;
          if (pos && yes) s[o + j] += wr; else if (pos) s[o + c + j] += wr; else if (yes) s[o + 2 * c + j] += wr;
        }
      }
    },
    result(s, o, cols) {
      const f1 = (tp: number, fp: number, fn: number) => {
        const p = ratio(tp, tp + fp), r = ratio(tp, tp + fn);
        return (2 * p * r) / (p + r + EPS);
      };
      if (average === 'micro') {
        let tp = 0, fp = 0, fn = 0;
        for (let j = 0; j < cols; j++) { tp += s[o + j]; fp += s[o + cols + j]; fn += s[o + 2 * cols + j]; }
        return f1(tp, fp, fn);
      }
      let sum = 0, wsum = 0;
      for (let j = 0; j < cols; j++) {
        const wj = average === 'weighted' ? s[o + j] + s[o + 2 * cols + j] : 1;
        sum += wj * f1(s[o + j], s[o + cols + j], s[o + 2 * cols + j]);
        wsum += wj;
      }
      return ratio(sum, wsum);
    },
  };
}
