/**
 * The loss of one batch with Keras 3 reduction (keras/src/losses/loss.py,
 * `reduce_weighted_values` / `apply_mask`, reduction "sum_over_batch_size"):
 *
 *   per-row losses l_r (rows = batch, or batch·time for sequence outputs),
 *   weights w_r = sampleWeight · classWeight (1 when absent),
 *   mask m_r ∈ {0, 1} (masked steps 0) scaled by total/valid,
 *   loss = Σ l_r · w_r · m_r·(total/valid) / total = Σ l_r w_r m_r / valid
 *
 * (valid = Σ m_r; no mask: valid = rows). Weights are not renormalised: Keras
 * divides by the number of rows, not by Σw. A batch whose rows are all masked
 * has loss 0 and no gradient (Keras' divide_no_nan).
 *
 * Default-option tfjs losses without weights or mask run their kernel (the
 * fixtures' numbers, bit for bit); everything else runs the float64 row
 * functions on the host over the backend's f32 view: one pass over B·T·C
 * values. Measured (sparse crossentropy, 6400 rows × 60 classes, loaded
 * 2-core machine): host 19.8 ms vs kernel 12.2 ms, i.e. ~8 ms on a ~600 ms
 * Embedding → LSTM(128) → Dense training step (≈1%); README "Losses".
 */
import type { Backend } from '../backend/types.js';
import type { Loss } from './resolve.js';

export interface LossCall {
  be: Backend;
  loss: Loss;
  /** Byte pointers: predictions [rows, cols], targets (f32 [rows, cols] or i32 labels [rows]), dLoss/dP (0 = no gradient). */
  P: number;
  Y: number;
  dP: number;
  rows: number;
  cols: number;
  /** Per-row weights (sample × class), or null. */
  weights: Float32Array | null;
  /** Per-row mask (1 keep, 0 masked), or null. */
  mask: Float32Array | null;
}

/** Returns the batch loss and `count`: the denominator it used (rows, or valid rows with a mask) — how batches combine exactly. */
export function takeLoss(c: LossCall): { loss: number; count: number } {
  const { be, loss, rows, cols, weights, mask } = c;
  if (loss.kernel && !weights && !mask) return { loss: loss.kernel(be.k, c.dP, c.P, c.Y, rows, cols), count: rows };
  let valid = rows;
  if (mask) {
    valid = 0;
    for (let r = 0; r < rows; r++) valid += mask[r];
  }
  const scale = valid > 0 ? 1 / valid : 0;
  const f = be.f32(), lab = be.i32();
  const p0 = c.P >>> 2, y0 = c.Y >>> 2, d0 = c.dP >>> 2;
  const p = new Float64Array(cols), y = new Float64Array(cols), g = c.dP ? new Float64Array(cols) : null;
  let sum = 0, hot = 0;
  for (let r = 0; r < rows; r++) {
    const w = (weights ? weights[r] : 1) * (mask ? mask[r] : 1) * scale;
    if (w === 0) {
      if (g) f.fill(0, d0 + r * cols, d0 + (r + 1) * cols);
      continue;
    }
    for (let j = 0; j < cols; j++) p[j] = f[p0 + r * cols + j];
    if (loss.sparse) {
      y[hot] = 0; // y stays one-hot: clear the previous label
      hot = lab[y0 + r];
      y[hot] = 1;
    } else {
      for (let j = 0; j < cols; j++) y[j] = f[y0 + r * cols + j];
    }
    sum += w * loss.row(p, y, g);
    if (g) for (let j = 0; j < cols; j++) f[d0 + r * cols + j] = g[j] * w;
  }
  return { loss: sum, count: mask ? valid : rows };
}
