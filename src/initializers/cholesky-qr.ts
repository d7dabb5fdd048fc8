/**
 * CholeskyQR2 on the backend GEMM: the rows of V [m, n] (m ≤ n) made orthonormal
 * in order, V = L·Q with L lower triangular, positive diagonal — the q of a QR
 * with positive diag(r), i.e. Keras' q · sign(diag(r)) (see orthogonal.ts).
 *
 * One pass: G = V·Vᵀ (lower triangle), L = chol(G), V ← L⁻¹·V. Two passes: the
 * second repairs the float32 rounding of the first (Yamamoto et al. 2015); it runs
 * only when the first leaves a measured orthogonality error above ONE_PASS_TOL
 * (a tall normal matrix is well conditioned, so usually one pass is enough). When
 * V is not tall (n < 2m; a square SimpleRNN kernel's Gram matrix can be too
 * ill-conditioned for float32) a first pass on G + s·I (shifted CholeskyQR3,
 * Fukaya et al. 2020) brings the condition number down first.
 *
 * Flops per pass ≈ 2·m²·n, nearly all in GEMMs of shapes the SIMD GEMM runs at
 * full speed (tall by block columns, K = n or a whole block): the Gram matrix by
 * column blocks (only the lower block triangle), the triangular solve
 * right-looking by row blocks (each block's diagonal inverse times its rows, then
 * one GEMM takes it out of every later row), the Cholesky left-looking by
 * CHOL_BLOCK columns (m³/3 flops, ≤ 1/24 of a pass when n = 4m). Only the
 * diagonal blocks are factored and inverted in float64 JS.
 *
 * Matrices live in backend memory with padded row strides (ld = cols + 16):
 * at power-of-two strides (n = 4H = 4096) the rows of a GEMM block fall on the
 * same cache sets (measured: the Gram product 20% faster padded).
 */
import type { Backend } from '../backend/types.js';
import { GEMM } from '../backend/types.js';

/**
 * Two block sizes for the Gram product and the solve: the inner one (64) sets the extra flops
 * (the Gram's diagonal blocks are computed whole, the solve multiplies each block by its diagonal
 * inverse: 64/m of each product), the outer one (128) sets the memory traffic (the tall products
 * read V once per outer block; the solve's update reads and writes V[i1:m] once per outer block).
 */
const INNER = 64;
const OUTER = 128;
/** Cholesky column block: one float64 b×b factor per block in JS (b³/3 flops each). */
const CHOL_BLOCK = 128;
/** Row stride padding in floats (64 bytes: one cache line). */
const PAD = 16;

/** Row stride (floats) for a matrix with `cols` columns. */
export const paddedStride = (cols: number): number => Math.ceil(cols / PAD) * PAD + PAD;

/** Floats of scratch choleskyQR2 needs beside V, for V [m, n]. */
export function choleskyQR2ScratchFloats(m: number, n: number): { G: number; S: number; W: number } {
  return {
    G: m * paddedStride(m),
    S: Math.max(INNER * paddedStride(n), m * CHOL_BLOCK),
    W: m * Math.max(OUTER, CHOL_BLOCK),
  };
}

/** Thrown when a Cholesky pivot is not positive (the Gram matrix lost definiteness in float32). */
export class Breakdown extends Error {}

/** Byte pointers of the work buffers (sizes from choleskyQR2ScratchFloats). */
export interface QRScratch { G: number; S: number; W: number }

/**
 * Orthonormalize the rows of V [m, n] (row stride ldv floats, byte pointer V) in
 * place. Throws Breakdown if a pivot is not positive (the caller falls back).
 */
export function choleskyQR2(be: Backend, V: number, m: number, n: number, ldv: number, s: QRScratch): void {
  const pass = (shifted: boolean) => {
    gramLower(be, s.G, ldg, V, ldv, m, n);
    if (shifted) shiftDiagonal(be.f32(), s.G, ldg, m, n);
    choleskyLower(be, s.G, ldg, s.S, s.W, m);
    solveLowerRows(be, V, ldv, s.G, ldg, s.S, s.W, m, n);
  };
  const ldg = paddedStride(m);
  if (n < 2 * m) {
    for (const shifted of [true, false, false]) pass(shifted);
    return;
  }
  pass(false);
  // A tall normal matrix is well conditioned (κ ≈ (√n+√m)/(√n−√m) ≤ 5.8 for n ≥ 2m), so one pass
  // is usually already orthonormal to ~5e-7 (measured, H = 1024, 2048); the second pass (half the
  // time) runs only when the measured error says so.
  if (!(orthogonalityEstimate(be, V, m, n, ldv, s.G) <= ONE_PASS_TOL)) pass(false); // NaN: second pass too
}

/** Largest estimated |Q·Qᵀ − I| after which one pass is not enough: 10× under the 1e-5 target. */
export const ONE_PASS_TOL = 1e-6;
/** Rows sampled (evenly spaced) for the off-diagonal part of the estimate. */
const SAMPLE_ROWS = 64;

/**
 * max |Q·Qᵀ − I| over every diagonal entry (float64 norms in JS, m·n flops) and the rows of SAMPLE_ROWS
 * evenly spaced rows against every row (one float32 GEMM into C, 2·64·m·n flops). The off-diagonal dot
 * products are ~1e-7 and their partial sums stay small, so float32 rounds them to ~1e-8 here; the
 * diagonal (sums up to 1) is why the norms are summed in float64.
 */
export function orthogonalityEstimate(be: Backend, V: number, m: number, n: number, ldv: number, C: number): number {
  const step = Math.max(1, Math.floor(m / SAMPLE_ROWS)), k = Math.ceil(m / step);
  be.k.gemm(C, V, V, k, n, m, ldv * step, ldv, m, GEMM.transB);
  const f = be.f32(), v = V >>> 2, c = C >>> 2;
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < m; b++) if (b !== a * step) worst = Math.max(worst, Math.abs(f[c + a * m + b]));
  }
  for (let r = 0; r < m; r++) {
    let d = 0;
    for (let i = v + r * ldv, e = i + n; i < e; i++) d += f[i] * f[i];
    worst = Math.max(worst, Math.abs(d - 1));
  }
  return worst;
}

/**
 * Lower block triangle of G = V·Vᵀ by column blocks, tall products with K = n: below each
 * OUTER-wide diagonal block G[j1:m, j0:j1] = V[j1:m] · V[j0:j1]ᵀ, and the diagonal block itself
 * by INNER-wide columns. Above the diagonal inside the INNER blocks G holds junk; nothing reads it.
 */
export function gramLower(be: Backend, G: number, ldg: number, V: number, ldv: number, m: number, n: number): void {
  const rowPtr = (r: number) => V + r * ldv * 4, at = (r: number, c: number) => G + (r * ldg + c) * 4;
  for (let j0 = 0; j0 < m; j0 += OUTER) {
    const j1 = Math.min(m, j0 + OUTER);
    for (let k0 = j0; k0 < j1; k0 += INNER) {
      const k1 = Math.min(j1, k0 + INNER);
      be.k.gemm(at(k0, k0), rowPtr(k0), rowPtr(k0), j1 - k0, n, k1 - k0, ldv, ldv, ldg, GEMM.transB);
    }
    if (j1 < m) be.k.gemm(at(j1, j0), rowPtr(j1), rowPtr(j0), m - j1, n, j1 - j0, ldv, ldv, ldg, GEMM.transB);
  }
}

/**
 * G += s·I with s = 11·(mn + m(m+1))·u·‖V‖²_F (u = 2⁻²⁴, float32): the shift of
 * shifted CholeskyQR3, which keeps the factorization positive definite for any
 * full-rank V; the passes after it recover the exact Q.
 */
function shiftDiagonal(f: Float32Array, G: number, ldg: number, m: number, n: number): void {
  const g = G >>> 2;
  let trace = 0;
  for (let i = 0; i < m; i++) trace += f[g + i * ldg + i];
  const s = 11 * (m * n + m * (m + 1)) * 2 ** -24 * trace;
  for (let i = 0; i < m; i++) f[g + i * ldg + i] += s;
}

/**
 * Left-looking blocked Cholesky of G (lower triangle, in place, float32). For each
 * block column j: G[j0:m, j] −= L[j0:m, <j]·L[j, <j]ᵀ (one GEMM, −L[j, <j] copied to
 * W), L_jj = chol(G_jj) in float64, L[j1:m, j] = G[j1:m, j]·L_jj⁻ᵀ (GEMM into S).
 * Afterwards the upper triangle of G's diagonal blocks is zero.
 */
export function choleskyLower(be: Backend, G: number, ldg: number, S: number, W: number, m: number): void {
  const blk = new Float64Array(CHOL_BLOCK * CHOL_BLOCK), inv = new Float64Array(CHOL_BLOCK * CHOL_BLOCK);
  const g = G >>> 2, w = W >>> 2, s = S >>> 2;
  for (let j0 = 0; j0 < m; j0 += CHOL_BLOCK) {
    const j1 = Math.min(m, j0 + CHOL_BLOCK), bj = j1 - j0, below = m - j1;
    let f = be.f32();
    if (j0 > 0) {
      for (let r = 0; r < bj; r++) for (let c = 0; c < j0; c++) f[w + r * j0 + c] = -f[g + (j0 + r) * ldg + c];
      be.k.gemm(G + (j0 * ldg + j0) * 4, G + j0 * ldg * 4, W, m - j0, j0, bj, ldg, j0, ldg, GEMM.transB | GEMM.accumulate);
      f = be.f32();
    }
    for (let r = 0; r < bj; r++) for (let c = 0; c <= r; c++) blk[r * bj + c] = f[g + (j0 + r) * ldg + j0 + c];
    factorLower(blk, bj);
    for (let r = 0; r < bj; r++) for (let c = 0; c < bj; c++) f[g + (j0 + r) * ldg + j0 + c] = c <= r ? blk[r * bj + c] : 0;
    if (below > 0) {
      invertLower(blk, bj, inv);
      for (let i = 0; i < bj * bj; i++) f[w + i] = inv[i];
      be.k.gemm(S, G + (j1 * ldg + j0) * 4, W, below, bj, bj, ldg, bj, bj, GEMM.transB);
      f = be.f32();
      for (let r = 0; r < below; r++) for (let c = 0; c < bj; c++) f[g + (j1 + r) * ldg + j0 + c] = f[s + r * bj + c];
    }
  }
}

/**
 * V ← L⁻¹·V by row blocks, in place, right-looking at two levels. Inside each OUTER block of rows:
 * Q_i = L_ii⁻¹·V_i per INNER block (L_ii inverted in float64, the product into S, copied back),
 * then the rest of the outer block takes its share out, V[i1:o1] += (−L[i1:o1, i])·Q_i. Then
 * every later row at once: V[o1:m] += (−L[o1:m, o])·Q_o — one tall GEMM per outer block.
 */
export function solveLowerRows(be: Backend, V: number, ldv: number, G: number, ldg: number, S: number, W: number,
                        m: number, n: number): void {
  const blk = new Float64Array(INNER * INNER), inv = new Float64Array(INNER * INNER);
  const g = G >>> 2, w = W >>> 2, rowPtr = (r: number) => V + r * ldv * 4;
  /** V[r0:r1] += (−L[r0:r1, c0:c1])·V[c0:c1] (−L copied to W). */
  const update = (r0: number, r1: number, c0: number, c1: number) => {
    const f = be.f32(), k = c1 - c0;
    for (let r = 0; r < r1 - r0; r++) for (let c = 0; c < k; c++) f[w + r * k + c] = -f[g + (r0 + r) * ldg + c0 + c];
    be.k.gemm(rowPtr(r0), W, rowPtr(c0), r1 - r0, k, n, k, ldv, ldv, GEMM.accumulate);
  };
  for (let o0 = 0; o0 < m; o0 += OUTER) {
    const o1 = Math.min(m, o0 + OUTER);
    for (let i0 = o0; i0 < o1; i0 += INNER) {
      const i1 = Math.min(o1, i0 + INNER), bi = i1 - i0;
      let f = be.f32();
      for (let r = 0; r < bi; r++) for (let c = 0; c <= r; c++) blk[r * bi + c] = f[g + (i0 + r) * ldg + i0 + c];
      invertLower(blk, bi, inv);
      for (let i = 0; i < bi * bi; i++) f[w + i] = inv[i];
      be.k.gemm(S, W, rowPtr(i0), bi, bi, n, bi, ldv, ldv, 0);
      f = be.f32();
      f.copyWithin(rowPtr(i0) >>> 2, S >>> 2, (S >>> 2) + bi * ldv);
      if (i1 < o1) update(i1, o1, i0, i1);
    }
    if (o1 < m) update(o1, m, o0, o1);
  }
}

/** In-place float64 Cholesky of a b×b SPD block (lower triangle read and written). */
function factorLower(a: Float64Array, b: number): void {
  for (let j = 0; j < b; j++) {
    let d = a[j * b + j];
    for (let k = 0; k < j; k++) d -= a[j * b + k] * a[j * b + k];
    if (!(d > 0)) throw new Breakdown();
    const ljj = Math.sqrt(d);
    a[j * b + j] = ljj;
    for (let i = j + 1; i < b; i++) {
      let s = a[i * b + j];
      for (let k = 0; k < j; k++) s -= a[i * b + k] * a[j * b + k];
      a[i * b + j] = s / ljj;
    }
  }
}

/** inv = L⁻¹ (lower, b×b) by forward substitution, column by column; reads only l's lower triangle. */
function invertLower(l: Float64Array, b: number, inv: Float64Array): void {
  inv.fill(0, 0, b * b);
  for (let c = 0; c < b; c++) {
    if (!(l[c * b + c] > 0)) throw new Breakdown();
    inv[c * b + c] = 1 / l[c * b + c];
    for (let i = c + 1; i < b; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s += l[i * b + k] * inv[k * b + c];
      inv[i * b + c] = -s / l[i * b + i];
    }
  }
}
