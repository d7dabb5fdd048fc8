/**
 * TS twins of assembly/dense.ts. Contract: ../types.ts.
 * M rows, K inputs, N units; X [M,K], W [K,N], b [N] or 0, Y [M,N].
 */
import { mem } from './heap.js';
import { ACT, GEMM } from '../types.js';
import { gemm } from './gemm.js';
import { activate, activateBackward, softmax, softmaxBackward } from './activations.js';

export function denseForward(Y: number, X: number, W: number, b: number, M: number, K: number, N: number, act: number): void {
  gemm(Y, X, W, M, K, N, K, N, N, 0);
  if (b !== 0) {
    const f = mem.f32, b0 = b >>> 2;
    for (let r = 0; r < M; r++) {
      const y0 = (Y >>> 2) + r * N;
      for (let j = 0; j < N; j++) f[y0 + j] += f[b0 + j];
    }
  }
  if (act === ACT.softmax) softmax(Y, Y, M, N);
  else if (act !== ACT.linear) activate(Y, Y, M * N, act);
}

/** dY ← dZ; db += Σ_rows dZ; dW += Xᵀ·dZ; dX = dZ·Wᵀ (each of dX, dW, db may be 0). */
export function denseBackward(dX: number, dW: number, db: number, dY: number, X: number, W: number, Y: number,
                              M: number, K: number, N: number, act: number): void {
  if (act === ACT.softmax) softmaxBackward(dY, dY, Y, M, N);
  else if (act !== ACT.linear) activateBackward(dY, dY, Y, M * N, act);
  if (db !== 0) {
    const f = mem.f32, b0 = db >>> 2;
    for (let r = 0; r < M; r++) {
      const d0 = (dY >>> 2) + r * N;
      for (let j = 0; j < N; j++) f[b0 + j] += f[d0 + j];
    }
  }
  if (dW !== 0) gemm(dW, X, dY, K, M, N, K, N, N, GEMM.transA | GEMM.accumulate);
  if (dX !== 0) gemm(dX, dY, W, M, N, K, N, N, K, GEMM.transB);
}
