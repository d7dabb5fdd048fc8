/**
 * lstmForward / lstmBackward: wasm vs TS twin parity, a float64 finite-difference
 * gradient check of the twin, and the tfjs fixtures (fixtures README "Equations").
 *
 * Tolerances: parity is 1e-5 relative (maxRelErr, absolute below 1) even though the wasm
 * kernel uses the f32x4 exp/sigmoid/tanh approximations of assembly/math.ts (≤ 1e-6
 * relative) and a different GEMM summation order; the largest error measured over the
 * sweep was 4.3e-6 (db with relu cells, B5 T7 I17 H64, where values grow without tanh's bound).
 * Fixture gradients are compared relative to the largest |value| of each array (they are
 * ~1e-2, so an absolute floor of 1 would hide real errors).
 *
 * Recurrent dropout (recMask [B,H], `rec` cases): the float64 reference multiplies h_{t-1}
 * by the mask in the recurrent product only (Keras LSTMCell: z = x·W + (h⊙m)·U + b).
 */
import { describe, it, expect } from 'vitest';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import { ACT, RNN, type Backend } from '../src/backend/types.js';
import { lstmCacheFloats, lstmCacheGatesOffset, lstmWorkFloats, lstmWorkGatesOffset } from '../src/backend/sizes.js';
import { Rng } from '../src/util/random.js';
import { run, maxRelErr } from './helpers/harness.js';
import { f32, layerConfig, loadFixture } from './helpers/fixtures.js';
import { dot, expectGradientsMatch, float64Copies, scaledErr } from './helpers/gradcheck.js';
import { ACT_BY_NAME, act64 } from './helpers/keras64.js';
import { expectRecMaskIdentities, recMaskOf, stepMaskOf } from './helpers/masks.js';

interface Case {
  B: number; T: number; I: number; H: number;
  act?: number; recAct?: number; back?: boolean; bias?: boolean; mask?: boolean; state?: boolean;
  /** Recurrent dropout: a random [B,H] mask of 0 and 1/(1-0.4). */
  rec?: boolean;
}
interface Inputs {
  X: Float32Array; W: Float32Array; U: Float32Array;
  b: Float32Array | null; h0: Float32Array | null; c0: Float32Array | null; mask: Float32Array | null;
  rm?: Float32Array | null;
}
const INPUT_KEYS = ['X', 'W', 'U', 'b', 'h0', 'c0', 'mask', 'rm'] as const;
interface Grads { dY: Float32Array | null; dhT: Float32Array | null; dcT: Float32Array | null }
const OUT_KEYS = ['Y', 'hT', 'cT', 'dX', 'dW', 'dU', 'db', 'dh0', 'dc0'] as const;
type Out = Record<(typeof OUT_KEYS)[number], Float32Array>;

const actOf = (c: Case) => c.act ?? ACT.tanh;
const recOf = (c: Case) => c.recAct ?? ACT.sigmoid;
const flagsOf = (c: Case) => (c.back ? RNN.goBackwards : 0) | RNN.training;

function makeInputs(c: Case, rng: Rng): Inputs {
  const { B, T, I, H } = c;
  // Leading, trailing and interior gaps, plus one fully masked row when B > 2.
  const mask = c.mask ? stepMaskOf(B, T, rng, { maskFirst: false }) : null;
  return {
    X: rng.floats(B * T * I),
    W: rng.floats(I * 4 * H, -0.5, 0.5),
    U: rng.floats(H * 4 * H, -0.5, 0.5),
    b: c.bias === false ? null : rng.floats(4 * H, -0.5, 0.5),
    h0: c.state ? rng.floats(B * H) : null,
    c0: c.state ? rng.floats(B * H) : null,
    mask,
    rm: c.rec ? recMaskOf(B, H, rng) : null,
  };
}

/** Runs lstmForward (training) then lstmBackward in one backend memory. */
function runLstm(be: Backend, c: Case, inp: Inputs, g: Grads, acc: { dW: Float32Array; dU: Float32Array; db: Float32Array }): Out {
  const { B, T, I, H } = c;
  const bufs: Record<string, Float32Array | number> = {
    Y: B * T * H, hT: B * H, cT: B * H, X: inp.X, W: inp.W, U: inp.U,
    cache: lstmCacheFloats(B, T, I, H), work: lstmWorkFloats(B, T, I, H),
    dX: B * T * I, dW: acc.dW.slice(), dU: acc.dU.slice(), db: acc.db.slice(), dh0: B * H, dc0: B * H,
  };
  for (const k of ['b', 'h0', 'c0', 'mask', 'rm'] as const) if (inp[k]) bufs[k] = inp[k]!;
  for (const k of ['dY', 'dhT', 'dcT'] as const) if (g[k]) bufs[k] = g[k]!;
  const { out } = run(be, bufs, (p) => {
    const q = (k: string) => p[k] ?? 0;
    be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, q('b'), q('h0'), q('c0'), q('mask'), q('rm'), p.cache,
      B, T, I, H, actOf(c), recOf(c), flagsOf(c));
    be.k.lstmBackward(p.dX, p.dW, p.dU, q('db'), p.dh0, p.dc0, q('dY'), q('dhT'), q('dcT'), p.Y, p.X, p.W, p.U,
      q('b'), q('h0'), q('c0'), q('mask'), q('rm'), p.cache, p.work, B, T, I, H, actOf(c), recOf(c), flagsOf(c));
  });
  const res = {} as Out;
  for (const k of OUT_KEYS) res[k] = out[k] as Float32Array;
  return res;
}

// ---------- independent float64 reference, straight from the equations ----------

interface Inputs64 {
  X: ArrayLike<number>; W: ArrayLike<number>; U: ArrayLike<number>;
  b: ArrayLike<number> | null; h0: ArrayLike<number> | null; c0: ArrayLike<number> | null; mask: ArrayLike<number> | null;
  rm?: ArrayLike<number> | null;
}

function forward64(c: Case, p: Inputs64) {
  const { B, T, I, H } = c;
  const a = actOf(c), ra = recOf(c);
  const Y = new Float64Array(B * T * H);
  const h = new Float64Array(B * H), cs = new Float64Array(B * H);
  if (p.h0) for (let k = 0; k < B * H; k++) h[k] = p.h0[k];
  if (p.c0) for (let k = 0; k < B * H; k++) cs[k] = p.c0[k];
  const z = new Float64Array(4 * H);
  for (let s = 0; s < T; s++) {
    const t = c.back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (!p.mask || p.mask[b * T + t] !== 0) {
        for (let k = 0; k < 4 * H; k++) {
          let v = p.b ? p.b[k] : 0;
          for (let i = 0; i < I; i++) v += p.X[(b * T + t) * I + i] * p.W[i * 4 * H + k];
          for (let j = 0; j < H; j++) v += h[b * H + j] * (p.rm ? p.rm[b * H + j] : 1) * p.U[j * 4 * H + k];
          z[k] = v;
        }
        for (let j = 0; j < H; j++) {
          const ig = act64(z[j], ra), fg = act64(z[H + j], ra), gg = act64(z[2 * H + j], a), og = act64(z[3 * H + j], ra);
          cs[b * H + j] = fg * cs[b * H + j] + ig * gg;
          h[b * H + j] = og * act64(cs[b * H + j], a);
        }
      }
      for (let j = 0; j < H; j++) Y[(b * T + s) * H + j] = h[b * H + j];
    }
  }
  return { Y, hT: h, cT: cs };
}

// ---------- parity: wasm vs twin ----------

describe('lstmForward / lstmBackward parity (wasm vs TS twin)', () => {
  // Cyclic shifts put each of 1, 3, 5, 7, 17, 64 on every axis.
  const v = [1, 3, 5, 7, 17, 64];
  const shapes = v.map((_, k) => ({ B: v[k], T: v[(k + 1) % 6], I: v[(k + 2) % 6], H: v[(k + 3) % 6] }));
  const variants: Omit<Case, 'B' | 'T' | 'I' | 'H'>[] = [
    {},
    { bias: false, back: true },
    { mask: true, state: true, back: true },
    { act: ACT.relu, recAct: ACT.hardSigmoid, mask: true, state: true },
    { act: ACT.relu, state: true },
    { recAct: ACT.hardSigmoid, back: true, bias: false },
    { rec: true },
    { rec: true, mask: true, state: true, back: true },
    { rec: true, mask: true, act: ACT.relu, recAct: ACT.hardSigmoid },
  ];
  // The recurrent-dropout variants draw from their own stream so the others keep their inputs.
  const baseRng = new Rng(7), recRng = new Rng(107);
  for (const sh of shapes) {
    it(`B${sh.B} T${sh.T} I${sh.I} H${sh.H}`, () => {
      for (const vt of variants) {
        const rng = vt.rec ? recRng : baseRng;
        const c: Case = { ...sh, ...vt };
        const { B, T, I, H } = c;
        const inp = makeInputs(c, rng);
        const g: Grads = { dY: rng.floats(B * T * H), dhT: rng.floats(B * H), dcT: rng.floats(B * H) };
        const acc = { dW: rng.floats(I * 4 * H), dU: rng.floats(H * 4 * H), db: rng.floats(4 * H) };
        const w = runLstm(wasmBackend(), c, inp, g, acc);
        const j = runLstm(jsBackend(), c, inp, g, acc);
        for (const k of OUT_KEYS) {
          expect(maxRelErr(w[k], j[k]), `${k} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
        }
        // Without dY (returnSequences=false) and without dcT.
        const g2: Grads = { dY: null, dhT: g.dhT, dcT: null };
        const w2 = runLstm(wasmBackend(), c, inp, g2, acc), j2 = runLstm(jsBackend(), c, inp, g2, acc);
        for (const k of ['dX', 'dW', 'dU', 'dh0', 'dc0'] as const) {
          expect(maxRelErr(w2[k], j2[k]), `${k} (dhT only) ${JSON.stringify(c)}`).toBeLessThan(1e-5);
        }
      }
    });
  }

  it('recMask of ones changes nothing; recMask of zeros is U = 0 (and dU = 0)', () => {
    const c: Case = { B: 5, T: 6, I: 3, H: 7, mask: true, state: true, back: true };
    const rng = new Rng(31);
    const inp = makeInputs(c, rng);
    const g: Grads = { dY: rng.floats(5 * 6 * 7), dhT: rng.floats(35), dcT: rng.floats(35) };
    const zero = () => ({ dW: new Float32Array(3 * 28), dU: new Float32Array(7 * 28), db: new Float32Array(28) });
    for (const be of [wasmBackend(), jsBackend()]) {
      expectRecMaskIdentities(inp, (i) => runLstm(be, c, i, g, zero()), OUT_KEYS, 35, be.name);
    }
  });

  it('forward without the training flag gives the same outputs', () => {
    const c: Case = { B: 3, T: 6, I: 5, H: 7, mask: true, state: true };
    const inp = makeInputs(c, new Rng(3));
    for (const be of [wasmBackend(), jsBackend()]) {
      const outs = [RNN.training, 0].map((fl) => run(be, {
        Y: 3 * 6 * 7, hT: 21, cT: 21, X: inp.X, W: inp.W, U: inp.U, b: inp.b!, h0: inp.h0!, c0: inp.c0!,
        mask: inp.mask!, cache: lstmCacheFloats(3, 6, 5, 7),
      }, (p) => be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, p.b, p.h0, p.c0, p.mask, 0, p.cache,
        3, 6, 5, 7, ACT.tanh, ACT.sigmoid, fl)).out);
      for (const k of ['Y', 'hT', 'cT'] as const) expect(maxRelErr(outs[1][k], outs[0][k])).toBe(0);
    }
  });
});

describe('lstmForward with RNN.projected (x·W written by the caller)', () => {
  for (const be of [wasmBackend(), jsBackend()]) {
    it(`equals the plain forward when the gates block holds X·W; X is not read (${be.name})`, () => {
      const c: Case = { B: 3, T: 5, I: 4, H: 6, mask: true, state: true, back: true };
      const { B, T, I, H } = c, G = 4 * H;
      const inp = makeInputs(c, new Rng(12));
      const plain = run(be, {
        Y: B * T * H, hT: B * H, cT: B * H, X: inp.X, W: inp.W, U: inp.U, b: inp.b!, h0: inp.h0!, c0: inp.c0!,
        mask: inp.mask!, cache: lstmCacheFloats(B, T, I, H),
      }, (p) => be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, p.b, p.h0, p.c0, p.mask, 0, p.cache,
        B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training | RNN.goBackwards)).out;
      // X·W in float64, placed where the kernel's gates block lives; X itself is garbage
      const cache = new Float32Array(lstmCacheFloats(B, T, I, H));
      const g0 = lstmCacheGatesOffset(H);
      for (let r = 0; r < B * T; r++) for (let j = 0; j < G; j++) {
        let acc = 0;
        for (let i = 0; i < I; i++) acc += inp.X[r * I + i] * inp.W[i * G + j];
        cache[g0 + r * G + j] = acc;
      }
      const projected = run(be, {
        Y: B * T * H, hT: B * H, cT: B * H, X: new Float32Array(B * T * I).fill(NaN), W: inp.W, U: inp.U, b: inp.b!,
        h0: inp.h0!, c0: inp.c0!, mask: inp.mask!, cache,
      }, (p) => be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, p.b, p.h0, p.c0, p.mask, 0, p.cache,
        B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training | RNN.goBackwards | RNN.projected)).out;
      for (const k of ['Y', 'hT', 'cT'] as const) expect(maxRelErr(projected[k], plain[k]), k).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(plain.Y as Float32Array, Math.abs))).toBeGreaterThan(0.05);
    });
  }
});

// ---------- gradient check of the twin against float64 finite differences ----------

describe('lstmBackward gradient check (TS twin vs float64 finite differences)', () => {
  const cases: Case[] = [
    { B: 3, T: 5, I: 4, H: 6 },
    { B: 3, T: 5, I: 4, H: 6, back: true, mask: true, state: true },
    { B: 2, T: 4, I: 3, H: 5, mask: true, state: true, bias: false },
    { B: 2, T: 4, I: 3, H: 5, act: ACT.relu, recAct: ACT.hardSigmoid, back: true, state: true },
    { B: 3, T: 5, I: 4, H: 6, rec: true, state: true },
    { B: 3, T: 5, I: 4, H: 6, rec: true, back: true, mask: true, state: true },
    { B: 2, T: 4, I: 3, H: 5, rec: true, mask: true, act: ACT.relu },
  ];
  cases.forEach((c, n) => {
    it(`case ${n}: ${JSON.stringify(c)}`, () => {
      const rng = new Rng(100 + n);
      const { B, T, I, H } = c;
      const inp = makeInputs(c, rng);
      const g: Grads = { dY: rng.floats(B * T * H), dhT: rng.floats(B * H), dcT: rng.floats(B * H) };
      const zero = { dW: new Float32Array(I * 4 * H), dU: new Float32Array(H * 4 * H), db: new Float32Array(4 * H) };
      const out = runLstm(jsBackend(), c, inp, g, zero);

      const ref = forward64(c, inp);
      expect(maxRelErr(out.Y, ref.Y)).toBeLessThan(1e-5);
      expect(maxRelErr(out.hT, ref.hT)).toBeLessThan(1e-5);
      expect(maxRelErr(out.cT, ref.cT)).toBeLessThan(1e-5);

      // Loss = Σ dY⊙Y + Σ dhT⊙hT + Σ dcT⊙cT, so its gradient is what lstmBackward computes.
      const p64 = float64Copies(inp, INPUT_KEYS);
      const loss = () => {
        const r = forward64(c, p64 as unknown as Inputs64);
        return dot(r.Y, g.dY) + dot(r.hT, g.dhT) + dot(r.cT, g.dcT);
      };
      const pairs = [['W', 'dW'], ['U', 'dU'], ['b', 'db'], ['X', 'dX'], ['h0', 'dh0'], ['c0', 'dc0']] as const;
      const checked = expectGradientsMatch(p64, pairs, out, loss, rng, { samples: 12, eps: 1e-6, tol: 1e-4, label: 'twin' });
      expect(checked).toBeGreaterThanOrEqual(48);
    });
  });
});

// ---------- tfjs fixtures ----------

describe('lstmForward / lstmBackward on the tfjs fixtures', () => {
  const names = ['lstm_seq', 'lstm_last', 'lstm_backwards', 'lstm_nobias', 'lstm_relu', 'lstm_hard_sigmoid', 'lstm_state'];
  for (const name of names) {
    const fx = loadFixture(name);
    const cfg = layerConfig(fx, 'LSTM');
    for (const bn of ['wasm', 'js'] as const) {
      it(`${name} (${bn})`, () => {
        const be = bn === 'wasm' ? wasmBackend() : jsBackend();
        const [B, T, I] = fx.input.shape;
        const H = cfg.units as number;
        const seq = cfg.return_sequences as boolean;
        const c: Case = {
          B, T, I, H, act: ACT_BY_NAME[cfg.activation as string], recAct: ACT_BY_NAME[cfg.recurrent_activation as string],
          back: cfg.go_backwards as boolean, bias: cfg.use_bias as boolean,
        };
        const inp: Inputs = {
          X: f32(fx.input), W: f32(fx.weights[0]), U: f32(fx.weights[1]), b: c.bias ? f32(fx.weights[2]) : null,
          h0: null, c0: null, mask: null,
        };
        // First a forward alone to get the predictions, then dY/dhT from the MSE loss.
        const fwd = runLstm(be, c, inp, { dY: null, dhT: null, dcT: null },
          { dW: new Float32Array(I * 4 * H), dU: new Float32Array(H * 4 * H), db: new Float32Array(4 * H) });
        const pred = seq ? fwd.Y : fwd.hT;
        expect(scaledErr(pred, fx.output.data), 'output').toBeLessThan(2e-5);
        expect(maxRelErr(pred, fx.output.data), 'output').toBeLessThan(2e-5);
        if (fx.outputs) {
          const byLabel = Object.fromEntries(fx.outputs.map((o) => [o.label, o.data]));
          expect(maxRelErr(fwd.hT, byLabel.state_h)).toBeLessThan(2e-5);
          expect(maxRelErr(fwd.cT, byLabel.state_c)).toBeLessThan(2e-5);
        }
        expect(fx.loss.name).toBe('mean_squared_error');
        // MSE: mean over the last axis, then over batch (and time): d/dpred = 2(pred − y)/numel.
        const tgt = fx.loss.target.data;
        const dPred = Float32Array.from(pred, (p, k) => (2 * (p - tgt[k])) / pred.length);
        const out = runLstm(be, c, inp, { dY: seq ? dPred : null, dhT: seq ? null : dPred, dcT: null },
          { dW: new Float32Array(I * 4 * H), dU: new Float32Array(H * 4 * H), db: new Float32Array(4 * H) });
        expect(scaledErr(out.dW, fx.grads[0].data), 'kernel grad').toBeLessThan(1e-4);
        expect(scaledErr(out.dU, fx.grads[1].data), 'recurrent grad').toBeLessThan(1e-4);
        if (c.bias) expect(scaledErr(out.db, fx.grads[2].data), 'bias grad').toBeLessThan(1e-4);
        expect(scaledErr(out.dX, fx.inputGrad!.data), 'input grad').toBeLessThan(1e-4);
      });
    }
  }
});

describe('lstmBackward leaves dz in work (sizes.ts lstmWorkGatesOffset)', () => {
  for (const be of [wasmBackend(), jsBackend()]) {
    it(`Xᵀ·dz read from work equals dW (${be.name})`, () => {
      const B = 3, T = 5, I = 4, H = 6, G = 4 * H;
      const rng = new Rng(31);
      const X = rng.floats(B * T * I), W = rng.floats(I * G, -0.5, 0.5), U = rng.floats(H * G, -0.5, 0.5), b = rng.floats(G);
      const dY = rng.floats(B * T * H);
      const { out } = run(be, {
        Y: B * T * H, hT: B * H, cT: B * H, X, W, U, b, dY, dW: I * G,
        cache: lstmCacheFloats(B, T, I, H), work: lstmWorkFloats(B, T, I, H),
      }, (p) => {
        be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, p.b, 0, 0, 0, 0, p.cache, B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training);
        be.k.lstmBackward(0, p.dW, 0, 0, 0, 0, p.dY, 0, 0, p.Y, p.X, p.W, p.U, p.b, 0, 0, 0, 0, p.cache, p.work,
          B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training);
      });
      const dz = (out.work as Float32Array).subarray(lstmWorkGatesOffset(B, T, I, H), lstmWorkGatesOffset(B, T, I, H) + B * T * G);
      const want = new Float64Array(I * G);
      for (let r = 0; r < B * T; r++) for (let i = 0; i < I; i++) for (let j = 0; j < G; j++) want[i * G + j] += X[r * I + i] * dz[r * G + j];
      expect(maxRelErr(out.dW, want)).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(dz, Math.abs))).toBeGreaterThan(0);
    });
  }
});
