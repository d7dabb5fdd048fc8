/**
 * io.toONNX on models built and trained here: a functional Model exports its GraphSpec (inputs
 * and outputs named after the model's), a Sequential its chain; onnxruntime-web's predictions
 * equal model.predict on both backends within 1e-5. The merge layers, Dot and Attention run end
 * to end with masks under the JS API's mask rule (Keras 3).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend, input, layers, Model, Sequential, tensor, io, type Tensor } from '../src/index.js';
import { maxAbsDiff } from './helpers/diff.js';
import { randomFeed, runOrtNamed, type Feed } from './helpers/onnx-graph.js';
import { onnxWarnings } from './helpers/ort-warnings.js';

beforeAll(async () => { await init(); });

const exported = new Map<string, Uint8Array>();
const asTensor = (f: Feed) => tensor(Float32Array.from(f.data), f.shape, f.dtype);
const list = (y: Tensor | Tensor[]) => (Array.isArray(y) ? y : [y]);

async function expectPredictionsMatch(label: string, model: Model | Sequential, feeds: Record<string, Feed>, names: string[]) {
  const bytes = await io.toONNX(model);
  exported.set(label, bytes);
  const got = await runOrtNamed(bytes, feeds);
  expect(Object.keys(got).sort()).toEqual([...names].sort());
  const xs = Object.values(feeds).map(asTensor);
  for (const backend of ['wasm', 'js'] as const) {
    setBackend(backend);
    const want = list(model.predict((xs.length === 1 ? xs[0]! : xs) as never) as Tensor | Tensor[]);
    names.forEach((n, k) => {
      expect(got[n]!.dims).toEqual(want[k]!.shape);
      expect(maxAbsDiff(got[n]!.data as Float32Array, want[k]!.data), `${backend} ${n}`).toBeLessThan(1e-5);
    });
  }
  setBackend('wasm');
}

describe('io.toONNX(model) for models built and trained here', () => {
  it('a functional model with two inputs, a shared layer and two outputs, trained with fit, exports with its names', async () => {
    const seq = input({ shape: [6, 3], name: 'series' });
    const meta = input({ shape: [4], name: 'meta' });
    const shared = layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
    const h = layers.lstm({ units: 5, name: 'lstm' }).apply(seq);
    const m = shared.apply(layers.dense({ units: 5, activation: 'relu', name: 'meta_dense' }).apply(meta));
    const both = layers.concatenate({ name: 'cat' }).apply([shared.apply(h), m]);
    const score = layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(both);
    const klass = layers.dense({ units: 3, activation: 'softmax', name: 'klass' }).apply(m);
    const model = new Model({ inputs: [seq, meta], outputs: [score, klass], seed: 3 });
    model.compile({ optimizer: 'adam', loss: ['binaryCrossentropy', 'sparseCategoricalCrossentropy'] as never });
    const N = 32;
    const xs = randomFeed(1, [N, 6, 3]), xm = randomFeed(2, [N, 4]);
    const y1 = tensor(Array.from({ length: N }, (_, i) => [(xs.data[i * 18]! > 0 ? 1 : 0)]));
    const y2 = tensor(Array.from({ length: N }, (_, i) => [i % 3]));
    const before = model.getWeights().map((w) => Float32Array.from(w.data));
    await model.fit([asTensor(xs), asTensor(xm)], [y1, y2], { epochs: 3, batchSize: 8, verbose: 0 });
    // Trained: the weights moved.
    expect(model.getWeights().some((w, k) => maxAbsDiff(w.data, before[k]!) > 1e-3)).toBe(true);
    await expectPredictionsMatch('trained_functional', model, { series: randomFeed(3, [4, 6, 3]), meta: randomFeed(4, [4, 4]) }, ['score', 'klass']);
  });

  it('merge layers with masks from Embedding(mask_zero) under the Keras 3 rule, Dot (Luong scores and context) and Attention', async () => {
    const T = 5, V = 8, E = 4;
    const a = input({ shape: [T], dtype: 'int32', name: 'a' });
    const b = input({ shape: [T], dtype: 'int32', name: 'b' });
    const emb = layers.embedding({ inputDim: V, outputDim: E, maskZero: true, name: 'emb' });
    const ea = emb.apply(a), eb = emb.apply(b);
    const merged = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'].map((op) =>
      (layers as unknown as Record<string, (x: object) => { apply(v: unknown): unknown }>)[op]!({ name: op }).apply([ea, eb]));
    const rnn = layers.lstm({ units: E, returnSequences: true, name: 'lstm' }).apply(layers.concatenate({ name: 'cat' }).apply(merged as never));
    const scores = layers.dot({ axes: [2, 2], name: 'scores' }).apply([rnn, ea]);
    const weights = layers.activation({ activation: 'softmax', name: 'weights' }).apply(scores);
    const context = layers.dot({ axes: [2, 1], name: 'context' }).apply([weights, eb]);
    const att = layers.attention({ useScale: true, name: 'att' }).apply([rnn, ea]);
    const cosine = layers.dot({ axes: 2, normalize: true, name: 'cosine' }).apply([ea, eb]);
    const model = new Model({ inputs: [a, b], outputs: [context, att, cosine, rnn] as never, seed: 5 });
    // A non-default attention scale, so that the weight is exercised.
    model.setWeights(model.getWeights().map((w) => (w.name === 'att/scale' ? { ...w, data: Float32Array.of(0.7) } : w)));
    const ids = (rows: number[][]): Feed => ({ dtype: 'int32', shape: [rows.length, T], data: rows.flat() });
    await expectPredictionsMatch('merges_attention', model, {
      a: ids([[1, 2, 3, 4, 5], [0, 0, 6, 7, 1], [2, 0, 3, 0, 4]]),
      b: ids([[3, 3, 0, 1, 2], [5, 0, 0, 0, 7], [0, 0, 0, 0, 0]]),
    }, ['context', 'att', 'cosine', 'lstm']);
  });

  it('a Sequential still exports as input / output', async () => {
    const model = new Sequential([layers.gru({ units: 4, inputShape: [5, 2] }), layers.dense({ units: 2 })], { seed: 7 });
    await expectPredictionsMatch('sequential', model, { input: randomFeed(71, [3, 5, 2]) }, ['output']);
  });

  it('every model exported here loads in onnxruntime without warnings', () => {
    expect(exported.size).toBe(3);
    const res = onnxWarnings(exported);
    expect(res.stderr).toBe('');
    expect(res.loaded).toBe(3);
  });
});
