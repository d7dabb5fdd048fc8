/**
 * `kernels('wasm' | 'js')`: the raw kernels behind one convenient interface,
 * for benchmarking WASM against the pure-TS twins and for advanced users.
 * These forms copy inputs into the backend's memory and results out, so they
 * are simple but not free; models use the pointer kernels directly.
 */
import { wasmBackend, jsBackend } from './backend/index.js';
import type { Backend, BackendName, Kernels } from './backend/types.js';
import { ACT } from './backend/types.js';
import { lstmCacheFloats } from './backend/sizes.js';
import { describe } from './names.js';

/** Arguments of `kernels(…).lstmSequence`: Keras layout and gate order. */
export interface LstmSequenceArgs {
  /** [batch, steps, inputSize] */
  x: Float32Array;
  /** [inputSize, 4·units], Keras gate order i, f, c, o */
  kernel: Float32Array;
  /** [units, 4·units] */
  recurrentKernel: Float32Array;
  /** [4·units] (optional) */
  bias?: Float32Array;
  batch: number;
  steps: number;
  inputSize: number;
  units: number;
  /** [batch, units] initial state (default zeros) */
  h0?: Float32Array;
  c0?: Float32Array;
}

/** Convenience forms of the kernels of one backend (inputs copied in, results copied out). */
export interface KernelSet {
  readonly backend: BackendName;
  /** a [m, k] · b [k, n], row-major → [m, n] */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array;
  /** Keras LSTM (tanh / sigmoid) over a sequence → outputs [batch, steps, units] and final state. */
  lstmSequence(args: LstmSequenceArgs): { h: Float32Array; hT: Float32Array; cT: Float32Array };
  /** The pointer-level kernels and their memory (see src/backend/types.ts). */
  readonly raw: Backend;
}

function need(v: unknown, n: number, what: string): Float32Array {
  if (!(v instanceof Float32Array)) throw new Error(`kernels: ${what} must be a Float32Array, got ${describe(v)}`);
  if (v.length !== n) throw new Error(`kernels: ${what} must have ${n} elements, got ${v.length}`);
  return v;
}
function dim(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`kernels: ${what} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

/** Run `fn` with the given arrays copied into fresh blocks of `be`, then free them. */
function withBlocks<T>(be: Backend, sizes: number[], fill: (Float32Array | undefined)[], fn: (p: number[]) => T): T {
  const ptrs = sizes.map((n) => be.alloc(Math.max(1, n) * 4));
  try {
    const f = be.f32();
    fill.forEach((a, i) => { if (a) f.set(a, ptrs[i] >>> 2); });
    return fn(ptrs);
  } finally {
    for (const p of ptrs) be.free(p);
  }
}

/**
 * The raw kernels of one backend, for benchmarking WASM against JS.
 *
 * @example
 * ```ts
 * const c = kernels('wasm').matmul(a, b, m, k, n);   // a [m, k] · b [k, n], row-major
 * ```
 */
export function kernels(name: BackendName = 'wasm'): KernelSet {
  if (name !== 'wasm' && name !== 'js') throw new Error(`kernels: expected 'wasm' or 'js', got ${describe(name)}`);
  const be = name === 'wasm' ? wasmBackend() : jsBackend();
  const k: Kernels = be.k;
  return {
    backend: name,
    raw: be,
    matmul(a, b, m, kk, n) {
      dim(m, 'm'); dim(kk, 'k'); dim(n, 'n');
      need(a, m * kk, 'a'); need(b, kk * n, 'b');
      return withBlocks(be, [m * n, m * kk, kk * n], [undefined, a, b], ([C, A, B]) => {
        k.gemm(C, A, B, m, kk, n, kk, n, n, 0);
        return be.f32().slice(C >>> 2, (C >>> 2) + m * n);
      });
    },
    lstmSequence(args) {
      const B = dim(args.batch, 'batch'), T = dim(args.steps, 'steps'), I = dim(args.inputSize, 'inputSize'), H = dim(args.units, 'units');
      need(args.x, B * T * I, 'x'); need(args.kernel, I * 4 * H, 'kernel'); need(args.recurrentKernel, H * 4 * H, 'recurrentKernel');
      if (args.bias) need(args.bias, 4 * H, 'bias');
      if (args.h0) need(args.h0, B * H, 'h0');
      if (args.c0) need(args.c0, B * H, 'c0');
      const sizes = [B * T * H, B * H, B * H, B * T * I, I * 4 * H, H * 4 * H, 4 * H, B * H, B * H, lstmCacheFloats(B, T, I, H)];
      return withBlocks(be, sizes, [undefined, undefined, undefined, args.x, args.kernel, args.recurrentKernel, args.bias, args.h0, args.c0],
        ([Y, hT, cT, X, W, U, b, h0, c0, cache]) => {
          k.lstmForward(Y, hT, cT, X, W, U, args.bias ? b : 0, args.h0 ? h0 : 0, args.c0 ? c0 : 0, 0, 0, cache, B, T, I, H, ACT.tanh, ACT.sigmoid, 0);
          const f = be.f32();
          return { h: f.slice(Y >>> 2, (Y >>> 2) + B * T * H), hT: f.slice(hT >>> 2, (hT >>> 2) + B * H), cT: f.slice(cT >>> 2, (cT >>> 2) + B * H) };
        });
    },
  };
}
