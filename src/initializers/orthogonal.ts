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
 * for MGS in JS, ~9 s): CholeskyQR2 on the backend GEMM (cholesky-qr.ts). On the
 * wasm backend the GEMM is the SIMD kernel; on the js backend (no SIMD) it is its
 * TypeScript twin, same algorithm.
 *
 * Memory: the GEMM path works in backend memory. Inside a model it gets it from
 * the model's MemoryPlan (a transient 'init' block, see draw.ts); called on its
 * own (tests, benches) it borrows a block from the backend heap for the duration
 * of the call and frees it before returning, also when it throws.
 */
import type { Backend } from '../backend/types.js';
import { Breakdown, choleskyQR2, choleskyQR2ScratchFloats, paddedStride } from './cholesky-qr.js';

/** Below this many MGS flops (2nm²) the float64 JS path is fast enough (an LSTM(256) is 1.3e8, ~0.1 s). */
export const GEMM_PATH_FLOPS = 2 ** 28;

/** Backend memory an initializer may use during one init() call (an 'init' block of the model's plan). */
export interface InitScratch {
  readonly be: Backend;
  /** byte pointer, 64-byte aligned */
  readonly ptr: number;
  readonly floats: number;
}

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

const align16 = (floats: number) => Math.ceil(floats / 16) * 16;

/** Float offsets of V [m, ldv], G, S, W inside the scratch, and the total. */
function layout(m: number, n: number) {
  const ldv = paddedStride(n), s = choleskyQR2ScratchFloats(m, n);
  const V = 0, G = V + align16(m * ldv), S = G + align16(s.G), W = S + align16(s.S);
  return { ldv, V, G, S, W, total: W + align16(s.W) };
}

const usesGemm = (m: number, n: number) => 2 * n * m * m >= GEMM_PATH_FLOPS;

/** Floats of backend scratch orthogonalValues needs for a [rows, cols] matrix (0: the float64 JS path, none). */
export function orthogonalScratchFloats(rows: number, cols: number): number {
  const n = Math.max(rows, cols), m = Math.min(rows, cols);
  return usesGemm(m, n) ? layout(m, n).total : 0;
}

/**
 * Run `f` on `floats` floats of backend memory: the caller's scratch, or a block
 * borrowed from `be`'s heap and freed when `f` returns or throws.
 */
function withScratch<T>(be: Backend, floats: number, scratch: InitScratch | null, f: (be: Backend, ptr: number) => T): T {
  if (scratch) {
    if (scratch.floats < floats) throw new Error(`orthogonal initializer: scratch of ${scratch.floats} floats given, ${floats} needed`);
    return f(scratch.be, scratch.ptr);
  }
  const ptr = be.alloc(floats * 4);
  try {
    return f(be, ptr);
  } finally {
    be.free(ptr);
  }
}

/**
 * CholeskyQR2 of v [m, n] (m ≤ n, row-major, dense) in backend memory at `ptr`
 * (laid out by layout()). Leaves Q in V (row stride ldv); false on breakdown.
 */
function qrInScratch(be: Backend, ptr: number, v: Float32Array, m: number, n: number): boolean {
  const L = layout(m, n), at = (floats: number) => ptr + floats * 4;
  const f = be.f32(), v0 = (ptr >>> 2) + L.V;
  for (let j = 0; j < m; j++) f.set(v.subarray(j * n, j * n + n), v0 + j * L.ldv);
  try {
    choleskyQR2(be, at(L.V), m, n, L.ldv, { G: at(L.G), S: at(L.S), W: at(L.W) });
    return true;
  } catch (e) {
    if (e instanceof Breakdown) return false;
    throw e;
  }
}

/**
 * Orthonormalize the rows of v [m, n] (m ≤ n) with CholeskyQR2 on `be`'s GEMM.
 * Returns the result as float32 [m, n], or null if the factorization broke down
 * (caller falls back to MGS). `scratch`: backend memory to work in (else borrowed for the call).
 */
export function orthonormalRowsGemm(be: Backend, v: Float32Array, m: number, n: number,
                                    scratch: InitScratch | null = null): Float32Array | null {
  const L = layout(m, n);
  return withScratch(be, L.total, scratch, (be, ptr) => {
    if (!qrInScratch(be, ptr, v, m, n)) return null;
    const out = new Float32Array(m * n), f = be.f32(), v0 = (ptr >>> 2) + L.V;
    for (let j = 0; j < m; j++) out.set(f.subarray(v0 + j * L.ldv, v0 + j * L.ldv + n), j * n);
    return out;
  });
}

/**
 * Keras Orthogonal values for `shape` (rows = all but the last dimension, cols =
 * the last) from the normal stream (`fillNormal` writes the next values into an
 * array), times gain. `be` runs the GEMM path for large matrices (null: MGS only),
 * in `scratch` when given (orthogonalScratchFloats(rows, cols) floats). The GEMM path
 * draws with `fillNormalLarge` when given (the model's initializer: the polar method,
 * Rng.fillNormalPolar — at H = 2048 Box–Muller's sin/cos were 0.3 s of the construction).
 */
export function orthogonalValues(rows: number, cols: number, gain: number, fillNormal: (out: Float32Array | Float64Array) => void,
                                 be: Backend | null, scratch: InitScratch | null = null,
                                 fillNormalLarge: (out: Float32Array) => void = fillNormal): Float32Array {
  const n = Math.max(rows, cols), m = Math.min(rows, cols);
  const out = new Float32Array(rows * cols);
  // V [m, n]: row j is column j of the tall matrix, drawn consecutively
  if (be && usesGemm(m, n)) {
    const v = new Float32Array(m * n); // kept in JS: the MGS fallback needs the normals after V is overwritten
    fillNormalLarge(v);
    const L = layout(m, n);
    const done = withScratch(be, L.total, scratch, (be, ptr) => {
      if (!qrInScratch(be, ptr, v, m, n)) return false;
      const f = be.f32(), v0 = (ptr >>> 2) + L.V;
      writeOut(out, rows, cols, gain, f, v0, L.ldv);
      return true;
    });
    if (done) return out;
    const v64 = Float64Array.from(v);
    orthonormalRowsMGS(v64, m, n);
    writeOut(out, rows, cols, gain, v64, 0, n);
    return out;
  }
  const v64 = new Float64Array(m * n);
  fillNormal(v64);
  orthonormalRowsMGS(v64, m, n);
  writeOut(out, rows, cols, gain, v64, 0, n);
  return out;
}

/**
 * out [rows, cols] = gain · Q, where vector j of Q is q[q0 + j·ld … q0 + j·ld + n): the
 * vectors are out's rows when rows < cols, its columns otherwise.
 */
function writeOut(out: Float32Array, rows: number, cols: number, gain: number, q: Float32Array | Float64Array,
                  q0: number, ld: number): void {
  if (rows < cols) {
    for (let r = 0; r < rows; r++) {
      const src = q0 + r * ld, dst = r * cols;
      if (gain === 1 && q instanceof Float32Array) out.set(q.subarray(src, src + cols), dst);
      else for (let c = 0; c < cols; c++) out[dst + c] = gain * q[src + c];
    }
  } else {
    for (let c = 0; c < cols; c++) {
      const src = q0 + c * ld;
      for (let r = 0; r < rows; r++) out[r * cols + c] = gain * q[src + r];
    }
  }
}
