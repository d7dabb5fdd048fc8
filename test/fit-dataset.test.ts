/**
 * model.fitDataset / evaluateDataset. The reference is model.fit / evaluate on
 * the same batches: fit({ shuffle: false, batchSize: b }) takes rows in order,
 * so a dataset yielding those same batches must give bit-identical weights,
 * history and callback logs — the one epoch loop both run. Workers (threads)
 * load dist/, so this file imports dist/ like the data-parallel test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Sequential, layers, tensor, data, type Tensor, type Callback } from '../dist/src/index.js';
import { Rng } from '../dist/src/util/random.js';

const made: Sequential[] = [];
afterAll(() => { for (const m of made) m.dispose(); });

const N = 23, T = 5, F = 3;
const r = new Rng(1);
const X = tensor(Float32Array.from({ length: N * T * F }, () => r.uniform(-1, 1)), [N, T, F]);
const Y = tensor(Float32Array.from({ length: N }, () => r.uniform(-1, 1)), [N, 1]);

function modelNoMetric(seed = 7) {
  const m = new Sequential([layers.lstm({ units: 6, inputShape: [T, F] }), layers.dense({ units: 1 })], { seed });
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  made.push(m);
  return m;
}

function rowsOf(t: Tensor, a: number, b: number): Tensor {
  const row = t.data.length / t.shape[0];
  return tensor(t.data.slice(a * row, b * row), [b - a, ...t.shape.slice(1)]);
}
function* batches(bs: number, form: 'object' | 'pair' = 'object') {
  for (let a = 0; a < N; a += bs) {
    const x = rowsOf(X, a, Math.min(N, a + bs)), y = rowsOf(Y, a, Math.min(N, a + bs));
    yield form === 'object' ? { xs: x, ys: y } : [x, y] as [Tensor, Tensor];
  }
}
async function* asyncBatches(bs: number) {
  for (const b of batches(bs)) { await new Promise((res) => setTimeout(res, 0)); yield b; }
}
const recorder = () => {
  const log: string[] = [];
  const cb: Callback = {
    onEpochBegin: (e) => { log.push(`epoch ${e}`); },
    onBatchEnd: (b, l) => { log.push(`batch ${b} ${JSON.stringify(l)}`); },
    onEpochEnd: (e, l) => { log.push(`end ${e} ${JSON.stringify(l)}`); },
  };
  return { log, cb };
};
const weightsEqual = (a: Sequential, b: Sequential) => a.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.getWeights()[i].data)));

describe('fitDataset', () => {
  for (const form of ['function → generator', 'array of [x, y] batches', 'async generator function'] as const) {
    it(`equals fit({ shuffle: false }) bit for bit: weights, history, callback logs (${form})`, async () => {
      const a = modelNoMetric(), b = modelNoMetric();
      const ra = recorder(), rb = recorder();
      const ha = await a.fit(X, Y, { epochs: 3, batchSize: 5, shuffle: false, verbose: 0, callbacks: [ra.cb], validationData: [X, Y] });
      const ds = form === 'function → generator' ? () => batches(5) : form === 'array of [x, y] batches' ? [...batches(5, 'pair')] : () => asyncBatches(5);
      const hb = await b.fitDataset(ds, { epochs: 3, verbose: 0, callbacks: [rb.cb], validationData: [X, Y] });
      weightsEqual(a, b);
      expect(hb.history).toEqual(ha.history);
      expect(rb.log).toEqual(ra.log);
      expect(hb.params).toMatchObject({ epochs: 3, batchSize: 5, samples: N, steps: 5 });
    });
  }

  it('threads: 2 equals fit({ threads: 2, shuffle: false })', async () => {
    const a = modelNoMetric(), b = modelNoMetric();
    await a.fit(X, Y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, threads: 2 });
    await b.fitDataset(() => batches(8), { epochs: 2, verbose: 0, threads: 2 });
    weightsEqual(a, b);
  });

  it('threads: 2 carries the new layers to the workers (normalization → LSTM → globalAveragePooling1D → dense)', async () => {
    const mk = () => {
      const m = new Sequential([
        layers.normalization({ mean: [0.1, -0.2, 0], variance: [0.5, 2, 1], inputShape: [T, F] }),
        layers.lstm({ units: 4, returnSequences: true }),
        layers.globalAveragePooling1D(),
        layers.dense({ units: 1 }),
      ], { seed: 3 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      made.push(m);
      return m;
    };
    const a = mk(), b = mk();
    await a.fitDataset(() => batches(12), { epochs: 1, verbose: 0 });
    await b.fitDataset(() => batches(12), { epochs: 1, verbose: 0, threads: 2 });
    // same gradients up to float rounding (summation order differs across the two chunks)
    a.getWeights().forEach((w, i) => w.data.forEach((v, j) => expect(Math.abs(v - b.getWeights()[i].data[j])).toBeLessThan(1e-5)));
  });

  it('validation on a dataset equals evaluate; evaluateDataset equals evaluate over the same batches', async () => {
    const m = modelNoMetric();
    const h = await m.fitDataset(() => batches(6), { epochs: 2, verbose: 0, validationData: () => batches(6) });
    const ev = m.evaluate(X, Y, { batchSize: 6 });
    expect(h.history.val_loss[1]).toBe(ev.loss);
    expect(await m.evaluateDataset(() => batches(6))).toEqual(ev);
    // batches: the first two only = evaluate on rows 0..11
    expect(await m.evaluateDataset(batches(6), { batches: 2 })).toEqual(m.evaluate(rowsOf(X, 0, 12), rowsOf(Y, 0, 12), { batchSize: 6 }));
  });

  it('a function dataset is called once per epoch (a pass each), and once per evaluation', async () => {
    const m = modelNoMetric();
    let calls = 0;
    const ds = () => { calls++; return batches(10); };
    await m.fitDataset(ds, { epochs: 3, verbose: 0, validationData: ds });
    expect(calls).toBe(6);
  });

  it('batchesPerEpoch runs an endless generator, continuing one pass across epochs', async () => {
    const m = modelNoMetric(), ref = modelNoMetric();
    let made = 0;
    function* endless() { for (;;) for (const b of batches(5)) { made++; yield b; } }
    const h = await m.fitDataset(endless(), { epochs: 3, batchesPerEpoch: 2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(made).toBe(6);
    // the same six batches in order are batches 0,1 | 2,3 | 4,0 of the data
    const seq = [...batches(5), ...batches(5)].slice(0, 6);
    for (const b of seq as { xs: Tensor; ys: Tensor }[]) ref.trainOnBatch(b.xs, b.ys);
    weightsEqual(m, ref);
  });

  it('trains on data.timeseriesDataset and builds the model from the first batch', async () => {
    const series = Array.from({ length: 60 }, (_, i) => [Math.sin(i / 3)]);
    const m = new Sequential([layers.lstm({ units: 4 }), layers.dense({ units: 1 })], { seed: 2 });
    made.push(m);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const ds = data.timeseriesDataset(series, series.slice(6).map((v) => v[0]), { sequenceLength: 6, batchSize: 16 });
    const h = await m.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(h.history.loss.length).toBe(2);
    expect(h.params.steps).toBe(ds.length);
  });

  it('errors: a bad batch is named; a generator object cannot run two epochs; unknown options', async () => {
    const m = modelNoMetric();
    function* bad() { yield* batches(10); yield { xs: rowsOf(X, 0, 2), ys: tensor([1, NaN], [2, 1]) }; }
    await expect(m.fitDataset(bad, { verbose: 0 })).rejects.toThrow(/fitDataset: batch 4 of epoch 1: y contains NaN/);
    await expect(m.fitDataset(batches(5), { epochs: 2, verbose: 0 })).rejects.toThrow(/epoch 2 had no batches \(a generator object can be iterated once/);
    await expect(m.fitDataset([{ x: 1 }] as never, { verbose: 0 })).rejects.toThrow(/batch 1 of epoch 1: expected a batch \{ xs, ys \} or \[x, y\]/);
    await expect(m.fitDataset(42 as never)).rejects.toThrow(/fitDataset: the dataset must be an iterable or async iterable/);
    await expect(m.fitDataset(() => batches(5), { epoch: 2 } as never)).rejects.toThrow(/unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await expect(m.fitDataset(() => batches(5), { validationBatches: 1 })).rejects.toThrow(/validationBatches needs validationData to be a dataset/);
    await expect(m.evaluateDataset([])).rejects.toThrow(/evaluateDataset: the dataset yielded no batches/);
    const u = new Sequential([layers.dense({ units: 1 })]);
    made.push(u);
    await expect(u.fitDataset(() => batches(5))).rejects.toThrow(/compile/);
  });
});
