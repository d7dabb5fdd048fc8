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
 * layout), then one timed epoch. Both wall time and this process' CPU time
 * (process.cpuUsage: user + system, all threads) are reported: on a machine
 * shared with other jobs the wall times stretch, the CPU times much less.
 *
 *   npm run build:ts && node dist/bench/sentiment-vs-tfjs.js [--limit N]
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

export async function main(argv: string[] = []): Promise<{ oursMs: number; tfjsMs: number; oursCpuMs: number; tfjsCpuMs: number; oursThreads2Ms: number }> {
  const args = parseArgs(argv);
  const limit = numArg(args, 'limit', 0);
  await init();
  setSeed(42);
  const data = prepareSpam(loadSpam({ limit: limit || undefined }), { numWords: NUM_WORDS, maxlen: MAXLEN, seed: 42 });
  const x = data.xTrain, y = data.yTrain;
  const N = x.shape[0];
  console.log(`data: ${N} messages × ${MAXLEN} tokens, batch ${BATCH} (${Math.ceil(N / BATCH)} steps per epoch)`);
  const warm = { x: x.data.subarray(0, BATCH * MAXLEN), y: y.data.subarray(0, BATCH) };

  // ------------------------------------------------------------------ ours
  // one thread, then data-parallel on 2 (this thread + 1 worker), each from the same initial weights
  let initial: ReturnType<Sequential['getWeights']> | null = null;
  const oursEpoch = async (threads: number) => {
    const ours = new Sequential([
      layers.embedding({ inputDim: NUM_WORDS, outputDim: 32, inputLength: MAXLEN }),
      layers.lstm({ units: 32 }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ], { seed: 42 });
    ours.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    if (initial) ours.setWeights(initial);
    else initial = ours.getWeights();
    // warm-up batch (untimed); with threads > 1 it also starts the workers, timed separately
    const t0 = now();
    await ours.fit({ data: warm.x, shape: [BATCH, MAXLEN] }, { data: warm.y, shape: [BATCH, 1] }, { epochs: 1, batchSize: BATCH, verbose: 0, threads });
    const warmMs = now() - t0;
    const t = now();
    const c = process.cpuUsage();
    const h = await ours.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, threads });
    const ms = now() - t;
    const cpu = cpuMs(c);
    console.log(`lstm-wasm (${ours.memoryInfo().backend}, threads ${threads}, Embedding trained): ${(ms / 1000).toFixed(2)} s/epoch (CPU ${(cpu / 1000).toFixed(2)} s), loss ${h.history.loss[0].toFixed(4)}; warm-up batch${threads > 1 ? ' incl. worker start' : ''} ${warmMs.toFixed(0)} ms`);
    ours.dispose();
    return { ms, cpu };
  };
  const one = await oursEpoch(1);
  const two = await oursEpoch(2);
  const oursMs = one.ms, oursCpuMs = one.cpu;

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
  const w0 = initial!;
  perLayer.forEach((ids, l) => m.layers[l].setWeights(ids.map((i) => tf.tensor(w0[i].data, w0[i].shape))));
  const tx = tf.tensor2d(x.data as Int32Array, [N, MAXLEN], 'int32');
  const ty = tf.tensor2d(y.data as Float32Array, [N, 1]);
  const wx = tf.tensor2d(warm.x as Int32Array, [BATCH, MAXLEN], 'int32'), wy = tf.tensor2d(warm.y as Float32Array, [BATCH, 1]);
  await m.trainOnBatch(wx, wy);
  let step = 0;
  const t = now();
  const c = process.cpuUsage();
  const th = await m.fit(tx, ty, {
    epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0,
    callbacks: { onBatchEnd: async () => { if (++step % 5 === 0) process.stdout.write(`  tfjs: ${step} steps, ${((now() - t) / 1000).toFixed(0)} s\r`); } },
  });
  const tfjsMs = now() - t;
  const tfjsCpuMs = cpuMs(c);
  console.log(`tfjs 4.22 (${tf.getBackend()}, Embedding frozen): ${(tfjsMs / 1000).toFixed(2)} s/epoch (CPU ${(tfjsCpuMs / 1000).toFixed(2)} s), loss ${(th.history.loss[0] as number).toFixed(4)}`);
  console.log(`lstm-wasm, 1 thread, is ${(tfjsMs / oursMs).toFixed(1)}× faster per epoch in wall time, ${(tfjsCpuMs / oursCpuMs).toFixed(1)}× in CPU time (target ≥ 30×)`);
  console.log(`lstm-wasm, threads: 2, is ${(tfjsMs / two.ms).toFixed(1)}× faster per epoch in wall time (tfjs-backend-wasm runs one thread in Node: its threaded build is browser-only)`);
  tf.dispose([tx, ty, wx, wy]);
  return { oursMs, tfjsMs, oursCpuMs, tfjsCpuMs, oursThreads2Ms: two.ms };
}


if (isMain(import.meta.url)) runCli(main);
