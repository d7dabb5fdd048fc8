/**
 * Helpers for the training-workflow tests: a Dense layer set to the identity, so the
 * model's output IS its input and a loss/metric can be checked on chosen predictions;
 * float64 central differences; seeded data.
 */
import { Sequential, layers, optimizers, setBackend, tensor, type Tensor } from '../../src/index.js';
import { uniformSource } from './random.js';

export const BACKENDS = ['wasm', 'js'] as const;

/** Dense(C) with kernel = I, bias = 0: output = input. */
export function identityModel(C: number, compile: Record<string, unknown>, extra: Record<string, unknown> = {}): Sequential {
  const m = new Sequential([layers.dense({ units: C, inputShape: [C], ...extra })], { seed: 1 });
  const k = new Float32Array(C * C);
  for (let i = 0; i < C; i++) k[i * C + i] = 1;
  m.setWeights([{ name: 'dense/kernel', shape: [C, C], data: k }, { name: 'dense/bias', shape: [C], data: new Float32Array(C) }].map((w, i) => ({ ...w, name: m.weightNames()[i] })));
  m.compile({ optimizer: optimizers.sgd({ learningRate: 1 }), ...compile } as never);
  return m;
}

/** Central difference of f at x along every coordinate (float64). */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = x.slice(), b = x.slice();
    a[i] += h; b[i] -= h;
    g[i] = (f(a) - f(b)) / (2 * h);
  }
  return g;
}

export function seeded(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const u = uniformSource(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * u());
}

export function withBackend<T>(b: 'wasm' | 'js', f: () => T): T {
  setBackend(b);
  try { return f(); } finally { setBackend('wasm'); }
}

export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

export const t = (d: Float32Array | number[], s: number[]): Tensor => tensor(d instanceof Float32Array ? d : Float32Array.from(d), s);
