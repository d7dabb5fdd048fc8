/**
 * repeatVector, globalAveragePooling1D / globalMaxPooling1D (mask-aware) and
 * normalization, inside small models, on both backends: predictions and the
 * gradients of every weight against a float64 reference forward written here
 * (central differences), and tfjs/Keras topology round trips.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init, setBackend, Sequential, layers, tensor, io, type Tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { rel } from './helpers/gradcheck.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

type W = Float64Array[];
/** Float64 dense on rows of x [M, K]: act(x·W + b). */
function dense64(x: number[][], k: Float64Array, b: Float64Array, act: (v: number) => number = (v) => v): number[][] {
  const U = b.length;
  return x.map((row) => Array.from({ length: U }, (_, u) => act(row.reduce((s, v, i) => s + v * k[i * U + u], b[u]))));
}
const mse = (pred: number[], y: ArrayLike<number>) => pred.reduce((s, p, i) => s + (p - y[i]) ** 2, 0) / pred.length;

/** Model gradients vs float64 central differences of `ref`, and predict vs ref's forward. */
function check(model: Sequential, x: Tensor, y: Tensor, ref: (w: W) => number[], label: string) {
  const w64 = model.getWeights().map((w) => Float64Array.from(w.data));
  const pred = model.predict(x) as Tensor;
  const want = ref(w64);
  want.forEach((v, i) => expect(Math.abs(pred.data[i] - v), `${label} predict[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  const { loss, grads } = model.computeGradients(x, y);
  expect(rel(loss, mse(want, y.data)), `${label} loss`).toBeLessThan(1e-5);
  const rng = new Rng(3);
  const eps = 1e-4;
  w64.forEach((arr, wi) => {
    for (let s = 0; s < 8; s++) {
      const j = rng.int(arr.length), keep = arr[j];
      arr[j] = keep + eps; const lp = mse(ref(w64), y.data);
      arr[j] = keep - eps; const lm = mse(ref(w64), y.data);
      arr[j] = keep;
      const fd = (lp - lm) / (2 * eps);
      expect(rel(grads[wi].data[j], fd), `${label} ${grads[wi].name}[${j}] ${grads[wi].data[j]} vs ${fd}`).toBeLessThan(2e-3);
    }
  });
}

const ids = tensor([[0, 0, 3, 4, 5], [1, 2, 0, 4, 0], [5, 5, 1, 2, 3]], undefined, 'int32');
const idRows = ids.toArray() as number[][];
const target = (n: number) => tensor(Array.from({ length: n }, (_, i) => Math.sin(i + 1)), [n, 1]);

for (const be of ['js', 'wasm'] as const) {
  describe(`layers around recurrent layers (${be})`, () => {
    beforeAll(() => setBackend(be));

    it('globalAveragePooling1D: masked mean over time (embedding maskZero → pool → dense)', () => {
      const m = new Sequential([
        layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputLength: 5 }),
        layers.globalAveragePooling1D(),
        layers.dense({ units: 1 }),
      ], { seed: 1 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const ref = ([E, k, b]: W) => dense64(idRows.map((r) => {
        const kept = r.filter((t) => t !== 0);
        return [0, 1, 2, 3].map((f) => kept.reduce((s, t) => s + E[t * 4 + f], 0) / kept.length);
      }), k, b).flat();
      check(m, ids, target(3), ref, 'avg');
    });

    it('globalMaxPooling1D: max over unmasked steps (embedding → dense per step → pool → dense)', () => {
      const m = new Sequential([
        layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputLength: 5 }),
        layers.dense({ units: 4, activation: 'tanh' }),
        layers.globalMaxPooling1D(),
        layers.dense({ units: 1 }),
      ], { seed: 2 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const ref = ([E, k1, b1, k2, b2]: W) => dense64(idRows.map((r) => {
        const h = dense64(r.filter((t) => t !== 0).map((t) => [0, 1, 2].map((f) => E[t * 3 + f])), k1, b1, Math.tanh);
        return [0, 1, 2, 3].map((f) => Math.max(...h.map((v) => v[f])));
      }), k2, b2).flat();
      check(m, ids, target(3), ref, 'max');
    });

    it('globalMaxPooling1D without a mask pools every step, and a fully masked row throws', () => {
      const m = new Sequential([layers.globalMaxPooling1D({ inputShape: [3, 2] })]);
      const y = m.predict(tensor([[[1, -5], [3, -1], [2, -7]]])) as Tensor;
      expect(Array.from(y.data)).toEqual([3, -1]);
      const e = new Sequential([layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true }), layers.globalAveragePooling1D({ name: 'gap' })]);
      expect(() => e.predict(tensor([[1, 2], [0, 0]], undefined, 'int32'))).toThrow(/gap: sample 1 of the batch has every time step masked/);
    });

    it('repeatVector: [B, F] → [B, n, F], gradient summed over the copies (dense → repeat → dense per step)', () => {
      const m = new Sequential([
        layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }),
        layers.repeatVector({ n: 4 }),
        layers.dense({ units: 2 }),
      ], { seed: 3 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const xr = [[0.5, -1], [2, 0.25]];
      const ref = ([k1, b1, k2, b2]: W) => dense64(xr, k1, b1, Math.tanh).flatMap((h) => dense64([h, h, h, h], k2, b2).flat());
      check(m, tensor(xr), tensor(Array.from({ length: 16 }, (_, i) => Math.cos(i)), [2, 4, 2]), ref, 'repeat');
      expect((m.predict(tensor(xr)) as Tensor).shape).toEqual([2, 4, 2]);
    });

    it('normalization: (x − mean)/sqrt(var) between trainable layers; invert: true undoes it', () => {
      const mean = [1, -2, 0.5], variance = [4, 0.25, 0];
      const m = new Sequential([
        layers.dense({ units: 3, inputShape: [2] }),
        layers.normalization({ mean, variance: [4, 0.25, 9] }),
        layers.dense({ units: 1 }),
      ], { seed: 4 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const xr = [[0.5, -1], [2, 0.25], [-1, 1]];
      const sd = [2, 0.5, 3];
      const ref = ([k1, b1, k2, b2]: W) => dense64(dense64(xr, k1, b1).map((r) => r.map((v, f) => (v - mean[f]) / sd[f])), k2, b2).flat();
      check(m, tensor(xr), target(3), ref, 'norm');
      const inv = new Sequential([layers.normalization({ mean, variance, invert: true, inputShape: [3] })]);
      // variance 0: scale is Keras' epsilon 1e-7, so inverse(y) = mean + 1e-7·y
      expect(Array.from((inv.predict(tensor([[1, 2, 3]])) as Tensor).data)).toEqual([1 + 2, -2 + 1, Math.fround(0.5 + 3e-7)]);
    });
  });
}

describe('backend parity', () => {
  it('every new layer in one model: wasm and js give the same outputs and gradients', () => {
    const mk = () => {
      const m = new Sequential([
        layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputLength: 5 }),
        layers.lstm({ units: 5, returnSequences: true }),
        layers.globalAveragePooling1D(),
        layers.repeatVector({ n: 3 }),
        layers.bidirectional({ layer: layers.gru({ units: 4, returnSequences: true }), mergeMode: 'sum' }),
        layers.globalMaxPooling1D(),
        layers.normalization({ mean: [0.1, 0, -0.1, 0.2], variance: [0.3, 1, 2, 0.5] }),
        layers.dense({ units: 1 }),
      ], { seed: 8 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      return m;
    };
    const res = (['wasm', 'js'] as const).map((be) => {
      setBackend(be);
      const m = mk();
      return { p: (m.predict(ids) as Tensor).data, g: m.computeGradients(ids, target(3)).grads };
    });
    res[0].p.forEach((v, i) => expect(Math.abs(v - res[1].p[i])).toBeLessThan(1e-5));
    res[0].g.forEach((w, k) => w.data.forEach((v, j) => expect(rel(v, res[1].g[k].data[j]), `${w.name}[${j}]`).toBeLessThan(1e-4)));
    expect(res[0].g.some((w) => w.data.some((v) => v !== 0))).toBe(true);
  });
});

describe('file round trips', () => {
  it('repeatVector and global pooling load in TensorFlow.js and predict the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-pool-'));
    try {
      for (const pool of ['avg', 'max'] as const) {
        const m = new Sequential([
          layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }),
          layers.repeatVector({ n: 5 }),
          layers.lstm({ units: 4, returnSequences: true }),
          pool === 'avg' ? layers.globalAveragePooling1D() : layers.globalMaxPooling1D(),
          layers.dense({ units: 1 }),
        ], { seed: 5 });
        const x = tensor([[0.1, 0.2], [-1, 0.5], [2, -3]]);
        const ours = (m.predict(x) as Tensor).data;
        await m.save(`file://${join(dir, pool)}`);
        const t = await tfjsLoadSaved(join(dir, pool));
        const theirs = (t.predict(tf.tensor(x.toArray() as number[][])) as tf.Tensor).dataSync();
        ours.forEach((v, i) => expect(Math.abs(v - theirs[i]), `${pool} [${i}]`).toBeLessThan(1e-5));
        const back = await io.loadModel(`file://${join(dir, pool)}/model.json`);
        expect(Array.from((back.predict(x) as Tensor).data)).toEqual(Array.from(ours));
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('models TensorFlow.js builds and saves with these layers load here and predict the same', async () => {
    for (const pool of ['avg', 'max'] as const) {
      const t = tf.sequential({ layers: [
        tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }),
        tf.layers.repeatVector({ n: 4 }),
        tf.layers.lstm({ units: 3, returnSequences: true }),
        pool === 'avg' ? tf.layers.globalAveragePooling1d({}) : tf.layers.globalMaxPooling1d({}),
        tf.layers.dense({ units: 2 }),
      ] });
      let saved: tf.io.ModelArtifacts | null = null;
      await t.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const m = io.fromArtifacts(saved! as never);
      const x = [[0.3, -0.7], [1.5, 0.2]];
      const theirs = (t.predict(tf.tensor(x)) as tf.Tensor).dataSync();
      const ours = (m.predict(tensor(x)) as Tensor).data;
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i]), `${pool} [${i}]`).toBeLessThan(1e-5));
    }
  });

  it('normalization saves its statistics in the config and round-trips here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-norm-'));
    try {
      const norm = layers.normalization().adapt(tensor([[1, 10], [3, 30], [5, 50]]));
      const m = new Sequential([norm, layers.lstm({ units: 3 })], { seed: 6 });
      const x = tensor([[[1, 10], [2, 20]], [[5, 50], [0, 0]]]);
      const ours = (m.predict(x) as Tensor).data;
      const cfg = (m.toJSON() as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers[0];
      expect(cfg.class_name).toBe('Normalization');
      expect(cfg.config.mean).toEqual([3, 30]);
      expect(cfg.config.variance).toEqual([8 / 3, 800 / 3]);
      await m.save(`file://${dir}`);
      const back = await io.loadModel(`file://${dir}/model.json`);
      expect(Array.from((back.predict(x) as Tensor).data)).toEqual(Array.from(ours));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('rejects options it does not implement', () => {
    expect(() => layers.globalMaxPooling1D({ keepdims: true })).toThrow(/keepdims must be false, got true/);
    expect(() => layers.globalAveragePooling1D({ dataFormat: 'channelsFirst' })).toThrow(/dataFormat must be 'channelsLast'/);
    expect(() => layers.repeatVector({ n: 0 })).toThrow(/n must be a positive integer, got 0/);
    expect(() => layers.normalization({ axis: 1 })).toThrow(/axis must be -1/);
    expect(() => layers.normalization({ mean: [1] })).toThrow(/give both mean and variance/);
    expect(() => new Sequential([layers.normalization({ name: 'nn', inputShape: [2] })]).predict(tensor([[1, 2]]))).toThrow(/nn: call adapt/);
  });
});
