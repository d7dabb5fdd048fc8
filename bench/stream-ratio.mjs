// Same-run ratio of one streaming predict step (stateful LSTM(128), batchInputShape [1, 1, 64]),
// before vs after: batches of K calls alternated A/B in one process, CPU time and wall time; medians.
//   BEFORE=<a built checkout>/dist/src/index.js node bench/stream-ratio.mjs   (after: this checkout's dist/)
//   BE=js for the js backend; N batches of K calls.
import { fileURLToPath } from 'node:url';
if (!process.env.BEFORE) throw new Error('stream-ratio: set BEFORE to the dist/src/index.js of the build to compare against');
const builds = { before: process.env.BEFORE, after: fileURLToPath(new URL('../dist/src/index.js', import.meta.url)) };
const be = process.env.BE ?? 'wasm';
const I = 64, H = 128;
const data = Float32Array.from({ length: I }, (_, i) => Math.sin(i * 0.37));
const inst = {};
for (const [k, p] of Object.entries(builds)) {
  const m = await import(p);
  await m.init();
  m.setBackend(be);
  const model = new m.Sequential([m.layers.lstm({ units: H, stateful: true, batchInputShape: [1, 1, I] })], { seed: 4 });
  inst[k] = { model, x: m.tensor(data, [1, 1, I]) };
}
const N = Number(process.env.N ?? 200), K = Number(process.env.K ?? 200);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const med = (a) => { const s = a.slice().sort((p, q) => p - q); return s[s.length >> 1]; };
const run = (k) => { const { model, x } = inst[k]; for (let i = 0; i < K; i++) model.predict(x); };
for (const k of ['before', 'after']) for (let i = 0; i < 20; i++) run(k);
const res = { before: { cpu: [], wall: [] }, after: { cpu: [], wall: [] } };
for (let i = 0; i < N; i++) {
  for (const k of i % 2 ? ['after', 'before'] : ['before', 'after']) {
    const c0 = cpu(), t0 = performance.now();
    run(k);
    res[k].wall.push((performance.now() - t0) / K); res[k].cpu.push((cpu() - c0) / K);
  }
}
const r = (m) => `before ${(med(res.before[m]) * 1e3).toFixed(2)} µs, after ${(med(res.after[m]) * 1e3).toFixed(2)} µs, ratio ${(med(res.after[m]) / med(res.before[m])).toFixed(4)}`;
console.log(`stream predict (${be}, [1, 1, ${I}] → LSTM(${H}) stateful, ${N} alternated batches of ${K}): cpu ${r('cpu')}; wall ${r('wall')}`);
