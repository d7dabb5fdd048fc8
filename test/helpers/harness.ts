/**
 * Runs a kernel on a backend with host arrays: copies inputs into the backend's
 * memory, calls, copies every buffer back out, frees. Used by the parity tests
 * (wasm vs its TS twin) and the gradient checks. Also: sentinel-guarded blocks
 * (a kernel must stay inside the cache/work sizes it was given) and the
 * elementwise error measures.
 */
import type { Backend } from '../../src/backend/types.js';

export type BufSpec = Float32Array | Int32Array | number; // number = zero-filled float32 buffer of that length

export function run<K extends string>(
  be: Backend,
  bufs: Record<K, BufSpec>,
  call: (p: Record<K, number>) => number | void,
): { ret: number | void; out: Record<K, Float32Array | Int32Array> } {
  const ptrs = {} as Record<K, number>;
  const keys = Object.keys(bufs) as K[];
  for (const key of keys) {
    const spec = bufs[key];
    const n = typeof spec === 'number' ? spec : spec.length;
    const p = be.alloc(Math.max(n, 1) * 4);
    ptrs[key] = p;
    if (spec instanceof Float32Array) be.f32().set(spec, p >>> 2);
    else if (spec instanceof Int32Array) be.i32().set(spec, p >>> 2);
  }
  const ret = call(ptrs);
  const out = {} as Record<K, Float32Array | Int32Array>;
  for (const key of keys) {
    const spec = bufs[key];
    const n = typeof spec === 'number' ? spec : spec.length;
    out[key] = spec instanceof Int32Array
      ? be.i32().slice(ptrs[key] >>> 2, (ptrs[key] >>> 2) + n)
      : be.f32().slice(ptrs[key] >>> 2, (ptrs[key] >>> 2) + n);
    be.free(ptrs[key]);
  }
  return { ret, out };
}

const GUARD = 64, SENTINEL = 1234.5;

/**
 * A block of n floats in `be`'s memory with GUARD sentinel floats on each
 * side: pass `ptr` to the kernel, check `intact()` after, free `base`.
 */
export function guarded(be: Backend, n: number): { base: number; ptr: number; intact: () => boolean } {
  const base = be.alloc((n + 2 * GUARD) * 4);
  be.f32().fill(SENTINEL, base >>> 2, (base >>> 2) + n + 2 * GUARD);
  const ptr = base + GUARD * 4;
  const intact = () => {
    const v = be.f32();
    for (let k = 0; k < GUARD; k++) {
      if (v[(base >>> 2) + k] !== SENTINEL || v[(ptr >>> 2) + n + k] !== SENTINEL) return false;
    }
    return true;
  };
  return { base, ptr, intact };
}

/** max |a-b| / max(1, |b|) elementwise: relative error with an absolute floor at 1. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
