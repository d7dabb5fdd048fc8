// Same-run ratio of one Sequential LSTM step, before vs after: steps alternated A/B in one process,
// CPU time of this process (process.cpuUsage: robust to the machine's load) and wall time; medians.
//   predict / train: one step of LSTM(64) → Dense on [32, 20, 16];
//   stream: one streaming predict of a stateful LSTM(128), batchInputShape [1, 1, 64] (timed in groups of 200 calls);
//   alternate: one trainOnBatch then one predict of a batch of 4 on the predict/train model (a train-and-act loop).
//   BEFORE=<a built checkout>/dist/src/index.js node bench/graph-ratio.mjs   (after: this checkout's dist/)
//   (e.g. keep the worktree `npm run bench:compare -- --base <commit> --keep` builds); BE=js for the js backend,
//   N samples per op, OPS=stream (comma-separated) for some of the ops, PLACES model instances per build (default 4).
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
function makeStream(m) {
  const model = new m.Sequential([m.layers.lstm({ units: 128, stateful: true, batchInputShape: [1, 1, 64] })], { seed: 4 });
  return { model, x: m.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37)), [1, 1, 64]) };
}
// PLACES model instances per build, used in turn: the same model at another place in memory runs up to ~3%
// faster or slower (measured: 6 identical models, one build, alternated: 1.000–1.035), so one instance per
// build would compare placements as much as code; pooling the instances averages that out.
const PLACES = Number(process.env.PLACES ?? 4);
const many = (f) => ({ before: Array.from({ length: PLACES }, () => f(mods.before)), after: Array.from({ length: PLACES }, () => f(mods.after)) });
const inst = many(make);
const stream = many(makeStream);
const probe = { before: mods.before.tensor(xs.slice(0, 4 * T * I), [4, T, I]), after: mods.after.tensor(xs.slice(0, 4 * T * I), [4, T, I]) };
const N = Number(process.env.N ?? 300);
const GROUP = 200; // streaming calls per timed sample (one call is ~15 µs)
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const med = (a) => { const s = a.slice().sort((p, q) => p - q); return s[s.length >> 1]; };
for (const op of process.env.OPS?.split(',') ?? ['predict', 'train', 'stream', 'alternate']) {
  const reps = op === 'stream' ? GROUP : 1;
  const run = (k, j) => {
    if (op === 'stream') { const { model, x } = stream[k][j]; for (let i = 0; i < GROUP; i++) model.predict(x); return; }
    const { model, x, y } = inst[k][j];
    if (op === 'alternate') { model.trainOnBatch(x, y); return model.predict(probe[k]); }
    return op === 'predict' ? model.predict(x) : model.trainOnBatch(x, y);
  };
  for (const k of ['before', 'after']) for (let j = 0; j < PLACES; j++) for (let i = 0; i < 20; i++) run(k, j);
  const res = { before: { cpu: [], wall: [] }, after: { cpu: [], wall: [] } };
  const byPlace = { before: Array.from({ length: PLACES }, () => []), after: Array.from({ length: PLACES }, () => []) };
  for (let i = 0; i < N; i++) {
    const j = i % PLACES;
    for (const k of i % (2 * PLACES) < PLACES ? ['before', 'after'] : ['after', 'before']) {
      const c0 = cpu(), t0 = performance.now();
      run(k, j);
      const c = (cpu() - c0) / reps;
      res[k].wall.push((performance.now() - t0) / reps); res[k].cpu.push(c); byPlace[k][j].push(c);
    }
  }
  const spread = (k) => { const m = byPlace[k].map(med); return (Math.max(...m) / Math.min(...m)).toFixed(3); };
  const r = (m) => `before ${med(res.before[m]).toFixed(4)} ms, after ${med(res.after[m]).toFixed(4)} ms, ratio ${(med(res.after[m]) / med(res.before[m])).toFixed(4)}`;
  const what = op === 'stream' ? `stateful LSTM(128) [1, 1, 64], ${N} alternated groups of ${GROUP} calls, per call` : op === 'alternate' ? `trainOnBatch B${B} then predict B4, T${T} I${I} H${H}, ${N} alternated pairs each` : `B${B} T${T} I${I} H${H}, ${N} alternated steps each`;
  if (process.env.SHOW_PLACES) for (const k of ["before", "after"]) console.log(`  ${op} ${k} per instance:`, byPlace[k].map((a) => med(a).toFixed(4)).join(" "));
  const places = PLACES > 1 ? `; cpu max/min over the ${PLACES} instances: before ${spread('before')}, after ${spread('after')}` : '';
  console.log(`${op} (${process.env.BE ?? 'wasm'}, ${what}): cpu ${r('cpu')}; wall ${r('wall')}${places}`);
}
