/**
 * Whole-output comparison for the model-level io tests (exported / imported /
 * reloaded models against a reference, weight lists across thread counts). Kept out of harness.ts, which the
 * browser config imports outside the test runner.
 */
import { expect } from 'vitest';
import { maxAbsErr } from './harness.js';

/** max |a−b| after asserting (expect) that the lengths agree; NaN anywhere gives Infinity. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  return maxAbsErr(a, b);
}

/** Anything in getWeights() form. */
interface Weights { data: ArrayLike<number> }

/**
 * Largest per-weight max |a − b| / max(|b|, 1e-3): equal weights after one SGD step
 * from the same start mean equal gradients.
 */
export function maxRelDiff(a: readonly Weights[], b: readonly Weights[]): number {
  let worst = 0;
  a.forEach((w, i) => {
    let scale = 1e-3, d = 0;
    for (let j = 0; j < w.data.length; j++) {
      scale = Math.max(scale, Math.abs(b[i].data[j]));
      d = Math.max(d, Math.abs(w.data[j] - b[i].data[j]));
    }
    worst = Math.max(worst, d / scale);
  });
  return worst;
}
