/**
 * fitDataset memory: train on a generator of ~1 GiB of float32 windows (2 MiB
 * batches, 512 of them) and record the process RSS after every batch. Only one
 * batch is alive at a time, so RSS should stay near the package's baseline,
 * far below the 1 GiB the windows would take as one array.
 *
 *   npm run build:ts && node dist/bench/fit-dataset-memory.js [GiB]
 */
import { init, Sequential, layers } from '../src/index.js';
import { Rng } from '../src/util/random.js';

const GiB = Number(process.argv[2] ?? 1);
const B = 512, T = 64, F = 16;
const batchBytes = B * T * F * 4;
const batches = Math.round((GiB * 2 ** 30) / batchBytes);

await init();
const model = new Sequential([layers.lstm({ units: 8, inputShape: [T, F] }), layers.dense({ units: 1 })], { seed: 1 });
model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });

function* windows() {
  const r = new Rng(2);
  for (let b = 0; b < batches; b++) {
    const xs = new Float32Array(B * T * F);
    for (let i = 0; i < xs.length; i++) xs[i] = r.next() - 0.5;
    const ys = new Float32Array(B);
    for (let i = 0; i < B; i++) ys[i] = xs[i * T * F];
    yield { xs: { data: xs, shape: [B, T, F] }, ys: { data: ys, shape: [B, 1] } };
  }
}

const mb = (n: number) => (n / 2 ** 20).toFixed(0);
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const t0 = performance.now();
await model.fitDataset(windows, {
  epochs: 1, verbose: 0,
  callbacks: [{ onBatchEnd: () => { peak = Math.max(peak, process.memoryUsage().rss); } }],
});
const s = (performance.now() - t0) / 1000;
console.log(`fitDataset over ${batches} batches of [${B}, ${T}, ${F}] float32 = ${(batches * batchBytes / 2 ** 30).toFixed(2)} GiB of windows in ${s.toFixed(1)} s`);
console.log(`RSS before ${mb(rss0)} MiB, peak during training ${mb(peak)} MiB (limit 500 MiB)`);
model.dispose();
if (peak > 500 * 2 ** 20) { console.error('RSS exceeded 500 MiB'); process.exit(1); }
