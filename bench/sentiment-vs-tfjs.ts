/**
 * Side by side: one epoch of the `sentiment` example's model
 *
 *   Embedding(10000, 32) → LSTM(32) → Dense(1, sigmoid), rmsprop, binaryCrossentropy
 *
 * trained here (wasm kernels) and with TensorFlow.js 4.22 on its WebAssembly
 * backend (@tensorflow/tfjs-backend-wasm), on identical data (SpamAssassin,
 * the example's preprocessing: 4,837 training messages × 200 tokens), batch
 * 128, shuffled, same initial weights. TensorFlow.js' Embedding is frozen
 * (trainable: false) because tfjs-backend-wasm has no gradient kernel for its
 * gather; ours trains the Embedding as well, so it does strictly more work.
 *
 * Each side gets one untimed warm-up batch (kernel compilation, JIT, memory
 * layout), then timed epochs in interleaved rounds (`--rounds N`, default 2:
 * ours on 1 thread, ours with threads: 2, tfjs — then again), so a load swing on
 * this shared machine hits all three; ratios are paired within each round. Both wall time and this process' CPU time
 * (process.cpuUsage: user + system, all threads) are reported: on a machine
 * shared with other jobs the wall times stretch, the CPU times much less.
 *
 *   npm run build:ts && node dist/bench/sentiment-vs-tfjs.js [--limit N] [--rounds N]
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { init, layers, Sequential, setSeed } from '../src/index.js';
import { isMain, now, numArg, parseArgs, runCli } from '../examples/lib/common.js';
import { loadSpam, prepareSpam } from '../examples/lib/spam.js';
import { NUM_WORDS, MAXLEN, BATCH } from '../examples/lib/spam-classifier.js';

// the sentiment example's own settings, so the comparison always matches it

/** CPU milliseconds (user + system) of this process since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

interface Epoch { ms: number; cpu: number; loss: number }
const median = (v: number[]) => { const s = v.slice().sort((p, q) => p - q); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

export async function main(argv: string[] = []): Promise<{ oursMs: number; tfjsMs: number; oursCpuMs: number; tfjsCpuMs: number; oursThreads2Ms: number }> {
  const args = parseArgs(argv);
  const limit = numArg(args, 'limit', 0);
  const rounds = numArg(args, 'rounds', 2);
  await init();
  setSeed(42);
  const data = prepareSpam(loadSpam({ limit: limit || undefined }), { numWords: NUM_WORDS, maxlen: MAXLEN, seed: 42 });
  const x = data.xTrain, y = data.yTrain;
  const N = x.shape[0];
  console.log(`data: ${N} messages × ${MAXLEN} tokens, batch ${BATCH} (${Math.ceil(N / BATCH)} steps per epoch); ${rounds} interleaved round(s): ours 1 thread, ours threads 2, tfjs-wasm`);
  const warm = { x: x.data.subarray(0, BATCH * MAXLEN), y: y.data.subarray(0, BATCH) };

  // ------------------------------------------------------------------ ours
  // one thread, and data-parallel on 2 (this thread + 1 worker), both from the same initial weights
  const ourModel = () => {
    const m = new Sequential([
      layers.embedding({ inputDim: NUM_WORDS, outputDim: 32, inputLength: MAXLEN }),
      layers.lstm({ units: 32 }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ], { seed: 42 });
    m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const one = ourModel(), two = ourModel();
  const initial = one.getWeights();
  two.setWeights(initial);
  // warm-up batch (untimed); with threads > 1 it also starts the workers
  for (const [m, threads] of [[one, 1], [two, 2]] as const) {
    const t0 = now();
    await m.fit({ data: warm.x, shape: [BATCH, MAXLEN] }, { data: warm.y, shape: [BATCH, 1] }, { epochs: 1, batchSize: BATCH, verbose: 0, threads });
    console.log(`lstm-wasm threads ${threads}: warm-up batch${threads > 1 ? ' incl. worker start' : ''} ${(now() - t0).toFixed(0)} ms`);
  }
  const oursEpoch = async (m: Sequential, threads: number): Promise<Epoch> => {
    const t = now();
    const c = process.cpuUsage();
    const h = await m.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, threads });
    return { ms: now() - t, cpu: cpuMs(c), loss: h.history.loss[0] };
  };

  // ---------------------------------------------------------- TensorFlow.js
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  const m = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: NUM_WORDS, outputDim: 32, inputLength: MAXLEN, trainable: false }),
      tf.layers.lstm({ units: 32 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  m.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  // layer by layer: tfjs' model-level order puts trainable weights before the frozen Embedding
  const perLayer = [[0], [1, 2, 3], [4, 5]];
  perLayer.forEach((ids, l) => m.layers[l].setWeights(ids.map((i) => tf.tensor(initial[i].data, initial[i].shape))));
  const tx = tf.tensor2d(x.data as Int32Array, [N, MAXLEN], 'int32');
  const ty = tf.tensor2d(y.data as Float32Array, [N, 1]);
  const wx = tf.tensor2d(warm.x as Int32Array, [BATCH, MAXLEN], 'int32'), wy = tf.tensor2d(warm.y as Float32Array, [BATCH, 1]);
  await m.trainOnBatch(wx, wy);
  const tfjsEpoch = async (): Promise<Epoch> => {
    let step = 0;
    const t = now();
    const c = process.cpuUsage();
    const th = await m.fit(tx, ty, {
      epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0,
      callbacks: { onBatchEnd: async () => { if (++step % 5 === 0) process.stdout.write(`  tfjs: ${step} steps, ${((now() - t) / 1000).toFixed(0)} s\r`); } },
    });
    return { ms: now() - t, cpu: cpuMs(c), loss: th.history.loss[0] as number };
  };

  // ------------------------------------------------------- interleaved rounds
  const res: Record<'one' | 'two' | 'tfjs', Epoch[]> = { one: [], two: [], tfjs: [] };
  const line = (what: string, e: Epoch) => console.log(`  ${what}: ${(e.ms / 1000).toFixed(2)} s/epoch (CPU ${(e.cpu / 1000).toFixed(2)} s), loss ${e.loss.toFixed(4)}`);
  for (let r = 0; r < rounds; r++) {
    console.log(`round ${r + 1}/${rounds}`);
    res.one.push(await oursEpoch(one, 1)); line('lstm-wasm (wasm, 1 thread, Embedding trained)', res.one[r]);
    res.two.push(await oursEpoch(two, 2)); line('lstm-wasm (wasm, threads 2, Embedding trained)', res.two[r]);
    res.tfjs.push(await tfjsEpoch()); line(`tfjs 4.22 (${tf.getBackend()}, Embedding frozen)         `, res.tfjs[r]);
  }
  const paired = (k: 'one' | 'two', f: (e: Epoch) => number) => res.tfjs.map((t, r) => f(t) / f(res[k][r]));
  const say = (v: number[]) => `${median(v).toFixed(1)}× (per round ${v.map((z) => z.toFixed(1)).join(', ')})`;
  console.log(`lstm-wasm, 1 thread, is ${say(paired('one', (e) => e.ms))} faster per epoch in wall time, ${say(paired('one', (e) => e.cpu))} in CPU time (target ≥ 30×)`);
  console.log(`lstm-wasm, threads: 2, is ${say(paired('two', (e) => e.ms))} faster per epoch in wall time, on 2 cores (tfjs-backend-wasm runs one thread in Node: its threaded build is browser-only)`);
  tf.dispose([tx, ty, wx, wy]);
  one.dispose();
  two.dispose();
  const med = (k: 'one' | 'two' | 'tfjs', f: (e: Epoch) => number) => median(res[k].map(f));
  return {
    oursMs: med('one', (e) => e.ms), tfjsMs: med('tfjs', (e) => e.ms), oursCpuMs: med('one', (e) => e.cpu),
    tfjsCpuMs: med('tfjs', (e) => e.cpu), oursThreads2Ms: med('two', (e) => e.ms),
  };
}


if (isMain(import.meta.url)) runCli(main);
