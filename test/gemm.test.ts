/**
 * gemm: C[M,N] (= or +=) op(A)[M,K] · op(B)[K,N] on both backends, against a
 * float64 reference written here. Also the AS-internal packed-B API
 * (packB + gemmPackedB, used by the recurrent kernels), through a test-only
 * entry (assembly/gemm/probe.ts) compiled here with the asc API.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import asc from 'assemblyscript/asc';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmBytes } from '../src/backend/wasm.js';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import { GEMM, type Backend } from '../src/backend/types.js';
import { packedBFloats } from '../src/backend/sizes.js';
import { Rng } from '../src/util/random.js';
import { maxRelErr } from './helpers/harness.js';

interface Case {
  M: number; K: number; N: number; flags: number;
  /** Extra elements per row of A, B, C beyond the minimum stride. */
  pad?: number;
  /** Offset of every matrix from its 64-byte aligned block, in floats (pointers only 4-byte aligned). */
  off?: number;
}

/** float64 reference over the strided storage; returns the whole C storage (padding included). */
function refGemm(A: Float32Array, B: Float32Array, C0: Float32Array, M: number, K: number, N: number,
                 lda: number, ldb: number, ldc: number, flags: number): Float64Array {
  const tA = (flags & GEMM.transA) !== 0, tB = (flags & GEMM.transB) !== 0;
  const acc = (flags & GEMM.accumulate) !== 0;
  const C = Float64Array.from(C0);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = acc ? C0[i * ldc + j] : 0;
    for (let p = 0; p < K; p++) {
      s += (tA ? A[p * lda + i] : A[i * lda + p]) * (tB ? B[j * ldb + p] : B[p * ldb + j]);
    }
    C[i * ldc + j] = s;
  }
  return C;
}

function place(be: Backend, data: Float32Array, off: number): number {
  const p = be.alloc((data.length + off + 1) * 4) + off * 4;
  be.f32().set(data, p >>> 2);
  return p;
}

/** Runs one case on a backend; returns [got C storage, expected C storage]. */
function gemmCase(be: Backend, rng: Rng, c: Case): [Float32Array, Float64Array] {
  const { M, K, N, flags } = c;
  const pad = c.pad ?? 0, off = c.off ?? 0;
  const tA = (flags & GEMM.transA) !== 0, tB = (flags & GEMM.transB) !== 0;
  const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + pad;
  const A = rng.floats((tA ? K : M) * lda), B = rng.floats((tB ? N : K) * ldb);
  const C0 = rng.floats(M * ldc); // garbage unless accumulating: must be overwritten
  const pa = place(be, A, off), pb = place(be, B, off), pc = place(be, C0, off);
  be.k.gemm(pc, pa, pb, M, K, N, lda, ldb, ldc, flags);
  const got = be.f32().slice(pc >>> 2, (pc >>> 2) + C0.length);
  for (const p of [pa, pb, pc]) be.free(p - off * 4);
  return [got, refGemm(A, B, C0, M, K, N, lda, ldb, ldc, flags)];
}

const TRANS = [0, GEMM.transA, GEMM.transB, GEMM.transA | GEMM.transB];
const name = (f: number) => [f & GEMM.transA ? 'transA' : '', f & GEMM.transB ? 'transB' : '',
  f & GEMM.accumulate ? 'accumulate' : ''].filter(Boolean).join('+') || 'plain';

describe('gemm', () => {
  for (const be of [wasmBackend(), jsBackend()]) {
    for (const trans of TRANS) for (const accum of [0, GEMM.accumulate]) {
      const flags = trans | accum;
      it(`${be.name}: ${name(flags)} matches float64 over a shape sweep`, () => {
        const rng = new Rng(100 + flags);
        const sizes = [1, 3, 5, 7, 17, 64];
        for (const M of sizes) for (const K of sizes) for (const N of [1, 3, 5, 8, 17, 64]) {
          const [got, ref] = gemmCase(be, rng, { M, K, N, flags });
          expect(maxRelErr(got, ref), `${be.name} M${M} K${K} N${N}`).toBeLessThan(1e-5);
        }
      });
      it(`${be.name}: ${name(flags)} with strided, unaligned sub-blocks`, () => {
        const rng = new Rng(200 + flags);
        for (const [M, K, N] of [[1, 9, 13], [3, 17, 5], [4, 8, 8], [6, 33, 21], [13, 7, 40], [37, 70, 19]]) {
          for (const [pad, off] of [[1, 1], [3, 2], [16, 3]]) {
            const [got, ref] = gemmCase(be, rng, { M, K, N, flags, pad, off });
            // ref covers the padding too: columns past N must be left untouched.
            expect(maxRelErr(got, ref), `${be.name} M${M} K${K} N${N} pad${pad} off${off}`).toBeLessThan(1e-5);
          }
        }
      });
    }
  }

  // Larger shapes cross the wasm cache blocks (M by 128, K by 256, N by 512).
  for (const flags of [0, GEMM.transA | GEMM.accumulate, GEMM.transB, GEMM.transA | GEMM.transB]) {
    it(`wasm: ${name(flags)} on shapes crossing the cache blocks`, () => {
      const be = wasmBackend(), rng = new Rng(300 + flags);
      for (const [M, K, N, pad] of [[130, 257, 67, 0], [2, 300, 520, 5], [9, 520, 30, 1], [129, 64, 523, 0]]) {
        const [got, ref] = gemmCase(be, rng, { M, K, N, flags, pad, off: 1 });
        expect(maxRelErr(got, ref), `M${M} K${K} N${N}`).toBeLessThan(1e-5);
      }
    });
  }

  it('js twin agrees on a 130×257×67 product', () => {
    const rng = new Rng(7);
    const [got, ref] = gemmCase(jsBackend(), rng, { M: 130, K: 257, N: 67, flags: GEMM.transB, pad: 2 });
    expect(maxRelErr(got, ref)).toBeLessThan(1e-5);
  });

  it('K = 0 writes zeros, or leaves C as is when accumulating', () => {
    for (const be of [wasmBackend(), jsBackend()]) {
      const rng = new Rng(8);
      for (const flags of [0, GEMM.accumulate]) {
        const [got, ref] = gemmCase(be, rng, { M: 5, K: 0, N: 6, flags, pad: 1 });
        expect(maxRelErr(got, ref), `${be.name} ${name(flags)}`).toBe(0);
      }
    }
  });
});

// ---- packB + gemmPackedB (AS-internal, used per time step by lstm/gru/rnn) ----

interface Probe {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setScratch(ptr: number, bytes: number): void;
  gemmScratchBytes(): number;
  packedBFloats(K: number, N: number): number;
  probePackB(dst: number, B: number, K: number, N: number, ldb: number, transB: number): void;
  probeGemmPackedB(C: number, A: number, Bp: number, M: number, K: number, N: number,
                   lda: number, ldc: number, accumulate: number): void;
}

async function compileProbe(): Promise<Probe> {
  const files: Record<string, Uint8Array | string> = {};
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    ['assembly/gemm/probe.ts', '--outFile', 'probe.wasm', '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert'],
    { writeFile: (f, contents) => { files[f] = contents; }, stdout: asc.createMemoryStream(), stderr },
  );
  if (error) throw new Error(`asc: ${error.message}\n${stderr.toString()}`);
  const mod = new WebAssembly.Module(files['probe.wasm'] as Uint8Array<ArrayBuffer>);
  const ex = new WebAssembly.Instance(mod, { env: { abort() { throw new Error('abort'); } } }).exports as unknown as Probe;
  ex.memory.grow(64);
  return ex;
}

describe('packB + gemmPackedB', () => {
  let ex: Probe;
  let top = 0;
  const alloc = (floats: number, off = 0) => { const p = top + off * 4; top = (top + (floats + off) * 4 + 64) & ~63; return p; };
  beforeAll(async () => {
    ex = await compileProbe();
    top = (ex.heapBase() + 63) & ~63;
    const bytes = ex.gemmScratchBytes();
    ex.setScratch(alloc(bytes / 4), bytes);
  }, 30_000);

  it('packedBFloats equals src/backend/sizes.ts packedBFloats', () => {
    for (const K of [1, 3, 64, 128, 257]) for (const N of [1, 7, 8, 9, 384, 512, 1001]) {
      expect(ex.packedBFloats(K, N), `K${K} N${N}`).toBe(packedBFloats(K, N));
    }
  });

  it('matches float64 for recurrent-step shapes, both B layouts, = and +=', () => {
    const rng = new Rng(9);
    const mark = top;
    for (const [M, K, N] of [[1, 128, 512], [1, 5, 12], [2, 17, 51], [3, 64, 192], [4, 7, 9], [5, 33, 28],
      [32, 64, 256], [17, 300, 40], [130, 16, 24]]) {
      for (const transB of [0, 1]) for (const accumulate of [0, 1]) {
        top = mark;
        const lda = K + 3, ldb = (transB ? K : N) + 2, ldc = N + 1;
        const A = rng.floats(M * lda), B = rng.floats((transB ? N : K) * ldb), C0 = rng.floats(M * ldc);
        const pa = alloc(A.length, 1), pb = alloc(B.length, 3), pc = alloc(C0.length, 2);
        const pp = alloc(packedBFloats(K, N));
        const f = new Float32Array(ex.memory.buffer);
        f.set(A, pa >>> 2); f.set(B, pb >>> 2); f.set(C0, pc >>> 2);
        f.fill(NaN, pp >>> 2, (pp >>> 2) + packedBFloats(K, N)); // packB must write all of it
        ex.probePackB(pp, pb, K, N, ldb, transB);
        ex.probeGemmPackedB(pc, pa, pp, M, K, N, lda, ldc, accumulate);
        const got = new Float32Array(ex.memory.buffer).slice(pc >>> 2, (pc >>> 2) + C0.length);
        const ref = refGemm(A, B, C0, M, K, N, lda, ldb, ldc,
          (transB ? GEMM.transB : 0) | (accumulate ? GEMM.accumulate : 0));
        expect(maxRelErr(got, ref), `M${M} K${K} N${N} transB${transB} acc${accumulate}`).toBeLessThan(1e-5);
      }
    }
  });
});

// ---- the relaxed-SIMD build (fused multiply-add), which Node 20 runs only behind a flag ----

/**
 * Runs in a child `node --experimental-wasm-relaxed-simd`: instantiates the
 * relaxed build, runs gemm over random cases (all flags, strides, unaligned
 * pointers) and prints the worst relative error against a float64 reference.
 */
const RELAXED_CHILD = `
import { readFileSync } from 'node:fs';
const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(process.argv[1])),
  { env: { abort() { throw new Error('abort'); } } }).exports;
ex.memory.grow(256);
let top = (ex.heapBase() + 63) & ~63;
const alloc = (n, off) => { const p = top + off * 4; top = (top + (n + off) * 4 + 64) & ~63; return p; };
const sb = ex.gemmScratchBytes(); ex.setScratch(alloc(sb / 4, 0), sb);
let seed = 12345;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 31 - 1; };
let worst = 0, cases = 0;
for (const [M, K, N] of [[1, 7, 9], [3, 5, 17], [4, 64, 8], [7, 17, 33], [130, 257, 67], [2, 300, 520], [37, 70, 19]])
  for (const flags of [0, 1, 2, 3, 4, 5, 6, 7]) {
    const tA = flags & 1, tB = flags & 2, acc = flags & 4, pad = 1;
    const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + pad;
    const nA = (tA ? K : M) * lda, nB = (tB ? N : K) * ldb, nC = M * ldc;
    const mark = top, pa = alloc(nA, 1), pb = alloc(nB, 2), pc = alloc(nC, 3);
    const f = new Float32Array(ex.memory.buffer);
    for (let i = 0; i < nA; i++) f[(pa >>> 2) + i] = rnd();
    for (let i = 0; i < nB; i++) f[(pb >>> 2) + i] = rnd();
    for (let i = 0; i < nC; i++) f[(pc >>> 2) + i] = rnd();
    const A = f.slice(pa >>> 2, (pa >>> 2) + nA), B = f.slice(pb >>> 2, (pb >>> 2) + nB), C0 = f.slice(pc >>> 2, (pc >>> 2) + nC);
    ex.gemm(pc, pa, pb, M, K, N, lda, ldb, ldc, flags);
    const C = new Float32Array(ex.memory.buffer, pc, nC);
    for (let i = 0; i < M; i++) for (let j = 0; j < ldc; j++) {
      let s = acc || j >= N ? C0[i * ldc + j] : 0;
      if (j < N) for (let p = 0; p < K; p++) s += (tA ? A[p * lda + i] : A[i * lda + p]) * (tB ? B[j * ldb + p] : B[p * ldb + j]);
      const d = Math.abs(C[i * ldc + j] - s) / Math.max(1, Math.abs(s));
      worst = d <= worst ? worst : (Number.isNaN(d) ? Infinity : d);
    }
    top = mark; cases++;
  }
console.log(JSON.stringify({ worst, cases }));
`;

describe('gemm (relaxed-SIMD build)', () => {
  it('matches float64 in node --experimental-wasm-relaxed-simd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gemm-relaxed-'));
    try {
      const file = join(dir, 'kernels-relaxed.wasm');
      writeFileSync(file, wasmBytes('relaxed-simd'));
      const r = spawnSync(process.execPath,
        ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', RELAXED_CHILD, file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const { worst, cases } = JSON.parse(r.stdout) as { worst: number; cases: number };
      expect(cases).toBe(56);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
