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
 * Prints wasm memory, the JS heap (after gc) and RSS every minute (`--interval S`
 * to sample more often). The first minute starts with every kind's largest shapes,
 * so it sets the high-water marks. Exits 1 if any result differs, or if any of
 * them grows by more than 5% over its value at the end of the first minute.
 * `npm run soak` pins V8's young generation (--min/max-semi-space-size=16): left
 * adaptive, it grows from 1 to 16 MiB per semi-space during the first minutes
 * under this allocation rate, which shows as RSS growth that is not the library's.
 */
import { setFlagsFromString } from 'node:v8';
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

function sample() {
  gc();
  gc();
  const w = wasmBackend(), j = jsBackend();
  return {
    wasm: w.memoryBytes(), js: j.memoryBytes(), heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss,
    used: w.heapUsedBytes() + j.heapUsedBytes(), ...(process.env.SOAK_DEBUG ? { mu: process.memoryUsage() } : {}),
  };
}
const MB = (n) => (n / 2 ** 20).toFixed(1).padStart(8);

const t0 = Date.now();
const samples = [];
console.log(`soak: ${minutes} minute(s), seed ${seed}`);
console.log('  time  iterations  wasm MiB  js-backend MiB  JS heap MiB   RSS MiB  (backend heap in use MiB)');
const periods = Math.max(1, Math.round((minutes * 60) / interval));
for (let p = 1; p <= periods; p++) {
  while (Date.now() - t0 < p * interval * 1000) {
    await iteration(p === 1 && iterations < 2 * LARGEST.length ? LARGEST[iterations % LARGEST.length] : undefined);
    // V8 cannot see backend memory, so a small JS heap may go long without a major GC while
    // dropped models pile up; collect after every iteration and let the finalizers run, so the
    // high-water mark is one iteration's models, whatever the GC's timing
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
  await new Promise((r) => setTimeout(r, 0));
  const s = sample();
  samples.push(s);
  const at = `${Math.floor((p * interval) / 60)}:${String((p * interval) % 60).padStart(2, '0')}`;
  if (s.mu) console.log(JSON.stringify(Object.fromEntries(Object.entries(s.mu).map(([k, v]) => [k, +(v / 2 ** 20).toFixed(1)]))));
  console.log(`${at.padStart(6)}  ${String(iterations).padStart(10)}  ${MB(s.wasm)}  ${MB(s.js)}        ${MB(s.heap)}  ${MB(s.rss)}  (${MB(s.used).trim()})`);
}
// the baseline: the first sample at or after one minute (the warm-up ran the largest shapes)
const at1 = samples.findIndex((_, i) => (i + 1) * interval >= 60);
const first = at1 < 0 ? samples.length - 1 : at1;
const base = samples[first];
const later = samples.slice(first + 1);
const growth = [];
const pct = (key) => (later.length ? 100 * (Math.max(...later.map((x) => x[key])) / base[key] - 1) : 0);
for (const key of ['wasm', 'js', 'heap', 'rss']) {
  if (pct(key) > 5) growth.push(`${key} grew ${pct(key).toFixed(1)}% after the first minute (${MB(base[key]).trim()} → ${MB(Math.max(...later.map((x) => x[key]))).trim()} MiB)`);
}
console.log(`summary: ${iterations} iterations in ${((Date.now() - t0) / 60000).toFixed(1)} min, ${failures} mismatches; `
  + `growth after the first minute: ${['wasm', 'js', 'heap', 'rss'].map((k) => `${k} ${pct(k).toFixed(1)}%`).join(', ')}`
  + `${later.length ? '' : ' (no samples after the first minute: run longer, or use --interval)'}`);
for (const g of growth) console.log(`FAIL: ${g}`);
process.exit(failures || growth.length ? 1 : 0);
