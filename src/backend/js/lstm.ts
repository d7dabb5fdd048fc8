/**
 * TS twins of assembly/lstm.ts (same algorithm, same cache/work layout, exact
 * Math.exp/tanh). Contract: ../types.ts `lstmForward` / `lstmBackward`;
 * equations: fixtures README "Equations".
 *
 * B batch, T time, I input, H units, G = 4H (gates i, f, c, o). Step s is processing
 * order and consumes input time t = s (or T-1-s with goBackwards). Y is by s, caches by t:
 *   cache: [packed U room, unused here] gates [B,T,G] (activated) | cells c_t [B,T,H] | hprev h_{t-1} [B,T,H]
 *   work:  [packed Uᵀ room, unused here] dG [B,T,G] | dh [B,H] | dc [B,H] | tmp [B,H]
 * Masking (tfjs rnn()): a masked step keeps h and c and outputs the kept h.
 * Recurrent dropout (recMask [B,H]): z = x·W + (h_{t-1}⊙m)·U + b; hprev caches h_{t-1}⊙m,
 * which the product reads (see the Porting note in assembly/lstm.ts).
 */
import { mem } from './heap.js';
import { actValue as actS, actGradValue as actGradS } from './activations.js';
import { gemm } from './gemm.js';
import { ACT, GEMM, RNN } from '../types.js';
import { packedBFloats } from '../sizes.js';
import { mulRows, addMul } from './rnn.js';

/** f[dst .. dst+n) = f[src ..], or zeros when src < 0 (absent). Indices are float indices. */
function copyOrZero(f: Float32Array, dst: number, src: number, n: number): void {
  if (src >= 0) f.copyWithin(dst, src, src + n);
  else f.fill(0, dst, dst + n);
}

export function lstmForward(Y: number, hT: number, cT: number, X: number, W: number, U: number, bias: number,
                            h0: number, c0: number, mask: number, recMask: number, cache: number,
                            B: number, T: number, I: number, H: number, act: number, recAct: number,
                            flags: number): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const f = mem.f32;
  const G = 4 * H;
  const back = (flags & RNN.goBackwards) !== 0;
  const training = (flags & RNN.training) !== 0;
  const fast = act === ACT.tanh && recAct === ACT.sigmoid;
  const gates = cache + packedBFloats(H, G) * 4; // byte offsets
  const cells = gates + B * T * G * 4;
  const hprev = cells + B * T * H * 4;
  const y0 = Y >>> 2, g0 = gates >>> 2, cl0 = cells >>> 2, hp0 = hprev >>> 2, b0 = bias >>> 2, m0 = mask >>> 2;

  // Input projection of every step: gates[B·T, G] = X · W.
  if ((flags & RNN.projected) === 0) gemm(gates, X, W, B * T, I, G, I, G, G, 0);

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    const tp = back ? t + 1 : t - 1;
    let A = 0, lda = 0;
    if (s > 0) { A = Y + (s - 1) * H * 4; lda = T * H; } else if (h0 !== 0) { A = h0; lda = H; }
    // Under recurrent dropout the product reads h_{t-1}⊙m, written to hprev first.
    const dropped = recMask !== 0 && A !== 0;
    if (dropped) mulRows(hprev + t * H * 4, T * H, A, lda, recMask, B, H);
    if (dropped) gemm(gates + t * G * 4, hprev + t * H * 4, U, B, H, G, T * H, G, T * G, GEMM.accumulate);
    else if (A !== 0) gemm(gates + t * G * 4, A, U, B, H, G, lda, G, T * G, GEMM.accumulate);
    for (let b = 0; b < B; b++) {
      const hp = A !== 0 ? (A >>> 2) + b * lda : -1;
      const cp = s > 0 ? cl0 + (b * T + tp) * H : c0 !== 0 ? (c0 >>> 2) + b * H : -1;
      const yr = y0 + (b * T + s) * H;
      const cr = cl0 + (b * T + t) * H;
      if (training && !dropped) copyOrZero(f, hp0 + (b * T + t) * H, hp, H);
      if (mask !== 0 && f[m0 + b * T + t] === 0) {
        copyOrZero(f, yr, hp, H);
        copyOrZero(f, cr, cp, H);
        continue;
      }
      const gr = g0 + (b * T + t) * G;
      for (let j = 0; j < H; j++) {
        let zi = f[gr + j], zf = f[gr + H + j], zc = f[gr + 2 * H + j], zo = f[gr + 3 * H + j];
        if (bias !== 0) { zi += f[b0 + j]; zf += f[b0 + H + j]; zc += f[b0 + 2 * H + j]; zo += f[b0 + 3 * H + j]; }
        // sigmoid/tanh (the default) without a call per gate: actValue's formulas, so bit-identical
        const i = fast ? 1 / (1 + Math.exp(-zi)) : actS(zi, recAct), fg = fast ? 1 / (1 + Math.exp(-zf)) : actS(zf, recAct);
        const g = fast ? Math.tanh(zc) : actS(zc, act), o = fast ? 1 / (1 + Math.exp(-zo)) : actS(zo, recAct);
        const c = fg * (cp >= 0 ? f[cp + j] : 0) + i * g;
        f[gr + j] = i; f[gr + H + j] = fg; f[gr + 2 * H + j] = g; f[gr + 3 * H + j] = o;
        f[cr + j] = c;
        f[yr + j] = o * (fast ? Math.tanh(Math.fround(c)) : actS(Math.fround(c), act));
      }
    }
  }
  const tLast = back ? 0 : T - 1;
  for (let b = 0; b < B; b++) {
    if (hT !== 0) copyOrZero(f, (hT >>> 2) + b * H, y0 + (b * T + T - 1) * H, H);
    if (cT !== 0) copyOrZero(f, (cT >>> 2) + b * H, cl0 + (b * T + tLast) * H, H);
  }
}

export function lstmBackward(dX: number, dW: number, dU: number, db: number, dh0: number, dc0: number,
                             dY: number, dhT: number, dcT: number, Y: number, X: number, W: number, U: number,
                             bias: number, h0: number, c0: number, mask: number, recMask: number, cache: number,
                             work: number,
                             B: number, T: number, I: number, H: number, act: number, recAct: number,
                             flags: number): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const f = mem.f32;
  const G = 4 * H;
  const back = (flags & RNN.goBackwards) !== 0;
  const gates = cache + packedBFloats(H, G) * 4;
  const cells = gates + B * T * G * 4;
  const hprev = cells + B * T * H * 4;
  const dG = work + packedBFloats(G, H) * 4;
  const dh = dG + B * T * G * 4;
  const dc = dh + B * H * 4;
  const tmp = dc + B * H * 4;
  const g0 = gates >>> 2, cl0 = cells >>> 2, dG0 = dG >>> 2, dh0i = dh >>> 2, dc0i = dc >>> 2, m0 = mask >>> 2;

  copyOrZero(f, dh0i, dhT !== 0 ? dhT >>> 2 : -1, B * H);
  copyOrZero(f, dc0i, dcT !== 0 ? dcT >>> 2 : -1, B * H);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    const tp = back ? t + 1 : t - 1;
    for (let b = 0; b < B; b++) {
      const dhr = dh0i + b * H, dcr = dc0i + b * H;
      const dyr = dY !== 0 ? (dY >>> 2) + (b * T + s) * H : -1;
      const dgr = dG0 + (b * T + t) * G;
      if (mask !== 0 && f[m0 + b * T + t] === 0) {
        // Forward kept h, c and output h_{t-1}: gradients pass straight through.
        f.fill(0, dgr, dgr + G);
        if (dyr >= 0) for (let j = 0; j < H; j++) f[dhr + j] += f[dyr + j];
        continue;
      }
      const cp = s > 0 ? cl0 + (b * T + tp) * H : c0 !== 0 ? (c0 >>> 2) + b * H : -1;
      const gr = g0 + (b * T + t) * G;
      const cr = cl0 + (b * T + t) * H;
      for (let j = 0; j < H; j++) {
        const i = f[gr + j], fg = f[gr + H + j], g = f[gr + 2 * H + j], o = f[gr + 3 * H + j];
        const ac = Math.fround(actS(f[cr + j], act));
        const dhv = f[dhr + j] + (dyr >= 0 ? f[dyr + j] : 0);
        const cpv = cp >= 0 ? f[cp + j] : 0;
        // h_t = o·act(c_t)
        const dO = dhv * ac;
        const dct = f[dcr + j] + dhv * o * actGradS(ac, act);
        // c_t = f·c_{t-1} + i·g
        f[dgr + j] = dct * g * actGradS(i, recAct);
        f[dgr + H + j] = dct * cpv * actGradS(fg, recAct);
        f[dgr + 2 * H + j] = dct * i * actGradS(g, act);
        f[dgr + 3 * H + j] = dO * actGradS(o, recAct);
        f[dcr + j] = dct * fg;
      }
      // Unmasked rows get dh_{t-1} from the product below; masked rows keep theirs.
      if (mask !== 0) f.fill(0, dhr, dhr + H);
    }
    if (s > 0 || dh0 !== 0) {
      // dh_{t-1} = (dG_t·Uᵀ)⊙m under recurrent dropout.
      if (recMask !== 0) {
        gemm(tmp, dG + t * G * 4, U, B, G, H, T * G, G, H, GEMM.transB);
        addMul(dh, tmp, recMask, B * H, mask !== 0);
      } else {
        gemm(dh, dG + t * G * 4, U, B, G, H, T * G, G, H, GEMM.transB | (mask !== 0 ? GEMM.accumulate : 0));
      }
    }
  }
  if (dh0 !== 0) copyOrZero(f, dh0 >>> 2, dh0i, B * H);
  if (dc0 !== 0) copyOrZero(f, dc0 >>> 2, dc0i, B * H);

  const BT = B * T;
  if (dW !== 0) gemm(dW, X, dG, I, BT, G, I, G, G, GEMM.transA | GEMM.accumulate);
  if (dU !== 0) gemm(dU, hprev, dG, H, BT, G, H, G, G, GEMM.transA | GEMM.accumulate);
  if (dX !== 0) gemm(dX, dG, W, BT, G, I, G, G, I, GEMM.transB);
  if (db !== 0) {
    const d = db >>> 2;
    for (let r = 0; r < BT; r++) {
      const row = dG0 + r * G;
      for (let j = 0; j < G; j++) f[d + j] += f[row + j];
    }
  }
}
