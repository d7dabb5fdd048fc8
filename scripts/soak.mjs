#!/usr/bin/env node
/**
 * Soak test: `npm run soak -- --minutes N` (default 1; needs `npm run build:ts`).
 *
 * Loops over several model kinds (LSTM, GRU, SimpleRNN, Bidirectional,
 * Embedding → LSTM, stateful LSTM, Dense) with random shapes, on both backends:
 * fit / predict / evaluate / save / load, then dispose() — or just drop the
 * model, to exercise reclaiming without dispose(). Every iteration checks that
 * the model's predictions equal (bit for bit) a fresh model given the same
 * weights, and that the loaded copy's equal the saved model's.
 *
 * Prints wasm memory, the JS heap, the live JS objects within it and RSS every minute
 * (`--interval S` to sample more often). The first minute (or the first half of a shorter run)
 * is the warm-up: it starts with every kind's largest shapes, so it sets the high-water marks,
 * and its last sample is the baseline. Exits 1 if any result differs, or if wasm memory, the JS
 * backend's memory, the live JS objects or RSS grow by more than 5% over the baseline.
 *
 * Why live objects and not V8's heapUsed: heapUsed also holds V8's JIT output (optimized code,
 * deoptimization data, feedback vectors, dependent-code lists), which keeps growing for many
 * minutes as random shapes warm more paths of a library whose data lives in wasm memory, so its
 * heap is only ~8 MiB (heap snapshots at 2 and 8 minutes: +330 KB, all of it V8 code and
 * metadata; the program's objects +0.03%). Live JS objects are counted with v8.queryObjects (see
 * liveObjects); heapUsed and V8's code size are printed beside the count, not judged.
 * `npm run soak` pins V8's young generation (--min/max-semi-space-size=16): left
 * adaptive, it grows from 1 to 16 MiB per semi-space during the first minutes
 * under this allocation rate, which shows as RSS growth that is not the library's.
 */
import { setFlagsFromString, getHeapCodeStatistics, queryObjects } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Sequential, layers, tensor, setBackend, io } from '../dist/src/index.js';
import { wasmBackend, jsBackend } from '../dist/src/backend/index.js';
import { Rng } from '../dist/src/util/random.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0)) throw new Error(`soak: --${name} must be a positive number, got ${process.argv[i + 1]}`);
  return v;
}
const minutes = arg('minutes', 1);
/** Seconds between samples (default 60; e.g. `--minutes 1 --interval 15` for a short CI run). */
const interval = arg('interval', 60);
const seed = arg('seed', 1);
const rng = new Rng(seed);
const pick = (a) => a[rng.int(a.length)];
const between = (lo, hi) => lo + rng.int(hi - lo + 1);

const KINDS = ['lstm', 'gru', 'rnn', 'bidi', 'embed', 'stateful', 'dense'];

/** A model description: everything needed to build the same model twice. */
function randomSpec() {
  const kind = pick(KINDS);
  const B = kind === 'stateful' ? pick([2, 4]) : between(1, 48);
  return { kind, B, N: B * between(1, 3), T: between(1, 30), I: between(1, 8), H: between(1, 24), V: between(5, 300), out: between(1, 4) };
}

function build(s, seed) {
  const rec = { units: s.H, returnSequences: false };
  let ls;
  switch (s.kind) {
    case 'lstm': ls = [layers.lstm({ ...rec, inputShape: [null, s.I] })]; break;
    case 'gru': ls = [layers.gru({ ...rec, inputShape: [null, s.I] })]; break;
    case 'rnn': ls = [layers.simpleRNN({ ...rec, inputShape: [null, s.I] })]; break;
    case 'bidi': ls = [layers.bidirectional({ layer: layers.lstm({ ...rec, returnSequences: true }), inputShape: [null, s.I] }), layers.gru({ units: s.H })]; break;
    case 'embed': ls = [layers.embedding({ inputDim: s.V, outputDim: s.I }), layers.lstm(rec)]; break;
    case 'stateful': ls = [layers.lstm({ ...rec, stateful: true, batchInputShape: [s.B, s.T, s.I] })]; break;
    case 'dense': ls = [layers.dense({ units: s.H, activation: 'relu', inputShape: [s.I] })]; break;
  }
  const m = new Sequential([...ls, layers.dense({ units: s.out })], { seed });
  m.compile({ optimizer: s.largest ? 'adam' : pick(['adam', 'rmsprop', 'sgd']), loss: 'meanSquaredError' });
  return m;
}

function data(s) {
  const n = s.kind === 'stateful' ? s.B : s.N;
  const x = s.kind === 'embed'
    ? tensor(Int32Array.from({ length: n * s.T }, () => rng.int(s.V)), [n, s.T], 'int32')
    : s.kind === 'dense'
      ? tensor(Float32Array.from({ length: n * s.I }, () => rng.uniform(-1, 1)), [n, s.I])
      : tensor(Float32Array.from({ length: n * s.T * s.I }, () => rng.uniform(-1, 1)), [n, s.T, s.I]);
  const y = tensor(Float32Array.from({ length: n * s.out }, () => rng.uniform(-1, 1)), [n, s.out]);
  return { x, y };
}

const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
let failures = 0, iterations = 0;
function check(ok, what, s) {
  if (ok) return;
  failures++;
  console.log(`MISMATCH: ${what} (${JSON.stringify(s)})`);
}

/** The largest shapes randomSpec() draws, per kind: run first, so the first minute sets every high-water mark. */
const LARGEST = KINDS.map((kind) => ({ kind, B: kind === 'stateful' ? 4 : 48, N: kind === 'stateful' ? 4 : 144, T: 30, I: 8, H: 24, V: 300, out: 4, largest: true }));

async function iteration(spec) {
  const s = spec ?? randomSpec();
  setBackend(spec ? (iterations % 2 ? 'js' : 'wasm') : rng.next() < 0.3 ? 'js' : 'wasm');
  const m = build(s, iterations + 1);
  const { x, y } = data(s);
  await m.fit(x, y, { epochs: between(1, 2), batchSize: s.kind === 'stateful' ? s.B : s.largest ? 32 : between(1, 32), shuffle: s.kind !== 'stateful', verbose: 0 });
  if (s.kind === 'stateful') m.resetStates();
  const p = m.predict(x, { batchSize: s.kind === 'stateful' ? s.B : undefined }).data;
  const ev = m.evaluate(x, y, { batchSize: s.kind === 'stateful' ? s.B : undefined });
  check(Number.isFinite(ev.loss), 'evaluate loss not finite', s);
  // a fresh model given the same weights predicts the same numbers
  const fresh = build(s, 12345);
  fresh.setWeights(m.getWeights());
  if (s.kind === 'stateful') { m.resetStates(); }
  const pm = m.predict(x, { batchSize: s.kind === 'stateful' ? s.B : undefined }).data;
  const pf = fresh.predict(x, { batchSize: s.kind === 'stateful' ? s.B : undefined }).data;
  check(same(pm, pf), 'predict differs from a fresh model with the same weights', s);
  check(s.kind === 'stateful' || same(p, pm), 'predict differs between two calls', s);
  // save → load round trip
  let art;
  await m.save(io.withSaveHandler((a) => { art = a; }));
  const loaded = await io.loadModel(io.fromMemory(art));
  const pl = loaded.predict(x, { batchSize: s.kind === 'stateful' ? s.B : undefined }).data;
  check(same(pf, pl), 'loaded model predicts differently', s);
  // dispose some, drop the others (reclaimed by the FinalizationRegistry)
  if (rng.next() < 0.5) { m.dispose(); fresh.dispose(); loaded.dispose(); }
  iterations++;
}

/**
 * How many JS objects the program holds (after a full collection): every object, array, function,
 * Map, typed array … whose prototype chain reaches Object.prototype (v8.queryObjects). V8's code,
 * feedback vectors and hidden classes are not JS objects, so they are not counted. A heap snapshot
 * would give bytes too, but taking one leaves V8 tracking object moves and grew RSS by ~0.3 MiB a
 * minute afterwards; this count leaves nothing behind.
 */
function liveObjects() {
  const warn = process.emitWarning;
  process.emitWarning = () => {}; // queryObjects is marked experimental in Node 20; say it once, here
  try {
    return queryObjects(Object, { format: 'count' });
  } finally {
    process.emitWarning = warn;
  }
}

async function sample() {
  gc();
  gc();
  const objects = liveObjects();
  const w = wasmBackend(), j = jsBackend(), code = getHeapCodeStatistics(), mu = process.memoryUsage();
  return {
    iterations, wasm: w.memoryBytes(), js: j.memoryBytes(), heap: mu.heapUsed, objects, rss: mu.rss,
    code: code.code_and_metadata_size + code.bytecode_and_metadata_size,
    used: w.heapUsedBytes() + j.heapUsedBytes(), ...(process.env.SOAK_DEBUG ? { mu } : {}),
  };
}
const MB = (n) => (n / 2 ** 20).toFixed(1).padStart(8);

const t0 = Date.now();
const samples = [];
console.log(`soak: ${minutes} minute(s), seed ${seed}`);
console.log('  time  iterations  wasm MiB  js-backend MiB  JS heap MiB  (V8 code MiB)  live JS objects   RSS MiB  (backend heap in use MiB)');
const periods = Math.max(1, Math.round((minutes * 60) / interval));
for (let p = 1; p <= periods; p++) {
  while (Date.now() - t0 < p * interval * 1000) {
    await iteration(iterations < 2 * LARGEST.length ? LARGEST[iterations % LARGEST.length] : undefined);
    // V8 cannot see backend memory, so a small JS heap may go long without a major GC while
    // dropped models pile up; collect after every iteration and let the finalizers run, so the
    // high-water mark is one iteration's models, whatever the GC's timing
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
  await new Promise((r) => setTimeout(r, 0));
  const s = await sample();
  samples.push(s);
  const at = `${Math.floor((p * interval) / 60)}:${String((p * interval) % 60).padStart(2, '0')}`;
  if (s.mu) console.log(JSON.stringify(Object.fromEntries(Object.entries(s.mu).map(([k, v]) => [k, +(v / 2 ** 20).toFixed(1)]))));
  console.log(`${at.padStart(6)}  ${String(iterations).padStart(10)}  ${MB(s.wasm)}  ${MB(s.js)}        ${MB(s.heap)}     (${MB(s.code)})  ${String(s.objects).padStart(15)}  ${MB(s.rss)}  (${MB(s.used).trim()})`);
}
// the baseline: the last sample of the warm-up (the first minute, or the first half of a shorter run)
// and not before the largest shapes have run (a loaded machine may take longer than that)
const warmup = Math.min(60, (periods * interval) / 2);
const warm = samples.findIndex((x, i) => (i + 1) * interval >= warmup && x.iterations >= 2 * LARGEST.length);
const first = warm < 0 ? samples.length - 1 : warm;
const base = samples[first];
const later = samples.slice(first + 1);
const show = (key, v) => (key === 'objects' ? `${v} objects` : `${MB(v).trim()} MiB`);
const KEYS = { wasm: 'wasm', js: 'js-backend', objects: 'live JS objects', rss: 'rss' };
const growth = [];
const pct = (key) => (later.length ? 100 * (Math.max(...later.map((x) => x[key])) / base[key] - 1) : 0);
for (const [key, name] of Object.entries(KEYS)) {
  if (pct(key) > 5) growth.push(`${name} grew ${pct(key).toFixed(1)}% after the warm-up (${show(key, base[key])} → ${show(key, Math.max(...later.map((x) => x[key])))})`);
}
const lastHeap = samples[samples.length - 1].heap;
console.log(`summary: ${iterations} iterations in ${((Date.now() - t0) / 60000).toFixed(1)} min, ${failures} mismatches; `
  + `growth after the warm-up (baseline at ${Math.floor(((first + 1) * interval) / 60)}:${String(((first + 1) * interval) % 60).padStart(2, '0')}): ${Object.entries(KEYS).map(([k, n]) => `${n} ${pct(k).toFixed(1)}%`).join(', ')}`
  + ` (not judged: JS heap ${(100 * (lastHeap / base.heap - 1)).toFixed(1)}%, V8 code ${MB(base.code).trim()} → ${MB(samples[samples.length - 1].code).trim()} MiB)`
  + `${later.length ? '' : ' (no samples after the warm-up: run longer, or use --interval)'}`);
for (const g of growth) console.log(`FAIL: ${g}`);
process.exit(failures || growth.length ? 1 : 0);
