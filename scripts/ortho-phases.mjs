// Phase timings of the orthogonal initializer's GEMM path (issue 9): node scripts/ortho-phases.mjs [H ...]
// Times (median of REPS): normal draws, copy into backend memory, Gram, Cholesky, solve per pass (both
// passes always, as CholeskyQR2 did before the one-pass check), the whole choleskyQR2, the estimate,
// copy out, and the whole LSTM(H) construction. Needs `npm run build:ts`.
import os from 'node:os';
import { wasmBackend } from '../dist/src/backend/index.js';
import * as qr from '../dist/src/initializers/cholesky-qr.js';
import { Rng } from '../dist/src/util/random.js';
import { Sequential, layers } from '../dist/src/index.js';

const REPS = Number(process.env.REPS ?? 3);
const med = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[(s.length - 1) >> 1]; };
const be = wasmBackend();
for (const H of (process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [1024, 2048])) {
  const m = H, n = 4 * H, ldv = qr.paddedStride(n), sz = qr.choleskyQR2ScratchFloats(m, n);
  const V = be.alloc(m * ldv * 4), G = be.alloc(sz.G * 4), S = be.alloc(sz.S * 4), W = be.alloc(sz.W * 4);
  const ldg = qr.paddedStride(m);
  const t = {};
  const add = (k, ms) => (t[k] ??= []).push(ms);
  const time = (k, f) => { const t0 = performance.now(); const r = f(); add(k, performance.now() - t0); return r; };
  for (let r = 0; r < REPS; r++) {
    const v = new Float32Array(m * n);
    time('draw (fillNormal, Box–Muller)', () => new Rng(r + 1).fillNormal(v));
    time('draw (fillNormalPolar, what init uses)', () => new Rng(r + 1).fillNormalPolar(v));
    time('copy in', () => { const f = be.f32(); for (let j = 0; j < m; j++) f.set(v.subarray(j * n, j * n + n), (V >>> 2) + j * ldv); });
    for (let p = 0; p < 2; p++) {
      time(`pass ${p + 1} Gram`, () => qr.gramLower(be, G, ldg, V, ldv, m, n));
      time(`pass ${p + 1} Cholesky`, () => qr.choleskyLower(be, G, ldg, S, W, m));
      time(`pass ${p + 1} solve`, () => qr.solveLowerRows(be, V, ldv, G, ldg, S, W, m, n));
    }
    time('choleskyQR2 whole (1 or 2 passes)', () => { const f = be.f32(); for (let j = 0; j < m; j++) f.set(v.subarray(j * n, j * n + n), (V >>> 2) + j * ldv); qr.choleskyQR2(be, V, m, n, ldv, { G, S, W }); });
    time('orthogonality estimate (after)', () => qr.orthogonalityEstimate(be, V, m, n, ldv, G));
    time('copy out', () => { const out = new Float32Array(m * n), f = be.f32(); for (let j = 0; j < m; j++) out.set(f.subarray((V >>> 2) + j * ldv, (V >>> 2) + j * ldv + n), j * n); });
    time('LSTM(H) construct + getWeights', () => new Sequential([layers.lstm({ units: H, inputShape: [null, 32] })], { seed: 1 }).getWeights());
  }
  be.free(V); be.free(G); be.free(S); be.free(W);
  console.log(`H = ${H} (m = ${m}, n = ${n}), median of ${REPS}, load ${os.loadavg()[0].toFixed(1)}`);
  for (const [k, xs] of Object.entries(t)) console.log(`  ${k.padEnd(34)} ${med(xs).toFixed(0).padStart(6)} ms   [${xs.map((x) => x.toFixed(0)).join(', ')}]`);
}
