import { describe, it, expect } from 'vitest';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import { ACT } from '../src/backend/types.js';
import { Rng } from '../src/util/random.js';
import { run, maxRelErr } from './helpers/harness.js';
import { act64 } from './helpers/keras64.js';

const SIZES = [1, 3, 5, 7, 17, 64];
const ELEMENTWISE = {
  linear: ACT.linear, relu: ACT.relu, sigmoid: ACT.sigmoid, tanh: ACT.tanh, hardSigmoid: ACT.hardSigmoid,
  hardSigmoidKeras3: ACT.hardSigmoidKeras3,
};
const FLT_MIN = 2 ** -126;

/** float64 references written from the definitions (fixtures README "Activations"; helpers/keras64.ts), by the names above. */
const ref: Record<string, (x: number) => number> = Object.fromEntries(
  Object.entries(ELEMENTWISE).map(([name, act]) => [name, (x: number) => act64(x, act)]));

/**
 * Relative error where the true value is a normal float32 (|b| ≥ 2^-126), else absolute
 * error measured in units of 2^-126 — the accuracy statement of assembly/math.ts.
 */
function accErr(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; at: number } {
  let err = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), FLT_MIN);
    if (!(d <= err)) { err = Number.isNaN(d) ? Infinity : d; at = i; }
  }
  return { err, at };
}

function activateOn(be: Backend, x: Float32Array, act: number): Float32Array {
  return run(be, { Y: x.length, X: x }, (p) => be.k.activate(p.Y, p.X, x.length, act)).out.Y as Float32Array;
}

/** Dense sweep of [-90, 90], tiny and subnormal |x|, and around 0.625 (the branch point of an earlier tanh). */
function sweepInputs(): Float32Array {
  const xs: number[] = [];
  const N = 400_000;
  for (let i = 0; i <= N; i++) xs.push(-90 + (180 * i) / N);
  for (let e = -149; e <= 0; e += 0.25) { xs.push(2 ** e, -(2 ** e)); }
  for (let i = -2000; i <= 2000; i++) xs.push(0.625 + i * 1e-6, -0.625 - i * 1e-6);
  const rng = new Rng(7);
  for (let i = 0; i < 100_000; i++) xs.push(rng.uniform(-12, 12));
  return Float32Array.from(xs);
}

describe('activate: wasm approximations (assembly/math.ts) against float64', () => {
  const x = sweepInputs();
  for (const name of ['sigmoid', 'tanh'] as const) {
    it(`${name}: ≤ 1e-6 relative over [-90, 90] and tiny |x|`, () => {
      const y = activateOn(wasmBackend(), x, ELEMENTWISE[name]);
      const want = Float64Array.from(x, ref[name]);
      const { err, at } = accErr(y, want);
      console.log(`${name}: max relative error ${err.toExponential(2)} at x = ${x[at]}`);
      expect(err, `x = ${x[at]}: got ${y[at]}, want ${want[at]}`).toBeLessThanOrEqual(1e-6);
    });
  }

  it('exact limits at ±inf, NaN only from NaN, saturation at the float32 extremes', () => {
    const big = 3.4028234663852886e38;
    const x = Float32Array.from([Infinity, -Infinity, big, -big, 1e10, -1e10, 88.8, -88.8, 103, -103, 200, -200, NaN, 0, -0]);
    const sig = activateOn(wasmBackend(), x, ACT.sigmoid);
    const th = activateOn(wasmBackend(), x, ACT.tanh);
    expect(Array.from(sig.slice(0, 6))).toEqual([1, 0, 1, 0, 1, 0]);
    expect(Array.from(th.slice(0, 6))).toEqual([1, -1, 1, -1, 1, -1]);
    for (let i = 0; i < 12; i++) {
      expect(Number.isNaN(sig[i]) || Number.isNaN(th[i])).toBe(false);
      expect(sig[i]).toBeGreaterThanOrEqual(0);
      expect(sig[i]).toBeLessThanOrEqual(1);
      expect(Math.abs(th[i])).toBeLessThanOrEqual(1);
    }
    expect(Number.isNaN(sig[12]) && Number.isNaN(th[12])).toBe(true);
    expect(sig[13]).toBe(0.5);
    expect(Object.is(th[13], 0) && Object.is(th[14], -0)).toBe(true);
  });

  it('hardSigmoid is Keras 2 clip(0.2x + 0.5, 0, 1); relu is max(x, 0)', () => {
    const x = Float32Array.from([-3, -2.5, -1, 0, 1, 2.5, 3, 1e30, -1e30]);
    const hs = activateOn(wasmBackend(), x, ACT.hardSigmoid);
    expect(maxRelErr(hs, Float64Array.from(x, ref.hardSigmoid))).toBeLessThan(1e-7);
    expect(Array.from(activateOn(wasmBackend(), x, ACT.relu))).toEqual(Array.from(x, (v) => Math.max(v, 0)));
  });

  it('hardSigmoidKeras3 is Keras 3 relu6(x + 3) / 6: 0 at -3, 1 at 3, slope 1/6; NaN stays NaN', () => {
    const x = Float32Array.from([-1e30, -4, -3, -1.5, 0, 1.5, 2.5, 3, 4, 1e30, NaN]);
    const want = [0, 0, 0, 0.25, 0.5, 0.75, 5.5 / 6, 1, 1, 1, NaN];
    for (const be of [wasmBackend(), jsBackend()]) {
      const y = activateOn(be, x, ACT.hardSigmoidKeras3);
      for (let i = 0; i < want.length - 1; i++) expect(Math.abs(y[i] - want[i]), `${be.name} x=${x[i]}`).toBeLessThan(1e-7);
      expect(Number.isNaN(y[want.length - 1])).toBe(true);
    }
  });

  it('scalar tails give the same bits as the vector lanes', () => {
    const be = wasmBackend();
    const xs = new Rng(3).floats(4096, -20, 20);
    for (const act of [ACT.sigmoid, ACT.tanh, ACT.hardSigmoid, ACT.hardSigmoidKeras3, ACT.relu]) {
      const vec = activateOn(be, xs, act); // all lanes (4096 = 1024·4)
      const { out } = run(be, { Y: xs.length, X: xs }, (p) => {
        for (let i = 0; i < xs.length; i += 3) be.k.activate(p.Y + 4 * i, p.X + 4 * i, Math.min(3, xs.length - i), act);
      }); // n = 3: scalar tail only
      expect(Array.from(out.Y)).toEqual(Array.from(vec));
    }
  });
});

describe('activate / activateBackward: wasm vs twin', () => {
  const rng = new Rng(11);
  for (const [name, act] of Object.entries(ELEMENTWISE)) {
    it(`${name}: forward and backward, sizes ${SIZES.join(', ')}`, () => {
      for (const n of SIZES) {
        const X = rng.floats(n, -6, 6), dY = rng.floats(n);
        const got = [wasmBackend(), jsBackend()].map((be) => {
          const f = run(be, { Y: n, X }, (p) => be.k.activate(p.Y, p.X, n, act)).out.Y as Float32Array;
          const b = run(be, { dX: n, dY, Y: f }, (p) => be.k.activateBackward(p.dX, p.dY, p.Y, n, act)).out.dX;
          // in place: Y = X and dX = dY
          const fi = run(be, { X }, (p) => be.k.activate(p.X, p.X, n, act)).out.X;
          const bi = run(be, { dY, Y: f }, (p) => be.k.activateBackward(p.dY, p.dY, p.Y, n, act)).out.dY;
          expect(Array.from(fi)).toEqual(Array.from(f));
          expect(Array.from(bi)).toEqual(Array.from(b));
          return { f, b };
        });
        expect(maxRelErr(got[0].f, got[1].f), `fwd n${n}`).toBeLessThan(1e-6);
        expect(maxRelErr(got[0].b, got[1].b), `bwd n${n}`).toBeLessThan(1e-6);
        // the twin against the float64 definition
        expect(maxRelErr(got[1].f, Float64Array.from(X, ref[name]))).toBeLessThan(1e-7);
      }
    });
  }

  it('activateBackward matches central differences of the float64 definition', () => {
    for (const [name, act] of Object.entries(ELEMENTWISE)) {
      const X = rng.floats(64, -4, 4), dY = rng.floats(64);
      const be = jsBackend();
      const Y = run(be, { Y: 64, X }, (p) => be.k.activate(p.Y, p.X, 64, act)).out.Y as Float32Array;
      const dX = run(be, { dX: 64, dY, Y }, (p) => be.k.activateBackward(p.dX, p.dY, p.Y, 64, act)).out.dX;
      const h = 1e-6;
      for (let i = 0; i < 64; i++) {
        const fd = dY[i] * (ref[name](X[i] + h) - ref[name](X[i] - h)) / (2 * h);
        expect(Math.abs(dX[i] - fd), `${name} x=${X[i]}`).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(fd), 1e-2));
      }
    }
  });
});

/** float64 row softmax. */
function refSoftmax(x: Float32Array, rows: number, cols: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity, s = 0;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = Math.exp(x[r * cols + j] - m) / s;
  }
  return y;
}

describe('softmax / softmaxBackward', () => {
  const rng = new Rng(5);
  it('wasm vs twin vs float64, forward and backward, odd sizes, in place', () => {
    for (const rows of [1, 3, 5]) for (const cols of SIZES) {
      const X = rng.floats(rows * cols, -30, 30), dY = rng.floats(rows * cols);
      const want = refSoftmax(X, rows, cols);
      const outs = [wasmBackend(), jsBackend()].map((be) => {
        const Y = run(be, { Y: rows * cols, X }, (p) => be.k.softmax(p.Y, p.X, rows, cols)).out.Y as Float32Array;
        const Yi = run(be, { X }, (p) => be.k.softmax(p.X, p.X, rows, cols)).out.X;
        expect(Array.from(Yi)).toEqual(Array.from(Y));
        const dX = run(be, { dX: rows * cols, dY, Y }, (p) => be.k.softmaxBackward(p.dX, p.dY, p.Y, rows, cols)).out.dX;
        const dXi = run(be, { dY, Y }, (p) => be.k.softmaxBackward(p.dY, p.dY, p.Y, rows, cols)).out.dY;
        expect(Array.from(dXi)).toEqual(Array.from(dX));
        expect(maxRelErr(Y, want), `${be.name} ${rows}x${cols}`).toBeLessThan(1e-6);
        return dX;
      });
      expect(maxRelErr(outs[0], outs[1])).toBeLessThan(1e-5);
    }
  });

  it('is max-subtracted: huge logits do not overflow', () => {
    const X = Float32Array.from([1000, 1001, 999, -1000, 80, 90, 100, 0]);
    for (const be of [wasmBackend(), jsBackend()]) {
      const Y = run(be, { Y: 8, X }, (p) => be.k.softmax(p.Y, p.X, 2, 4)).out.Y;
      expect(maxRelErr(Y, refSoftmax(X, 2, 4))).toBeLessThan(1e-6);
    }
  });

  it('softmaxBackward matches central differences of a float64 softmax', () => {
    const rows = 3, cols = 7, X = rng.floats(rows * cols, -3, 3), R = rng.floats(rows * cols);
    const be = jsBackend();
    const Y = run(be, { Y: rows * cols, X }, (p) => be.k.softmax(p.Y, p.X, rows, cols)).out.Y as Float32Array;
    const dX = run(be, { dX: rows * cols, dY: R, Y }, (p) => be.k.softmaxBackward(p.dX, p.dY, p.Y, rows, cols)).out.dX;
    // perturb in float64 through a float64 softmax (independent of the twin)
    const f64 = (x: Float64Array) => { let s = 0; for (let r = 0; r < rows; r++) {
      let m = -Infinity, z = 0; for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
      for (let j = 0; j < cols; j++) z += Math.exp(x[r * cols + j] - m);
      for (let j = 0; j < cols; j++) s += R[r * cols + j] * Math.exp(x[r * cols + j] - m) / z; } return s; };
    const h = 1e-6;
    for (let i = 0; i < rows * cols; i++) {
      const xp = Float64Array.from(X), xm = Float64Array.from(X);
      xp[i] += h; xm[i] -= h;
      const fd = (f64(xp) - f64(xm)) / (2 * h);
      expect(Math.abs(dX[i] - fd)).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(fd), 1e-2));
    }
  });
});
