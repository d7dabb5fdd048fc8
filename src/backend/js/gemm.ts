/**
 * TS twin of assembly/gemm.ts: C[M,N] (= or +=) op(A)[M,K] · op(B)[K,N].
 * Contract: ../types.ts `Kernels.gemm` (strides lda/ldb/ldc in elements,
 * byte pointers only 4-byte aligned, flags GEMM.transA | transB | accumulate).
 *
 * The reference and the fallback: plain loops whose innermost index walks
 * contiguous memory. Without transB that is the row of B (C row += a(i,p)·B row p,
 * four p at a time so each C element is loaded and stored once per four
 * products); with transB it is a dot product along K of a row of A and a row of B (four
 * rows of B at a time).
 * Sums are in float64 and rounded to float32 on store.
 */
import { mem } from './heap.js';
import { GEMM } from '../types.js';

export function gemm(C: number, A: number, B: number, M: number, K: number, N: number,
                     lda: number, ldb: number, ldc: number, flags: number): void {
  const f = mem.f32;
  const a0 = A >>> 2, b0 = B >>> 2, c0 = C >>> 2;
  const transA = (flags & GEMM.transA) !== 0, transB = (flags & GEMM.transB) !== 0;
  const acc = (flags & GEMM.accumulate) !== 0;
  // op(A)[i, p] = f[a0 + i·ra + p·ka]
  const ra = transA ? 1 : lda, ka = transA ? lda : 1;
  for (let i = 0; i < M; i++) {
    const c = c0 + i * ldc, a = a0 + i * ra;
    if (!transB) {
      if (!acc) f.fill(0, c, c + N);
      let p = 0;
      for (; p + 4 <= K; p += 4) {
        const x0 = f[a + p * ka], x1 = f[a + (p + 1) * ka], x2 = f[a + (p + 2) * ka], x3 = f[a + (p + 3) * ka];
        const r0 = b0 + p * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
        for (let j = 0; j < N; j++) {
          f[c + j] += x0 * f[r0 + j] + x1 * f[r1 + j] + x2 * f[r2 + j] + x3 * f[r3 + j];
        }
      }
      for (; p < K; p++) {
        const x = f[a + p * ka], r = b0 + p * ldb;
        for (let j = 0; j < N; j++) f[c + j] += x * f[r + j];
      }
    } else {
      // Four columns at a time: four independent sums share each load of A.
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const r0 = b0 + j * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0; p < K; p++) {
          const x = f[a + p * ka];
          s0 += x * f[r0 + p]; s1 += x * f[r1 + p]; s2 += x * f[r2 + p]; s3 += x * f[r3 + p];
        }
        if (acc) { s0 += f[c + j]; s1 += f[c + j + 1]; s2 += f[c + j + 2]; s3 += f[c + j + 3]; }
        f[c + j] = s0; f[c + j + 1] = s1; f[c + j + 2] = s2; f[c + j + 3] = s3;
      }
      for (; j < N; j++) {
        const r = b0 + j * ldb;
        let s = 0;
        for (let p = 0; p < K; p++) s += f[a + p * ka] * f[r + p];
        f[c + j] = acc ? f[c + j] + s : s;
      }
    }
  }
}
