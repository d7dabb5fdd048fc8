/**
 * The Orthogonal initializer (orthonormalRowsGemm, CholeskyQR2 on the backend
 * GEMM): an LSTM(H) constructed and initialized — layers.lstm + Sequential +
 * getWeights(), which draws every initial weight — for growing H. Targets
 * (issue 9): LSTM(1024) ≤ 1 s, LSTM(2048) ≤ 5 s on the 2-core dev machine.
 * Beside it, the float64 modified Gram–Schmidt path (orthonormalRowsMGS, what
 * small matrices still use) on the same matrix where it finishes in seconds.
 * Napkin math: CholeskyQR2 with the products restricted to the lower
 * triangle is ≈ 2 passes × 2·m²·n flops (m = H, n = 4H): 8.6 GFLOP for H = 1024.
 */
import { Sequential, layers } from '../../src/index.js';
import { wasmBackend } from '../../src/backend/index.js';
import { orthonormalRowsMGS, orthonormalRowsGemm } from '../../src/initializers/orthogonal.js';
import { Rng } from '../../src/util/random.js';
import { fmt, QUICK, type Row, type Section } from '../lib.js';

/** max |Q·Qᵀ − I| over a sample of rows of the [m, n] row block q. */
function orthError(q: Float32Array | Float64Array, m: number, n: number): number {
  let worst = 0;
  const step = Math.max(1, Math.floor(m / 32));
  for (let a = 0; a < m; a += step) for (let b = 0; b < m; b++) {
    let d = 0;
    for (let i = 0; i < n; i++) d += q[a * n + i] * q[b * n + i];
    worst = Math.max(worst, Math.abs(d - (a === b ? 1 : 0)));
  }
  return worst;
}

/** Wall ms and this process's CPU ms (user + system) of one call: on a shared machine the CPU time is what a quiet run's wall time would be. */
function timeOnce(f: () => void): number {
  return timeBoth(f).wall;
}
function timeBoth(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  f();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

export async function suite(): Promise<Section[]> {
  const rows: Row[] = [];
  const sizes = QUICK ? [256, 512, 1024] : [256, 512, 1024, 2048];
  for (const H of sizes) {
    const reps = H >= 2048 ? 1 : 3;
    let best = Infinity, bestCpu = Infinity, weights: Float32Array | null = null;
    for (let r = 0; r < reps; r++) {
      const t = timeBoth(() => {
        const m = new Sequential([layers.lstm({ units: H, inputShape: [null, 32] })], { seed: 1 });
        weights = m.getWeights()[1].data; // recurrent_kernel [H, 4H]
      });
      best = Math.min(best, t.wall);
      bestCpu = Math.min(bestCpu, t.cpu);
    }
    const gemmMs = timeOnce(() => {
      const rng = new Rng(2), v = new Float32Array(H * 4 * H);
      rng.fillNormal(v);
      orthonormalRowsGemm(wasmBackend(), v, H, 4 * H);
    });
    let mgs = '—';
    if (H <= 512) {
      mgs = fmt(timeOnce(() => {
        const rng = new Rng(2), v = new Float64Array(H * 4 * H);
        rng.fillNormal(v);
        orthonormalRowsMGS(v, H, 4 * H);
      }));
    }
    rows.push({
      case: `LSTM(${H}) recurrent kernel [${H}, ${4 * H}]`,
      'constructed + initialized ms (best)': best,
      'same, CPU ms': bestCpu,
      'orthonormalRowsGemm ms': gemmMs,
      'orthonormalRowsMGS ms': mgs,
      'max |QQᵀ − I|': orthError(weights!, H, 4 * H).toExponential(2),
      'GFLOP/s (2 passes × 2m²n)': fmt((4 * H * H * 4 * H) / (gemmMs * 1e6)),
    });
  }
  return [{
    title: 'Orthogonal initializer (orthonormalRowsGemm: CholeskyQR2 on the wasm GEMM)',
    columns: ['case', 'constructed + initialized ms (best)', 'same, CPU ms', 'orthonormalRowsGemm ms', 'orthonormalRowsMGS ms', 'max |QQᵀ − I|', 'GFLOP/s (2 passes × 2m²n)'],
    rows,
    notes: [
      'Targets: LSTM(1024) ≤ 1000 ms, LSTM(2048) ≤ 5000 ms constructed + initialized. The old path (float64 QR in JS) took 8–10 s and 65–92 s.',
      'CPU ms is this process\'s user + system time for the same call: on a shared, overloaded machine it stands for the wall time of a quiet run.',
      'Times include drawing the normal matrix (H·4H Box–Muller draws) and the glorotUniform input kernel.',
    ],
  }];
}
