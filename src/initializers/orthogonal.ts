/**
 * Orthonormal rows for the Orthogonal initializer, fast enough for big layers.
 *
 * Keras' Orthogonal: a = normal([rows, cols]), transposed when rows < cols so it
 * is tall; q, r = qr(a); q *= sign(diag(r)); transposed back; times gain. The QR
 * with a positive diag(r) is unique, so any stable QR that yields r with a
 * positive diagonal gives the same q. We hold the tall matrix by its columns:
 * V [m, n] (m = min(rows, cols) vectors of length n = max(rows, cols), row j =
 * column j of the tall matrix, drawn consecutively) and make its rows
 * orthonormal in order (Gram–Schmidt's q, i.e. V = L·Q with L lower triangular,
 * positive diagonal).
 *
 * Small matrices: modified Gram–Schmidt in float64 (2nm² flops in JS).
 * Large ones (an LSTM(1024) recurrent kernel is m = 1024, n = 4096: 8.6 GFLOP
 * for MGS in JS, ~9 s): CholeskyQR2 on the backend GEMM — G = V·Vᵀ, L = chol(G),
 * V ← L⁻¹·V, twice (the second pass repairs the float32 rounding of the first;
 * Yamamoto et al. 2015). Both products are blocked (b = 128) so only the lower
 * triangle is computed: ≈ 2·m²·n flops per pass instead of 4·m²·n. When the
 * matrix is not tall (n < 2m, e.g. a square SimpleRNN recurrent kernel, whose
 * Gram matrix can be too ill-conditioned for float32), a first pass with a
 * shifted Gram matrix (G + s·I, shifted CholeskyQR3, Fukaya et al. 2020) brings
 * the condition number down first. On the wasm backend the GEMM is the SIMD
 * kernel; on the js backend (no SIMD) it is its TypeScript twin, same algorithm.
 * The diagonal blocks are factored and inverted in float64.
 */
import type { Backend } from '../backend/types.js';
import { GEMM } from '../backend/types.js';

/** Block rows: a b×b float64 factor per block; the b·m·n extra flops of L_ii⁻¹ stay ≤ 1/8 of a pass for m ≥ 1024. */
const BLOCK = 128;

/** Below this many MGS flops (2nm²) the float64 JS path is fast enough (an LSTM(256) is 1.3e8, ~0.1 s). */
export const GEMM_PATH_FLOPS = 2 ** 28;

/** Orthonormalize the rows of v [m, n] (m ≤ n) in place, float64 modified Gram–Schmidt. */
export function orthonormalRowsMGS(v: Float64Array, m: number, n: number): void {
  for (let j = 0; j < m; j++) {
    const vj = j * n;
    for (let k = 0; k < j; k++) {
      const qk = k * n;
      let d = 0;
      for (let i = 0; i < n; i++) d += v[qk + i] * v[vj + i];
      for (let i = 0; i < n; i++) v[vj + i] -= d * v[qk + i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[vj + i] * v[vj + i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) v[vj + i] /= norm;
  }
}

/** Thrown when a Cholesky pivot is not positive (the Gram matrix lost definiteness in float32). */
class Breakdown extends Error {}

/**
 * Orthonormalize the rows of v [m, n] (m ≤ n) with CholeskyQR2 on `be`'s GEMM.
 * Returns the result as float32, or null if the factorization broke down
 * (caller falls back to MGS).
 */
export function orthonormalRowsGemm(be: Backend, v: Float32Array, m: number, n: number): Float32Array | null {
  const b = Math.min(BLOCK, m);
  const V = be.alloc(m * n * 4);
  const G = be.alloc(m * m * 4);
  const S = be.alloc(Math.max(b * n, m * b) * 4);   // scratch: a block of rows of V, or a panel of G
  const W = be.alloc(m * b * 4);                    // −L[>i, i] or L_ii⁻¹ / L_jj⁻¹ (float32 copies)
  try {
    be.f32().set(v, V >>> 2);
    const passes = n < 2 * m ? [true, false, false] : [false, false];
    for (const shifted of passes) {
      gram(be, G, V, m, n, b);
      if (shifted) shift(be.f32(), G, m, n);
      cholesky(be, G, S, W, m, b);
      solveRows(be, V, G, S, W, m, n, b);
    }
    const f = be.f32();
    return f.slice(V >>> 2, (V >>> 2) + m * n);
  } catch (e) {
    if (e instanceof Breakdown) return null;
    throw e;
  } finally {
    for (const p of [V, G, S, W]) be.free(p);
  }
}

/**
 * Lower block triangle of G = V·Vᵀ by block columns: G[j0:m, j] = V[j0:m] · V_jᵀ.
 * Tall products (M = m − j0) run the GEMM faster than b-row ones (measured 23 vs 16 GFLOP/s).
 */
function gram(be: Backend, G: number, V: number, m: number, n: number, b: number): void {
  for (let j0 = 0; j0 < m; j0 += b) {
    const j1 = Math.min(m, j0 + b);
    be.k.gemm(G + (j0 * m + j0) * 4, V + j0 * n * 4, V + j0 * n * 4, m - j0, n, j1 - j0, n, n, m, GEMM.transB);
  }
}

/**
 * G += s·I with s = 11·(mn + m(m+1))·u·‖V‖²_F (u = 2⁻²⁴, float32): the shift of
 * shifted CholeskyQR3, which keeps the factorization positive definite for any
 * full-rank V; the passes after it recover the exact Q.
 */
function shift(f: Float32Array, G: number, m: number, n: number): void {
  let trace = 0;
  for (let i = 0; i < m; i++) trace += f[(G >>> 2) + i * m + i];
  const s = 11 * (m * n + m * (m + 1)) * 2 ** -24 * trace;
  for (let i = 0; i < m; i++) f[(G >>> 2) + i * m + i] += s;
}

/** In-place float64 Cholesky of a b×b SPD block (lower) and its inverse (lower). */
function factorBlock(a: Float64Array, b: number, inv: Float64Array): void {
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
    for (let k = j + 1; k < b; k++) a[j * b + k] = 0;
  }
  // inv = L⁻¹ by forward substitution, column by column
  inv.fill(0);
  for (let c = 0; c < b; c++) {
    inv[c * b + c] = 1 / a[c * b + c];
    for (let i = c + 1; i < b; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s += a[i * b + k] * inv[k * b + c];
      inv[i * b + c] = -s / a[i * b + i];
    }
  }
}

/**
 * Left-looking blocked Cholesky of G (lower triangle, in place, float32):
 * for each block column j, G[j0:m, j] −= L[j0:m, <j]·L[j, <j]ᵀ (GEMM), then
 * L_jj = chol(G_jj) in float64, then L[j1:m, j] = G[j1:m, j]·L_jj⁻ᵀ (GEMM).
 */
function cholesky(be: Backend, G: number, S: number, W: number, m: number, b: number): void {
  const blk = new Float64Array(b * b), inv = new Float64Array(b * b);
  for (let j0 = 0; j0 < m; j0 += b) {
    const j1 = Math.min(m, j0 + b), bj = j1 - j0, rows = m - j0;
    if (j0 > 0) {
      be.k.gemm(S, G + j0 * m * 4, G + j0 * m * 4, rows, j0, bj, m, m, bj, GEMM.transB);
      const f = be.f32(), g = G >>> 2, s = S >>> 2;
      for (let r = 0; r < rows; r++) for (let c = 0; c < bj; c++) f[g + (j0 + r) * m + j0 + c] -= f[s + r * bj + c];
    }
    let f = be.f32();
    const g = G >>> 2;
    for (let r = 0; r < bj; r++) for (let c = 0; c < bj; c++) blk[r * bj + c] = f[g + (j0 + r) * m + j0 + c];
    factorBlock(blk, bj, inv);
    for (let r = 0; r < bj; r++) for (let c = 0; c < bj; c++) f[g + (j0 + r) * m + j0 + c] = blk[r * bj + c];
    if (j1 < m) {
      f.set(Float32Array.from(inv.subarray(0, bj * bj)), W >>> 2);
      be.k.gemm(S, G + (j1 * m + j0) * 4, W, m - j1, bj, bj, m, bj, bj, GEMM.transB);
      f = be.f32();
      const s = S >>> 2;
      for (let r = 0; r < m - j1; r++) for (let c = 0; c < bj; c++) f[g + (j1 + r) * m + j0 + c] = f[s + r * bj + c];
    }
  }
}

/**
 * V ← L⁻¹·V by block rows, in place, right-looking: Q_i = L_ii⁻¹ · V_i (L_ii
 * inverted in float64), then every later block row takes its share out at once,
 * V[i1:m] −= L[i1:m, i] · Q_i — one tall GEMM per block (−L copied to W).
 */
function solveRows(be: Backend, V: number, G: number, S: number, W: number, m: number, n: number, b: number): void {
  const blk = new Float64Array(b * b), inv = new Float64Array(b * b);
  for (let i0 = 0; i0 < m; i0 += b) {
    const i1 = Math.min(m, i0 + b), bi = i1 - i0;
    let f = be.f32();
    const g = G >>> 2, w = W >>> 2;
    for (let r = 0; r < bi; r++) for (let c = 0; c < bi; c++) blk[r * bi + c] = c <= r ? f[g + (i0 + r) * m + i0 + c] : 0;
    invertLower(blk, bi, inv);
    f.set(Float32Array.from(inv.subarray(0, bi * bi)), w);
    be.k.gemm(S, W, V + i0 * n * 4, bi, bi, n, bi, n, n, 0);
    f = be.f32();
    f.copyWithin((V >>> 2) + i0 * n, S >>> 2, (S >>> 2) + bi * n);
    if (i1 < m) {
      for (let r = 0; r < m - i1; r++) for (let c = 0; c < bi; c++) f[w + r * bi + c] = -f[g + (i1 + r) * m + i0 + c];
      be.k.gemm(V + i1 * n * 4, W, V + i0 * n * 4, m - i1, bi, n, bi, n, n, GEMM.accumulate);
    }
  }
}

function invertLower(l: Float64Array, b: number, inv: Float64Array): void {
  inv.fill(0);
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

/**
 * Keras Orthogonal values for `shape` (rows = all but the last dimension, cols =
 * the last) from the normal stream (`fillNormal` writes the next values into an array), times gain. `be` runs the GEMM path
 * for large matrices (null: MGS only).
 */
export function orthogonalValues(rows: number, cols: number, gain: number, fillNormal: (out: Float32Array | Float64Array) => void, be: Backend | null): Float32Array {
  const n = Math.max(rows, cols), m = Math.min(rows, cols);
  // V [m, n]: row j is column j of the tall normal matrix, drawn consecutively
  let q: Float32Array | Float64Array | null = null;
  if (be && 2 * n * m * m >= GEMM_PATH_FLOPS) {
    const v = new Float32Array(m * n);
    fillNormal(v);
    q = orthonormalRowsGemm(be, v, m, n);
    if (!q) {
      const v64 = Float64Array.from(v);
      orthonormalRowsMGS(v64, m, n);
      q = v64;
    }
  } else {
    const v64 = new Float64Array(m * n);
    fillNormal(v64);
    orthonormalRowsMGS(v64, m, n);
    q = v64;
  }
  const out = new Float32Array(rows * cols);
  if (rows < cols) {
    for (let i = 0; i < out.length; i++) out[i] = gain * q[i];     // out = Qᵀ = the rows themselves
  } else {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * q[c * n + r];
  }
  return out;
}
