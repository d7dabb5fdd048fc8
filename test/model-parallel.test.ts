/**
 * Data-parallel training: fit({ threads }) splits each batch across this
 * thread and threads − 1 workers. Workers run the built package (dist/), as a
 * user's would, so this file imports dist/ too (npm test builds it first).
 *
 * The reference is the same model trained with threads: 1: one SGD step (no
 * momentum) from the same weights on the same batch moves every weight by
 * −lr·gradient, so equal weights after the step mean equal gradients.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Sequential, layers, optimizers, tensor, setBackend, type LossIdentifier, type Tensor, type WeightValue } from '../dist/src/index.js';

/** The model's worker pool: an internal member (stripped from the published types). */
const workerPool = (m: Sequential) => (m as unknown as { parallel: { replicas: { terminate(): void }[] } | null }).parallel;
import { maxRelDiff } from './helpers/diff.js';
import { Rng } from '../dist/src/util/random.js';
import * as cores from '../dist/src/parallel/cores.js';
/** @internal test hook (stripped from the published types): pretend the machine has n hardware threads. */
const overrideHardwareThreads = (n: number | null) => (cores as unknown as { overrideHardwareThreads(n: number | null): void }).overrideHardwareThreads(n);

const made: Sequential[] = [];
afterAll(() => { for (const m of made) m.dispose(); });


const ids = (n: number, V: number, seed: number) => { const r = new Rng(seed); return Int32Array.from({ length: n }, () => r.int(V)); };

interface Case {
  what: string;
  make: () => Sequential;
  loss: LossIdentifier;
  x: Tensor;
  y: Tensor;
}

const V = 11, T = 6;
const cases: Case[] = [
  {
    what: 'Embedding → LSTM(seq) → Dense(softmax) per step, sparse CE (loss rows = B·T)',
    make: () => new Sequential([
      layers.embedding({ inputDim: V, outputDim: 5, inputLength: T }),
      layers.lstm({ units: 7, returnSequences: true }),
      layers.dense({ units: 4, activation: 'softmax' }),
    ], { seed: 3 }),
    loss: 'sparseCategoricalCrossentropy',
    x: tensor(ids(7 * T, V, 1), [7, T]),
    y: tensor(ids(7 * T, 4, 2), [7, T]),
  },
  {
    // the mask reaches the loss (Keras): chunks average over different numbers of valid steps
    what: 'masked Embedding → LSTM(seq) → Dense(softmax), sparse CE over valid steps only',
    make: () => new Sequential([
      layers.embedding({ inputDim: V, outputDim: 5, inputLength: T, maskZero: true }),
      layers.lstm({ units: 6, returnSequences: true }),
      layers.dense({ units: 4, activation: 'softmax' }),
    ], { seed: 5 }),
    loss: 'sparseCategoricalCrossentropy',
    x: tensor(ids(7 * T, 3, 5), [7, T]),
    y: tensor(ids(7 * T, 4, 6), [7, T]),
  },
  {
    what: 'masked Embedding → Bidirectional(GRU) → Dense(sigmoid), BCE',
    make: () => new Sequential([
      layers.embedding({ inputDim: V, outputDim: 4, inputLength: T, maskZero: true }),
      layers.bidirectional({ layer: layers.gru({ units: 5 }) }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ], { seed: 4 }),
    loss: 'binaryCrossentropy',
    x: tensor(ids(7 * T, V, 3), [7, T]),
    y: tensor(Float32Array.from({ length: 7 }, (_, i) => i % 2), [7, 1]),
  },
];

async function oneStep(c: Case, threads: number): Promise<{ weights: WeightValue[]; loss: number; acc: number }> {
  const m = c.make();
  made.push(m);
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: c.loss, metrics: ['accuracy'] });
  const h = await m.fit(c.x, c.y, { batchSize: 7, epochs: 1, shuffle: false, verbose: 0, threads });
  return { weights: m.getWeights(), loss: h.history.loss[0], acc: h.history.accuracy[0] };
}

describe('fit({ threads }) — data-parallel training', () => {
  for (const backend of ['wasm', 'js'] as const) for (const c of cases) {
    it(`gives the one-thread gradients on uneven chunks (7 rows → 3 threads: 2/2/3; 2 threads: 3/4) (${backend}, ${c.what})`, async () => {
      setBackend(backend);
      try {
        const one = await oneStep(c, 1);
        const start = c.make().getWeights();
        expect(maxRelDiff(one.weights, start)).toBeGreaterThan(1e-3); // the step really moved the weights
        for (const threads of [2, 3]) {
          overrideHardwareThreads(3); // a 2-core machine would clamp 3 to 2 (fit's bound); the split is what is tested here
          const par = await oneStep(c, threads).finally(() => overrideHardwareThreads(null));
          expect(maxRelDiff(par.weights, one.weights), `threads ${threads}`).toBeLessThan(1e-5);
          expect(par.loss).toBeCloseTo(one.loss, 6);
          expect(par.acc).toBe(one.acc);
        }
      } finally {
        setBackend('wasm');
      }
    });
  }

  it('learns: Embedding → LSTM on an order task (A before B) reaches ≥ 95% with threads: 2', async () => {
    // every sequence has a twin with A and B swapped and the opposite label: a bag of words cannot solve it
    const N = 600, L = 10, rng = new Rng(1);
    const x = new Int32Array(N * L), y = new Float32Array(N);
    for (let p = 0; p < N / 2; p++) {
      const a = rng.int(L);
      let b = rng.int(L - 1);
      if (b >= a) b++;
      for (let t = 0; t < L; t++) x[2 * p * L + t] = x[(2 * p + 1) * L + t] = 5 + rng.int(7);
      x[2 * p * L + a] = 3; x[2 * p * L + b] = 4; y[2 * p] = a < b ? 1 : 0;
      x[(2 * p + 1) * L + a] = 4; x[(2 * p + 1) * L + b] = 3; y[2 * p + 1] = a < b ? 0 : 1;
    }
    const m = new Sequential([layers.embedding({ inputDim: 12, outputDim: 8 }), layers.lstm({ units: 16 }), layers.dense({ units: 1, activation: 'sigmoid' })], { seed: 5 });
    made.push(m);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(tensor(x, [N, L]), tensor(y, [N, 1]), { epochs: 25, batchSize: 32, validationSplit: 1 / 6, verbose: 0, threads: 2 });
    expect(h.history.val_accuracy.at(-1)).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps its workers between fits; re-compiling, dispose() or a dead worker start fresh ones', async () => {
    const c = cases[0];
    const m = c.make();
    made.push(m);
    m.compile({ optimizer: 'sgd', loss: c.loss });
    await m.fit(c.x, c.y, { verbose: 0, threads: 2 });
    const pool = workerPool(m);
    expect(pool).not.toBeNull();
    await m.fit(c.x, c.y, { verbose: 0, threads: 2 });
    expect(workerPool(m)).toBe(pool);
    m.compile({ optimizer: 'sgd', loss: c.loss, metrics: ['accuracy'] });
    await m.fit(c.x, c.y, { verbose: 0, threads: 2 });
    expect(workerPool(m)).not.toBe(pool);
    const second = workerPool(m)!;
    // kill the worker behind the model's back: the next fit notices and starts a new one
    (second as unknown as { replicas: { terminate(): void }[] }).replicas[0].terminate();
    const h = await m.fit(c.x, c.y, { verbose: 0, threads: 2 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    expect(workerPool(m)).not.toBe(second);
    m.dispose();
    expect(workerPool(m)).toBeNull();
  });

  it('a worker dying mid-fit fails the fit with its name and leaves the weights of the last completed step', async () => {
    const c = cases[0];
    const m = c.make();
    made.push(m);
    m.compile({ optimizer: 'sgd', loss: c.loss });
    await m.fit(c.x, c.y, { verbose: 0, threads: 2, batchSize: 7 }); // starts the pool
    let before: WeightValue[] = [];
    const run = m.fit(c.x, c.y, {
      verbose: 0, threads: 2, batchSize: 4, epochs: 1, shuffle: false,
      callbacks: {
        onBatchBegin: (b: number) => {
          if (b !== 1) return;
          before = m.getWeights();
          (workerPool(m) as unknown as { replicas: { terminate(): void }[] }).replicas[0].terminate();
        },
      },
    });
    await expect(run).rejects.toThrow(/training worker 1/);
    expect(maxRelDiff(m.getWeights(), before)).toBe(0);
  });

  it('rejects bad thread counts and unsupported combinations with the argument named, changing nothing', async () => {
    const c = cases[0];
    const m = c.make();
    made.push(m);
    m.compile({ optimizer: 'sgd', loss: c.loss });
    const w0 = m.getWeights();
    for (const bad of [0, 1.5, -2, '2', null]) {
      await expect(m.fit(c.x, c.y, { verbose: 0, threads: bad as unknown as number })).rejects.toThrow(/threads must be an integer ≥ 1, got/);
    }
    await expect(m.fit(c.x, c.y, { verbose: 0, threads: 2, tbptt: { k1: 3 } })).rejects.toThrow(/threads: 2 cannot be combined with tbptt/);
    expect(maxRelDiff(m.getWeights(), w0)).toBe(0);
    expect(workerPool(m)).toBeNull();

    const s = new Sequential([layers.lstm({ units: 3, stateful: true, batchInputShape: [2, 4, 3] }), layers.dense({ units: 1 })], { seed: 1 });
    made.push(s);
    s.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(s.fit(tensor(new Float32Array(24), [2, 4, 3]), tensor(new Float32Array(2), [2, 1]), { verbose: 0, threads: 2 }))
      .rejects.toThrow(/threads: 2 cannot train a stateful model/);
  });

  it('an idle pool does not keep Node running: a script that trains with threads: 2 exits by itself', () => {
    const index = fileURLToPath(new URL('../dist/src/index.js', import.meta.url));
    const script = `
      const { Sequential, layers, tensor } = await import(${JSON.stringify(index)});
      const m = new Sequential([layers.lstm({ units: 4, inputShape: [5, 3] }), layers.dense({ units: 1 })], { seed: 1 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const h = await m.fit(tensor(new Float32Array(8 * 15).fill(0.5), [8, 5, 3]), tensor(new Float32Array(8).fill(1), [8, 1]), { verbose: 0, threads: 2 });
      console.log('trained', h.history.loss.length);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('trained 1');
    expect(r.status).toBe(0);
  });
});
