/**
 * A fixed, seeded set of kernel calls whose output bytes are hashed, so that
 * two runtimes (Node and headless Chromium) can prove they compute
 * bit-identical results with the same WASM bytes and the same TS twins.
 *
 * Every call runs through the parity harness (`run`): inputs are copied in,
 * every buffer (outputs, caches, work) is copied back and hashed together with
 * the scalar return value. Inputs come from `Rng.next()` only (integer ops and
 * one division), never from Math.sin/log, so the inputs themselves cannot
 * differ between engines. A kernel that throws is recorded as `error: …` so a
 * missing kernel shows up by name instead of aborting the whole corpus.
 *
 * Used by test/browser/determinism.test.ts (both runtimes) and by the
 * `nodeKernelDigests` browser command in vitest.browser.config.ts (Node side).
 */
import type { Backend } from '../../src/backend/types.js';
import { ACT, GEMM, RNN } from '../../src/backend/types.js';
import {
  lstmCacheFloats, lstmWorkFloats, gruCacheFloats, gruWorkFloats, rnnCacheFloats, rnnWorkFloats,
} from '../../src/backend/sizes.js';
import { Rng } from '../../src/util/random.js';
import { createWasmBackend, loadWasmBytes } from '../../src/backend/wasm.js';
import { jsBackend } from '../../src/backend/index.js';
import { run, type BufSpec } from '../helpers/harness.js';

type Bufs = Record<string, BufSpec>;
type P = Record<string, number>;
interface Case { name: string; bufs: () => Bufs; call: (be: Backend, p: P) => number | void }

/** Uniform in [lo, hi) from the integer-only generator. */
function floats(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.next();
  return a;
}
function ints(rng: Rng, n: number, below: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(below);
  return a;
}
/** Rows that sum to 1 (probabilities), built with + and / only. */
function probs(rng: Rng, rows: number, cols: number): Float32Array {
  const a = floats(rng, rows * cols, 0.05, 1);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += a[r * cols + c];
    for (let c = 0; c < cols; c++) a[r * cols + c] /= s;
  }
  return a;
}
function oneHot(rng: Rng, rows: number, cols: number): Float32Array {
  const a = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) a[r * cols + rng.int(cols)] = 1;
  return a;
}
/** Mask [B,T] with some skipped steps (never the whole row). */
function mask(B: number, T: number): Float32Array {
  const m = new Float32Array(B * T).fill(1);
  for (let b = 0; b < B; b++) m[b * T + ((b * 2 + 1) % T)] = 0;
  return m;
}

function cases(): Case[] {
  const rng = new Rng(20240611);
  const out: Case[] = [];
  const add = (name: string, bufs: () => Bufs, call: Case['call']) => out.push({ name, bufs, call });

  // gemm: odd sizes so both the SIMD body and the scalar tails run; every flag.
  const M = 13, K = 17, N = 19;
  for (const flags of [0, GEMM.transA, GEMM.transB, GEMM.transA | GEMM.transB, GEMM.accumulate]) {
    const tA = (flags & GEMM.transA) !== 0, tB = (flags & GEMM.transB) !== 0;
    const A = floats(rng, M * K), Bm = floats(rng, K * N), C = floats(rng, M * N);
    add(`gemm flags=${flags}`, () => ({ C: C.slice(), A, B: Bm }),
      (be, p) => be.k.gemm(p.C, p.A, p.B, M, K, N, tA ? M : K, tB ? K : N, N, flags));
  }
  // large enough to take the packed path
  {
    const m = 37, k = 70, n = 66;
    const A = floats(rng, m * k), Bm = floats(rng, k * n);
    add('gemm 37x70x66', () => ({ C: m * n, A, B: Bm }), (be, p) => be.k.gemm(p.C, p.A, p.B, m, k, n, k, n, n, 0));
  }

  // activations, each code, forward then backward from the forward output
  const n = 37;
  for (const act of [ACT.linear, ACT.relu, ACT.sigmoid, ACT.tanh, ACT.hardSigmoid]) {
    const X = floats(rng, n, -4, 4), dY = floats(rng, n);
    add(`activate ${act}`, () => ({ Y: n, X }), (be, p) => be.k.activate(p.Y, p.X, n, act));
    add(`activateBackward ${act}`, () => ({ Y: n, X, dY, dX: n }), (be, p) => {
      be.k.activate(p.Y, p.X, n, act);
      be.k.activateBackward(p.dX, p.dY, p.Y, n, act);
    });
  }
  {
    const rows = 5, cols = 11, X = floats(rng, rows * cols, -5, 5), dY = floats(rng, rows * cols);
    add('softmax+backward', () => ({ Y: rows * cols, X, dY, dX: rows * cols }), (be, p) => {
      be.k.softmax(p.Y, p.X, rows, cols);
      be.k.softmaxBackward(p.dX, p.dY, p.Y, rows, cols);
    });
  }

  // dense
  for (const act of [ACT.tanh, ACT.softmax, ACT.relu]) {
    const m = 6, k = 9, nn = 10;
    const X = floats(rng, m * k), W = floats(rng, k * nn), b = floats(rng, nn), dY = floats(rng, m * nn);
    add(`dense ${act}`, () => ({ Y: m * nn, X, W, b, dY, dX: m * k, dW: k * nn, db: nn }), (be, p) => {
      be.k.denseForward(p.Y, p.X, p.W, p.b, m, k, nn, act);
      be.k.denseBackward(p.dX, p.dW, p.db, p.dY, p.X, p.W, p.Y, m, k, nn, act);
    });
  }

  // embedding
  {
    const V = 7, D = 9, cnt = 12, E = floats(rng, V * D), ids = ints(rng, cnt, V), dY = floats(rng, cnt * D);
    add('embedding', () => ({ Y: cnt * D, ids, E, dY, dE: V * D }), (be, p) => {
      be.k.embeddingForward(p.Y, p.ids, p.E, cnt, D);
      be.k.embeddingBackward(p.dE, p.dY, p.ids, cnt, D);
    });
  }

  // losses (scalar return is hashed too)
  {
    const rows = 7, cols = 5;
    const P = floats(rng, rows * cols), Yt = floats(rng, rows * cols);
    add('mseLoss', () => ({ dP: rows * cols, P, Yt }), (be, p) => be.k.mseLoss(p.dP, p.P, p.Yt, rows, cols));
    const Pb = floats(rng, rows * cols, 0.01, 0.99), Yb = oneHot(rng, rows, cols);
    add('bceLoss', () => ({ dP: rows * cols, P: Pb, Yt: Yb }), (be, p) => be.k.bceLoss(p.dP, p.P, p.Yt, rows, cols));
    const Pc = probs(rng, rows, cols), Yc = oneHot(rng, rows, cols);
    add('cceLoss', () => ({ dP: rows * cols, P: Pc, Yt: Yc }), (be, p) => be.k.cceLoss(p.dP, p.P, p.Yt, rows, cols));
    const labels = ints(rng, rows, cols);
    add('sparseCceLoss', () => ({ dP: rows * cols, P: Pc, labels }),
      (be, p) => be.k.sparseCceLoss(p.dP, p.P, p.labels, rows, cols));
  }

  // optimizers: three consecutive steps each, so slot state feeds back
  {
    const cnt = 43, W = floats(rng, cnt), G = floats(rng, cnt);
    add('sgdUpdate', () => ({ W, G }), (be, p) => { for (let s = 0; s < 3; s++) be.k.sgdUpdate(p.W, p.G, cnt, 0.1); });
    for (const nesterov of [0, 1]) {
      add(`momentumUpdate nesterov=${nesterov}`, () => ({ W, A: cnt, G }),
        (be, p) => { for (let s = 0; s < 3; s++) be.k.momentumUpdate(p.W, p.A, p.G, cnt, 0.1, 0.9, nesterov); });
    }
    add('rmspropUpdate', () => ({ W, MS: cnt, MOM: cnt, G }),
      (be, p) => { for (let s = 0; s < 3; s++) be.k.rmspropUpdate(p.W, p.MS, p.MOM, p.G, cnt, 0.01, 0.9, 0.5, 1e-7); });
    add('rmspropCenteredUpdate', () => ({ W, MS: cnt, MG: cnt, MOM: cnt, G }),
      (be, p) => { for (let s = 0; s < 3; s++) be.k.rmspropCenteredUpdate(p.W, p.MS, p.MG, p.MOM, p.G, cnt, 0.01, 0.9, 0.5, 1e-7); });
    add('adamUpdate', () => ({ W, M: cnt, V: cnt, G }), (be, p) => {
      let b1 = 1, b2 = 1;
      for (let s = 0; s < 3; s++) {
        b1 *= 0.9; b2 *= 0.999;
        be.k.adamUpdate(p.W, p.M, p.V, p.G, cnt, 0.01, 0.9, 0.999, 1e-7, b1, b2);
      }
    });
    add('sumSquares/scale/clipByValue', () => ({ X: W }), (be, p) => {
      const ss = be.k.sumSquares(p.X, cnt);
      be.k.scale(p.X, cnt, 0.75);
      be.k.clipByValue(p.X, cnt, 0.5);
      return ss;
    });
  }

  // recurrent layers: forward (training) then backward, plain and go_backwards+mask+initial state
  const B = 3, T = 5, I = 4, H = 6;
  for (const variant of ['plain', 'backwards-masked'] as const) {
    const full = variant !== 'plain';
    const flags = RNN.training | (full ? RNN.goBackwards : 0);
    const X = floats(rng, B * T * I), dY = floats(rng, B * T * H), dhT = floats(rng, B * H), dcT = floats(rng, B * H);
    const h0 = floats(rng, B * H), c0 = floats(rng, B * H), m = mask(B, T);
    // recurrent-dropout mask [B,H]: kept units scaled by 1/(1-0.2), every fourth dropped
    const rm = new Float32Array(B * H).map((_, i) => (i % 4 === 1 ? 0 : 1.25));
    {
      const W = floats(rng, I * 4 * H, -0.5, 0.5), U = floats(rng, H * 4 * H, -0.5, 0.5), b = floats(rng, 4 * H);
      add(`lstm ${variant}`, () => ({
        Y: B * T * H, hT: B * H, cT: B * H, X, W, U, b, h0, c0, mask: m, rm,
        cache: lstmCacheFloats(B, T, I, H), work: lstmWorkFloats(B, T, I, H),
        dY, dhT, dcT, dX: B * T * I, dW: I * 4 * H, dU: H * 4 * H, db: 4 * H, dh0: B * H, dc0: B * H,
      }), (be, p) => {
        const h = full ? p.h0 : 0, c = full ? p.c0 : 0, mk = full ? p.mask : 0, r = full ? p.rm : 0;
        be.k.lstmForward(p.Y, p.hT, p.cT, p.X, p.W, p.U, p.b, h, c, mk, r, p.cache, B, T, I, H, ACT.tanh, ACT.sigmoid, flags);
        be.k.lstmBackward(p.dX, p.dW, p.dU, p.db, p.dh0, p.dc0, p.dY, p.dhT, p.dcT, p.Y, p.X, p.W, p.U, p.b,
          h, c, mk, r, p.cache, p.work, B, T, I, H, ACT.tanh, ACT.sigmoid, flags);
      });
    }
    {
      const gflags = flags | (full ? RNN.resetAfter : 0);
      const W = floats(rng, I * 3 * H, -0.5, 0.5), U = floats(rng, H * 3 * H, -0.5, 0.5);
      const b = floats(rng, (full ? 2 : 1) * 3 * H);
      add(`gru ${variant}`, () => ({
        Y: B * T * H, hT: B * H, X, W, U, b, h0, mask: m, rm,
        cache: gruCacheFloats(B, T, I, H), work: gruWorkFloats(B, T, I, H),
        dY, dhT, dX: B * T * I, dW: I * 3 * H, dU: H * 3 * H, db: b.length, dh0: B * H,
      }), (be, p) => {
        const h = full ? p.h0 : 0, mk = full ? p.mask : 0, r = full ? p.rm : 0;
        be.k.gruForward(p.Y, p.hT, p.X, p.W, p.U, p.b, h, mk, r, p.cache, B, T, I, H, ACT.tanh, ACT.sigmoid, gflags);
        be.k.gruBackward(p.dX, p.dW, p.dU, p.db, p.dh0, p.dY, p.dhT, p.Y, p.X, p.W, p.U, p.b, h, mk, r,
          p.cache, p.work, B, T, I, H, ACT.tanh, ACT.sigmoid, gflags);
      });
    }
    {
      const W = floats(rng, I * H, -0.5, 0.5), U = floats(rng, H * H, -0.5, 0.5), b = floats(rng, H);
      add(`rnn ${variant}`, () => ({
        Y: B * T * H, hT: B * H, X, W, U, b, h0, mask: m, rm,
        cache: rnnCacheFloats(B, T, I, H), work: rnnWorkFloats(B, T, I, H),
        dY, dhT, dX: B * T * I, dW: I * H, dU: H * H, db: H, dh0: B * H,
      }), (be, p) => {
        const h = full ? p.h0 : 0, mk = full ? p.mask : 0, r = full ? p.rm : 0;
        be.k.rnnForward(p.Y, p.hT, p.X, p.W, p.U, p.b, h, mk, r, p.cache, B, T, I, H, ACT.tanh, flags);
        be.k.rnnBackward(p.dX, p.dW, p.dU, p.db, p.dh0, p.dY, p.dhT, p.Y, p.X, p.W, p.U, p.b, h, mk, r,
          p.cache, p.work, B, T, I, H, ACT.tanh, flags);
      });
    }
  }
  return out;
}

/** SHA-256 (WebCrypto: the same function in Node 20 and browsers) as hex. */
async function sha256(parts: Uint8Array[]): Promise<string> {
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Uint8Array(n);
  n = 0;
  for (const p of parts) { all.set(p, n); n += p.length; }
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

export type Digests = Record<string, string>;

/** Runs every case on `be` and returns name → hex digest (or `error: message`). */
export async function kernelDigests(be: Backend): Promise<Digests> {
  const res: Digests = {};
  for (const c of cases()) {
    try {
      const { ret, out } = run(be, c.bufs(), (p) => c.call(be, p));
      const parts = Object.keys(out).sort().map((key) => new Uint8Array(out[key].buffer, out[key].byteOffset, out[key].byteLength));
      parts.push(new Uint8Array(new Float64Array([typeof ret === 'number' ? ret : -0]).buffer));
      res[c.name] = await sha256(parts);
    } catch (e) {
      res[c.name] = `error: ${(e as Error).message}`;
    }
  }
  return res;
}

/**
 * The digests this runtime produces: the plain-SIMD wasm build (the only one
 * Node 20 validates, so the one both runtimes can be compared on) on a fresh
 * instance, and the TypeScript twins.
 */
export async function runtimeDigests(): Promise<{ module: Digests; wasmSimd: Digests; js: Digests }> {
  // the module bytes themselves, so "same WASM bytes" is checked too, not assumed
  const module = { simd: await sha256([await loadWasmBytes('simd')]), 'relaxed-simd': await sha256([await loadWasmBytes('relaxed-simd')]) };
  return { module, wasmSimd: await kernelDigests(await createWasmBackend('simd')), js: await kernelDigests(jsBackend()) };
}
