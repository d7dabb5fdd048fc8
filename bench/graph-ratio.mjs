// Same-run ratio of one Sequential LSTM step, before vs after: single steps alternated A/B,
// CPU time of this process (process.cpuUsage: robust to the machine's load) and wall time; medians.
//   BEFORE=<a built checkout>/dist/src/index.js node bench/graph-ratio.mjs   (after: this checkout's dist/)
//   (e.g. keep the worktree `npm run bench:compare -- --base <commit> --keep` builds); BE=js for the js backend, N steps.
import { fileURLToPath } from 'node:url';
if (!process.env.BEFORE) throw new Error('graph-ratio: set BEFORE to the dist/src/index.js of the build to compare against');
const builds = { before: process.env.BEFORE, after: fileURLToPath(new URL('../dist/src/index.js', import.meta.url)) };
const mods = {};
for (const [k, p] of Object.entries(builds)) { mods[k] = await import(p); await mods[k].init(); mods[k].setBackend(process.env.BE ?? 'wasm'); }
const B = 32, T = 20, I = 16, H = 64;
const xs = Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37));
const ys = Float32Array.from({ length: B }, (_, i) => (i % 2));
function make(m) {
  const model = new m.Sequential([m.layers.lstm({ units: H, inputShape: [T, I] }), m.layers.dense({ units: 1, activation: 'sigmoid' })], { seed: 1 });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return { model, x: m.tensor(xs, [B, T, I]), y: m.tensor(ys, [B, 1]) };
}
const inst = { before: make(mods.before), after: make(mods.after) };
const N = Number(process.env.N ?? 300);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const med = (a) => { const s = a.slice().sort((p, q) => p - q); return s[s.length >> 1]; };
for (const op of ['predict', 'train']) {
  const run = (k) => { const { model, x, y } = inst[k]; return op === 'predict' ? model.predict(x) : model.trainOnBatch(x, y); };
  for (const k of ['before', 'after']) for (let i = 0; i < 20; i++) run(k);
  const res = { before: { cpu: [], wall: [] }, after: { cpu: [], wall: [] } };
  for (let i = 0; i < N; i++) {
    for (const k of i % 2 ? ['after', 'before'] : ['before', 'after']) {
      const c0 = cpu(), t0 = performance.now();
      run(k);
      res[k].wall.push(performance.now() - t0); res[k].cpu.push(cpu() - c0);
    }
  }
  const r = (m) => `before ${med(res.before[m]).toFixed(3)} ms, after ${med(res.after[m]).toFixed(3)} ms, ratio ${(med(res.after[m]) / med(res.before[m])).toFixed(4)}`;
  console.log(`${op} (${process.env.BE ?? 'wasm'}, B${B} T${T} I${I} H${H}, ${N} alternated steps each): cpu ${r('cpu')}; wall ${r('wall')}`);
}
