import { describe, it, expect } from 'vitest';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import { ACT } from '../src/backend/types.js';
import { Rng } from '../src/util/random.js';
import { run, maxRelErr } from './helpers/harness.js';

/** Independent float64 forward: Y = act(X·W + b), softmax row-wise. */
function refDense(X: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number> | null,
                  M: number, K: number, N: number, act: number): Float64Array {
  const Y = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let z = b ? b[j] : 0;
      for (let p = 0; p < K; p++) z += X[i * K + p] * W[p * N + j];
      Y[i * N + j] = z;
    }
    if (act === ACT.softmax) {
      let m = -Infinity, s = 0;
      for (let j = 0; j < N; j++) m = Math.max(m, Y[i * N + j]);
      for (let j = 0; j < N; j++) s += Math.exp(Y[i * N + j] - m);
      for (let j = 0; j < N; j++) Y[i * N + j] = Math.exp(Y[i * N + j] - m) / s;
    } else {
      for (let j = 0; j < N; j++) {
        const z = Y[i * N + j];
        Y[i * N + j] = act === ACT.relu ? Math.max(z, 0)
          : act === ACT.sigmoid ? 1 / (1 + Math.exp(-z))
          : act === ACT.tanh ? Math.tanh(z)
          : act === ACT.hardSigmoid ? Math.min(1, Math.max(0, 0.2 * z + 0.5))
          : act === ACT.hardSigmoidKeras3 ? Math.min(6, Math.max(0, z + 3)) / 6 // Keras 3: relu6(z + 3) / 6
          : z;
      }
    }
  }
  return Y;
}

const ACTS = Object.entries(ACT) as [string, number][];
const SIZES = [1, 3, 5, 7, 17, 64];

describe('denseForward / denseBackward', () => {
  const rng = new Rng(21);

  for (const [name, act] of ACTS) {
    it(`${name}: wasm vs twin vs float64, forward and backward`, () => {
      for (const M of [1, 3, 7]) for (const K of SIZES) for (const N of [1, 5, 17, 64]) {
        const X = rng.floats(M * K), W = rng.floats(K * N), b = rng.floats(N), dY = rng.floats(M * N);
        const dW0 = rng.floats(K * N), db0 = rng.floats(N); // accumulate into non-zero
        const want = refDense(X, W, b, M, K, N, act);
        const res = [wasmBackend(), jsBackend()].map((be) => {
          const Y = run(be, { Y: M * N, X, W, b }, (p) => be.k.denseForward(p.Y, p.X, p.W, p.b, M, K, N, act)).out.Y as Float32Array;
          expect(maxRelErr(Y, want), `${be.name} fwd M${M} K${K} N${N}`).toBeLessThan(1e-5);
          const g = run(be, { dX: rng.floats(M * K), dW: dW0, db: db0, dY, X, W, Y }, (p) =>
            be.k.denseBackward(p.dX, p.dW, p.db, p.dY, p.X, p.W, p.Y, M, K, N, act)).out;
          return { Y, g };
        });
        const [w, j] = res;
        expect(maxRelErr(w.Y, j.Y)).toBeLessThan(1e-5);
        for (const k of ['dX', 'dW', 'db', 'dY'] as const) {
          expect(maxRelErr(w.g[k], j.g[k]), `${k} M${M} K${K} N${N}`).toBeLessThan(1e-5);
        }
      }
    });
  }

  it('no bias, and null gradient pointers are skipped', () => {
    const M = 5, K = 7, N = 17;
    const X = rng.floats(M * K), W = rng.floats(K * N), dY = rng.floats(M * N);
    const want = refDense(X, W, null, M, K, N, ACT.tanh);
    for (const be of [wasmBackend(), jsBackend()]) {
      const Y = run(be, { Y: M * N, X, W }, (p) => be.k.denseForward(p.Y, p.X, p.W, 0, M, K, N, ACT.tanh)).out.Y as Float32Array;
      expect(maxRelErr(Y, want)).toBeLessThan(1e-5);
      const all = run(be, { dX: M * K, dW: K * N, db: N, dY, X, W, Y }, (p) =>
        be.k.denseBackward(p.dX, p.dW, p.db, p.dY, p.X, p.W, p.Y, M, K, N, ACT.tanh)).out;
      const onlyDx = run(be, { dX: M * K, dY, X, W, Y }, (p) =>
        be.k.denseBackward(p.dX, 0, 0, p.dY, p.X, p.W, p.Y, M, K, N, ACT.tanh)).out;
      const onlyDw = run(be, { dW: K * N, dY, X, W, Y }, (p) =>
        be.k.denseBackward(0, p.dW, 0, p.dY, p.X, p.W, p.Y, M, K, N, ACT.tanh)).out;
      expect(Array.from(onlyDx.dX)).toEqual(Array.from(all.dX));
      expect(Array.from(onlyDw.dW)).toEqual(Array.from(all.dW));
    }
  });

  for (const [name, act] of ACTS) {
    it(`${name}: twin gradients match central differences of the float64 forward`, () => {
      const M = 4, K = 6, N = 5;
      const X = rng.floats(M * K, -2, 2), W = rng.floats(K * N, -1, 1), b = rng.floats(N, -0.5, 0.5);
      const R = rng.floats(M * N); // L = Σ R ⊙ Y, so dL/dY = R
      const be = jsBackend();
      const Y = run(be, { Y: M * N, X, W, b }, (p) => be.k.denseForward(p.Y, p.X, p.W, p.b, M, K, N, act)).out.Y as Float32Array;
      const g = run(be, { dX: M * K, dW: K * N, db: N, dY: R, X, W, Y }, (p) =>
        be.k.denseBackward(p.dX, p.dW, p.db, p.dY, p.X, p.W, p.Y, M, K, N, act)).out;
      const params = { X: Float64Array.from(X), W: Float64Array.from(W), b: Float64Array.from(b) };
      const loss = () => refDense(params.X, params.W, params.b, M, K, N, act).reduce((s, y, i) => s + y * R[i], 0);
      const h = 1e-6;
      for (const [key, grad] of [['X', g.dX], ['W', g.dW], ['b', g.db]] as const) {
        const v = params[key];
        for (let t = 0; t < 8; t++) {
          const i = rng.int(v.length), x0 = v[i];
          v[i] = x0 + h; const lp = loss();
          v[i] = x0 - h; const lm = loss();
          v[i] = x0;
          const fd = (lp - lm) / (2 * h);
          expect(Math.abs(grad[i] - fd), `${name} d${key}[${i}]: ${grad[i]} vs ${fd}`)
            .toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(fd), 1e-2));
        }
      }
    });
  }
});
