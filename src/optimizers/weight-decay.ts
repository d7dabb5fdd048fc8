/**
 * Keras 3 decoupled weight decay (`Optimizer._apply_weight_decay`): before each
 * update, every trainable variable becomes w − w·wd·lr, with lr the rate of the
 * update about to run (the schedule at the current iteration). Gradient
 * clipping does not see it (it is not part of the gradient) — AdamW's rule.
 * Frozen layers (trainable: false) are not decayed, as Keras only decays
 * trainable variables.
 */
export interface DecayRange { offset: number; size: number; trainable: boolean }

export function applyWeightDecay(ranges: readonly DecayRange[], f: Float32Array, W: number, wd: number, lr: number): void {
  for (const r of ranges) {
    if (!r.trainable) continue;
    for (let i = W + r.offset, e = i + r.size; i < e; i++) f[i] = f[i] - f[i] * wd * lr;
  }
}
