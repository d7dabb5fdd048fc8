/**
 * TS twins of assembly/activations.ts. Contract: ../types.ts.
 * These use the exact formulas in float64 (Math.exp, Math.tanh) and round once on
 * store, so wasm-vs-js parity measures the wasm approximations (assembly/math.ts,
 * ≤ 1e-6 relative; measured max 1.75e-7 sigmoid, 1.39e-7 tanh).
 */
import { mem } from './heap.js';
import { ACT } from '../types.js';

/** act(x) in float64 (not softmax). */
export function actValue(x: number, act: number): number {
  switch (act) {
    case ACT.sigmoid: return 1 / (1 + Math.exp(-x));
    case ACT.tanh: return Math.tanh(x);
    case ACT.relu: return x > 0 ? x : (x <= 0 ? 0 : x); // NaN stays NaN
    case ACT.hardSigmoid: return Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    case ACT.hardSigmoidKeras3: return Math.min(Math.max(x / 6 + 0.5, 0), 1);
    default: return x;
  }
}

/** act'(x) through y = act(x); relu and hard_sigmoid give 0 at their kinks. */
export function actGradValue(y: number, act: number): number {
  switch (act) {
    case ACT.sigmoid: return y * (1 - y);
    case ACT.tanh: return 1 - y * y;
    case ACT.relu: return y > 0 ? 1 : 0;
    case ACT.hardSigmoid: return y > 0 && y < 1 ? 0.2 : 0;
    case ACT.hardSigmoidKeras3: return y > 0 && y < 1 ? 1 / 6 : 0;
    default: return 1;
  }
}

export function activate(Y: number, X: number, n: number, act: number): void {
  const f = mem.f32, x0 = X >>> 2, y0 = Y >>> 2;
  for (let i = 0; i < n; i++) f[y0 + i] = actValue(f[x0 + i], act);
}

export function activateBackward(dX: number, dY: number, Y: number, n: number, act: number): void {
  const f = mem.f32, dx0 = dX >>> 2, dy0 = dY >>> 2, y0 = Y >>> 2;
  for (let i = 0; i < n; i++) f[dx0 + i] = f[dy0 + i] * actGradValue(f[y0 + i], act);
}

/** Row-wise y = e^{x − max} / Σ e^{x − max}, sums in float64. */
export function softmax(Y: number, X: number, rows: number, cols: number): void {
  const f = mem.f32;
  for (let r = 0; r < rows; r++) {
    const x0 = (X >>> 2) + r * cols, y0 = (Y >>> 2) + r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, f[x0 + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(f[x0 + j] - m);
    for (let j = 0; j < cols; j++) f[y0 + j] = Math.exp(f[x0 + j] - m) / s;
  }
}

/** dX = Y ⊙ (dY − rowsum(dY ⊙ Y)); the row sum is taken before dX (may alias dY) is written. */
export function softmaxBackward(dX: number, dY: number, Y: number, rows: number, cols: number): void {
  const f = mem.f32;
  for (let r = 0; r < rows; r++) {
    const o = r * cols, dy0 = (dY >>> 2) + o, y0 = (Y >>> 2) + o, dx0 = (dX >>> 2) + o;
    let d = 0;
    for (let j = 0; j < cols; j++) d += f[dy0 + j] * f[y0 + j];
    for (let j = 0; j < cols; j++) f[dx0 + j] = f[y0 + j] * (f[dy0 + j] - d);
  }
}
