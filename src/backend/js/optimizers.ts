/**
 * TS twins of assembly/optimizers.ts. Contract: ../types.ts; rules: fixtures README
 * "Optimizers" (tfjs-core). Arithmetic in float64 per element, rounded on store.
 */
import { mem } from './heap.js';

export function sgdUpdate(W: number, G: number, n: number, lr: number): void {
  const f = mem.f32, w0 = W >>> 2, g0 = G >>> 2;
  for (let i = 0; i < n; i++) f[w0 + i] -= lr * f[g0 + i];
}

export function momentumUpdate(W: number, A: number, G: number, n: number, lr: number, momentum: number, nesterov: number): void {
  const f = mem.f32, w0 = W >>> 2, a0 = A >>> 2, g0 = G >>> 2;
  for (let i = 0; i < n; i++) {
    const g = f[g0 + i], a = momentum * f[a0 + i] + g;
    f[a0 + i] = a;
    f[w0 + i] -= nesterov ? lr * (g + momentum * a) : lr * a;
  }
}

export function rmspropUpdate(W: number, MS: number, MOM: number, G: number, n: number, lr: number, rho: number,
                              momentum: number, eps: number): void {
  const f = mem.f32, w0 = W >>> 2, s0 = MS >>> 2, m0 = MOM >>> 2, g0 = G >>> 2;
  for (let i = 0; i < n; i++) {
    const g = f[g0 + i], ms = rho * f[s0 + i] + (1 - rho) * g * g;
    f[s0 + i] = ms;
    let step = (lr * g) / Math.sqrt(ms + eps); // ε inside the sqrt (tfjs)
    if (MOM !== 0) { step += momentum * f[m0 + i]; f[m0 + i] = step; }
    f[w0 + i] -= step;
  }
}

/** Keras centered RMSprop; ε added inside the sqrt (tfjs subtracts it, see the wasm kernel's Porting note). */
export function rmspropCenteredUpdate(W: number, MS: number, MG: number, MOM: number, G: number, n: number, lr: number,
                                      rho: number, momentum: number, eps: number): void {
  const f = mem.f32, w0 = W >>> 2, s0 = MS >>> 2, a0 = MG >>> 2, m0 = MOM >>> 2, g0 = G >>> 2;
  for (let i = 0; i < n; i++) {
    const g = f[g0 + i], ms = rho * f[s0 + i] + (1 - rho) * g * g, mg = rho * f[a0 + i] + (1 - rho) * g;
    f[s0 + i] = ms;
    f[a0 + i] = mg;
    let step = (lr * g) / Math.sqrt(ms - mg * mg + eps);
    if (MOM !== 0) { step += momentum * f[m0 + i]; f[m0 + i] = step; }
    f[w0 + i] -= step;
  }
}

export function adamUpdate(W: number, M: number, V: number, G: number, n: number, lr: number, beta1: number, beta2: number,
                           eps: number, beta1Pow: number, beta2Pow: number): void {
  const f = mem.f32, w0 = W >>> 2, m0 = M >>> 2, v0 = V >>> 2, g0 = G >>> 2;
  for (let i = 0; i < n; i++) {
    const g = f[g0 + i];
    const m = beta1 * f[m0 + i] + (1 - beta1) * g;
    const v = beta2 * f[v0 + i] + (1 - beta2) * g * g;
    f[m0 + i] = m;
    f[v0 + i] = v;
    f[w0 + i] -= (lr * (m / (1 - beta1Pow))) / (Math.sqrt(v / (1 - beta2Pow)) + eps); // ε added to sqrt(v̂)
  }
}

export function sumSquares(X: number, n: number): number {
  const f = mem.f32, x0 = X >>> 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += f[x0 + i] * f[x0 + i];
  return s;
}

/** s is rounded to float32 as the wasm export receives it, so both backends give the same bits. */
export function scale(X: number, n: number, s: number): void {
  const f = mem.f32, x0 = X >>> 2, sf = Math.fround(s);
  for (let i = 0; i < n; i++) f[x0 + i] *= sf; // exact double product, one rounding on store
}

export function clipByValue(X: number, n: number, v: number): void {
  const f = mem.f32, x0 = X >>> 2;
  v = Math.fround(v);
  for (let i = 0; i < n; i++) {
    const x = f[x0 + i];
    f[x0 + i] = x > v ? v : x < -v ? -v : x; // NaN stays NaN
  }
}
