/**
 * The Orthogonal initializer (CholeskyQR2 on the backend GEMM, src/initializers/
 * cholesky-qr.ts): an LSTM(H) constructed and initialized — layers.lstm +
 * Sequential + getWeights(), which draws every initial weight — for growing H.
 * Targets (issue 9): LSTM(1024) ≤ 1 s, LSTM(2048) ≤ 5 s on the 2-core dev
 * machine, orthogonality error ≤ 1e-5. Beside it, orthonormalRowsGemm alone
 * (the QR without drawing the normals) and the float64 modified Gram–Schmidt
 * path (orthonormalRowsMGS, what small matrices still use) where it finishes
 * in seconds.
 * Napkin math: each pass is a Gram product and a triangular solve of m²·n flops
 * each (m = H, n = 4H) plus a Cholesky of m³/3, so 2 passes ≈ 4·m²·n: 17.2 GFLOP
 * for H = 1024, 137 GFLOP for H = 2048 — 0.39 s and 3.1 s at the GEMM's 44 GFLOP/s.
 * Drawing the 4H² normals (the polar method in JS, Rng.fillNormalPolar) adds ≈ 20 ns each. The
 * second CholeskyQR pass runs only when the first leaves |QQᵀ − I| above 1e-6 (rarely: a tall
 * normal matrix is well conditioned), so usually ≈ 2·m²·n.
 */
import os from 'node:os';
import { Sequential, layers } from '../../src/index.js';
import { wasmBackend } from '../../src/backend/index.js';
import { orthonormalRowsMGS, orthonormalRowsGemm } from '../../src/initializers/orthogonal.js';
import { Rng } from '../../src/util/random.js';
import { fmt, QUICK, type Row, type Section } from '../lib.js';

/** max |Q·Qᵀ − I| over a sample of rows of the [m, n] row block q (every row against every row). */
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

/** Wall ms and this process's CPU ms (user + system) of one call: on a shared machine the CPU time is closer to what a quiet run's wall time would be. */
function timeBoth(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  f();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => os.loadavg()[0].toFixed(1);

export async function suite(): Promise<Section[]> {
  const rows: Row[] = [];
  const sizes = QUICK ? [256, 512, 1024] : [256, 512, 1024, 2048];
  for (const H of sizes) {
    const reps = QUICK ? 1 : 3;
    const loadBefore = load();
    const walls: number[] = [], cpus: number[] = [];
    let weights: Float32Array | null = null;
    for (let r = 0; r < reps; r++) {
      const t = timeBoth(() => {
        const m = new Sequential([layers.lstm({ units: H, inputShape: [null, 32] })], { seed: 1 });
        weights = m.getWeights()[1].data; // recurrent_kernel [H, 4H]
      });
      walls.push(t.wall);
      cpus.push(t.cpu);
    }
    const v = new Float32Array(H * 4 * H);
    new Rng(2).fillNormal(v);
    const gemmMs = median(Array.from({ length: reps }, () => timeBoth(() => orthonormalRowsGemm(wasmBackend(), v, H, 4 * H)).wall));
    let mgs = '—';
    if (H <= 512) {
      const v64 = Float64Array.from(v);
      mgs = fmt(timeBoth(() => orthonormalRowsMGS(v64, H, 4 * H)).wall);
    }
    rows.push({
      case: `LSTM(${H}) recurrent kernel [${H}, ${4 * H}]`,
      'constructed + initialized ms (median)': median(walls),
      'same, CPU ms (median)': median(cpus),
      'orthonormalRowsGemm ms (median)': gemmMs,
      'orthonormalRowsMGS ms': mgs,
      'max |QQᵀ − I|': orthError(weights!, H, 4 * H).toExponential(2),
      'effective GFLOP/s (4m²n / QR ms)': fmt((4 * H * H * 4 * H) / (gemmMs * 1e6)),
      'load avg (1 min) before → after': `${loadBefore} → ${load()}`,
    });
  }
  return [{
    title: 'Orthogonal initializer (CholeskyQR2 on the wasm GEMM)',
    columns: ['case', 'constructed + initialized ms (median)', 'same, CPU ms (median)', 'orthonormalRowsGemm ms (median)',
      'orthonormalRowsMGS ms', 'max |QQᵀ − I|', 'effective GFLOP/s (4m²n / QR ms)', 'load avg (1 min) before → after'],
    rows,
    notes: [
      'Targets: LSTM(1024) ≤ 1000 ms, LSTM(2048) ≤ 5000 ms constructed + initialized (wall, median of 3); max |QQᵀ − I| ≤ 1e-5. The old path (float64 QR in JS) took 8–10 s and 65–92 s.',
      'CPU ms is this process\'s user + system time for the same call: on a shared, overloaded machine (load average above 2 on 2 cores) the wall time includes waiting for a core.',
      'Times include drawing the normal matrix (H·4H polar-method draws), the glorotUniform input kernel and the model\'s transient \'init\' block.',
      'Effective GFLOP/s counts the 4m²n flops of two CholeskyQR passes; the second runs only when the first leaves |QQᵀ − I| > 1e-6 (normally not), so the flops done are ≈ 2m²n plus 2·64·m·n for that check.',
      'H ≤ 256 take the float64 Gram–Schmidt path (under 2^28 flops); max |QQᵀ − I| samples 32 rows against all rows.',
    ],
  }];
}
