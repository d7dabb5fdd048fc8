/**
 * TS twin of assembly/rnn.ts (SimpleRNN): same algorithm, same cache/work layout,
 * plain loops and exact Math.exp/Math.tanh. Contract: ../types.ts.
 *
 *   h_t = act(x_t·W + b + h_{t-1}·U)        W [I,H]  U [H,H]  b [H]
 *
 * Rows (b, t) of X, caches and gradients use the INPUT time t; Y rows (b, s) the
 * processing step s (go_backwards: t = T-1-s). A masked step keeps and outputs the state.
 * Recurrent dropout (recMask [B,H], ../types.ts): the product reads h_{t-1}⊙m, which Hp caches.
 * cache: A [B,T,H] act(pre-activation) | Hp [B,T,H] h_{t-1} (⊙ recMask) | (packed U, unused here)
 * work:  dA [B,T,H] | dh [B,H] | tmp [B,H] | …
 * The helpers at the bottom are shared with gru.ts.
 */
import { mem } from './heap.js';
import { actValue as actS, actGradValue as actGradS } from './activations.js';
import { gemm } from './gemm.js';
import { GEMM, RNN } from '../types.js';

export function rnnForward(Y: number, hT: number, X: number, W: number, U: number, bias: number, h0: number,
                           mask: number, recMask: number, cache: number, B: number, T: number, I: number, H: number, act: number,
                           flags: number): void {
  const f = mem.f32;
  const BT = B * T;
  const A = cache, Hp = A + BT * H * 4;
  const back = (flags & RNN.goBackwards) !== 0;
  inputProjection(A, X, W, bias, BT, I, H);
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    copyPrevState(Hp + t * H * 4, Y, h0, s, B, T, H);
    if (recMask) mulRows(Hp + t * H * 4, T * H, Hp + t * H * 4, T * H, recMask, B, H);
    gemm(A + t * H * 4, Hp + t * H * 4, U, B, H, H, T * H, H, T * H, GEMM.accumulate);
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const a = (A >>> 2) + row * H, y = (Y >>> 2) + (b * T + s) * H;
      // A masked step outputs the unmasked state (Hp holds h⊙m under recurrent dropout).
      const hp = recMask ? prevStateRow(Y, h0, (Hp >>> 2) + row * H, s, b, T, H) : (Hp >>> 2) + row * H;
      const keep = isKept(mask, row);
      for (let j = 0; j < H; j++) {
        f[a + j] = actS(f[a + j], act);
        f[y + j] = keep ? f[a + j] : f[hp + j];
      }
    }
  }
  copyLastOutput(hT, Y, B, T, H);
}

export function rnnBackward(dX: number, dW: number, dU: number, db: number, dh0: number, dY: number, dhT: number,
                            _Y: number, X: number, W: number, U: number, _bias: number, _h0: number, mask: number,
                            recMask: number, cache: number, work: number,
                            B: number, T: number, I: number, H: number, act: number, flags: number): void {
  const f = mem.f32;
  const BT = B * T;
  const A = cache, Hp = A + BT * H * 4;
  const dA = work, dh = dA + BT * H * 4, tmp = dh + B * H * 4;
  const back = (flags & RNN.goBackwards) !== 0;
  initStateGrad(dh, dhT, B, H);
  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const a = (A >>> 2) + row * H, da = (dA >>> 2) + row * H, d = (dh >>> 2) + b * H;
      if (dY) addRow(d, (dY >>> 2) + (b * T + s) * H, H);
      if (!isKept(mask, row)) { f.fill(0, da, da + H); continue; }
      for (let j = 0; j < H; j++) {
        f[da + j] = f[d + j] * actGradS(f[a + j], act);
        f[d + j] = 0;
      }
    }
    // h_t = act(… + (h_{t-1}⊙m)·U): dh_{t-1} += (dA_t·Uᵀ)⊙m under recurrent dropout.
    if (recMask) {
      gemm(tmp, dA + t * H * 4, U, B, H, H, T * H, H, H, GEMM.transB);
      addMul(dh, tmp, recMask, B * H, true);
    } else {
      gemm(dh, dA + t * H * 4, U, B, H, H, T * H, H, H, GEMM.accumulate | GEMM.transB);
    }
  }
  if (dh0) f.copyWithin(dh0 >>> 2, dh >>> 2, (dh >>> 2) + B * H);
  if (dW) gemm(dW, X, dA, I, BT, H, I, H, H, GEMM.transA | GEMM.accumulate);
  if (dU) gemm(dU, Hp, dA, H, BT, H, H, H, H, GEMM.transA | GEMM.accumulate);
  if (db) addColumnSums(db, dA, BT, H, H);
  if (dX) gemm(dX, dA, W, BT, H, I, H, H, I, GEMM.transB);
}

// ---- helpers shared with gru.ts (byte pointers in, float indices where noted) ----

export function isKept(mask: number, i: number): boolean {
  return mask === 0 || mem.f32[(mask >>> 2) + i] !== 0;
}

/** P[BT, N] = X[BT, K]·W[K, N] (+ bias on every row). */
export function inputProjection(P: number, X: number, W: number, bias: number, BT: number, K: number, N: number): void {
  const f = mem.f32;
  if (bias) {
    for (let r = 0; r < BT; r++) f.copyWithin((P >>> 2) + r * N, bias >>> 2, (bias >>> 2) + N);
    gemm(P, X, W, BT, K, N, K, N, N, GEMM.accumulate);
  } else {
    gemm(P, X, W, BT, K, N, K, N, N, 0);
  }
}

/** B rows of stride T·H at dst = state before step s: previous Y row, else h0, else 0. */
export function copyPrevState(dst: number, Y: number, h0: number, s: number, B: number, T: number, H: number): void {
  const f = mem.f32;
  for (let b = 0; b < B; b++) {
    const d = (dst >>> 2) + b * T * H;
    if (s > 0) f.copyWithin(d, (Y >>> 2) + (b * T + s - 1) * H, (Y >>> 2) + (b * T + s) * H);
    else if (h0) f.copyWithin(d, (h0 >>> 2) + b * H, (h0 >>> 2) + (b + 1) * H);
    else f.fill(0, d, d + H);
  }
}

export function copyLastOutput(hT: number, Y: number, B: number, T: number, H: number): void {
  if (!hT) return;
  const f = mem.f32;
  for (let b = 0; b < B; b++) {
    f.copyWithin((hT >>> 2) + b * H, (Y >>> 2) + (b * T + T - 1) * H, (Y >>> 2) + (b * T + T) * H);
  }
}

/** Float index of row b of the unmasked state before step s: Y[b, s-1], else h0[b], else `zeros`. */
export function prevStateRow(Y: number, h0: number, zeros: number, s: number, b: number, T: number, H: number): number {
  return s > 0 ? (Y >>> 2) + (b * T + s - 1) * H : h0 ? (h0 >>> 2) + b * H : zeros;
}

/** B rows (byte pointers, float strides): dst[b·ldd + j] = src[b·lds + j]·m[b·H + j]. dst may equal src. */
export function mulRows(dst: number, ldd: number, src: number, lds: number, m: number, B: number, H: number): void {
  const f = mem.f32;
  for (let b = 0; b < B; b++) {
    const d = (dst >>> 2) + b * ldd, x = (src >>> 2) + b * lds, mr = (m >>> 2) + b * H;
    for (let j = 0; j < H; j++) f[d + j] = f[x + j] * f[mr + j];
  }
}

/** d[0..n) = (acc ? d : 0) + s⊙m (byte pointers). */
export function addMul(d: number, s: number, m: number, n: number, acc: boolean): void {
  const f = mem.f32, d0 = d >>> 2, s0 = s >>> 2, m0 = m >>> 2;
  for (let j = 0; j < n; j++) f[d0 + j] = (acc ? f[d0 + j] : 0) + f[s0 + j] * f[m0 + j];
}

export function initStateGrad(dh: number, dhT: number, B: number, H: number): void {
  const f = mem.f32;
  if (dhT) f.copyWithin(dh >>> 2, dhT >>> 2, (dhT >>> 2) + B * H);
  else f.fill(0, dh >>> 2, (dh >>> 2) + B * H);
}

/** f[d..d+n) += f[s..s+n) (float indices). */
export function addRow(d: number, s: number, n: number): void {
  const f = mem.f32;
  for (let j = 0; j < n; j++) f[d + j] += f[s + j];
}

/** db[0..N) += Σ_r G[r, 0..N), rows of stride ld (byte pointers). */
export function addColumnSums(db: number, G: number, rows: number, N: number, ld: number): void {
  for (let r = 0; r < rows; r++) addRow(db >>> 2, (G >>> 2) + r * ld, N);
}
