/**
 * API.md "Errors": every user mistake throws an Error naming the layer or
 * argument, what was expected and what was given — and the model is unchanged.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, io, optimizers, setSeed, layerFromConfig, type Model } from '../src/index.js';
import type { WeightValue } from '../src/index.js';

function model(): Sequential {
  setSeed(3);
  const m = new Sequential([
    layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 6, name: 'embedding' }),
    layers.lstm({ units: 5, name: 'my_lstm' }),
    layers.dense({ units: 1, activation: 'sigmoid', name: 'dense' }),
  ]);
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  m.trainOnBatch(tensor(new Int32Array(12).fill(1), [2, 6]), tensor([[1], [0]])); // optimizer slots exist
  return m;
}

const snapshot = (m: Sequential | Model) => m.getWeights().map((w) => Array.from(w.data));
const ids = (rows: number[][]) => tensor(rows, undefined, 'int32');
const good = ids([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]]);
const y = tensor([[1], [0]]);

/** Runs `fn`, expects it to throw matching every pattern, and the weights to be bit-identical afterwards. */
async function rejects(m: Sequential, fn: () => unknown, ...patterns: RegExp[]) {
  const before = snapshot(m);
  let err: Error | null = null;
  try {
    await fn();
  } catch (e) {
    err = e as Error;
  }
  expect(err, 'expected an error').toBeInstanceOf(Error);
  for (const p of patterns) expect(err!.message).toMatch(p);
  expect(snapshot(m)).toEqual(before);
  // and the model still works
  expect(Number.isFinite(m.evaluate(m.layers[0].className === 'Embedding' ? good : tensor(new Float32Array(16), [2, 4, 2]), y).loss)).toBe(true);
}

describe('bad input: clear errors, nothing half-updated', () => {
  it('wrong input shape names the expected and given shapes', async () => {
    const m = model();
    await rejects(m, () => m.fit(ids([[1, 2, 3]]), tensor([[1]]), { verbose: 0 }), /fit/, /\[null, 6\]/, /\[1, 3\]/);
    await rejects(m, () => m.predict(tensor([1, 2, 3])), /predict/, /\[null, 6\]/, /\[3\]/);
  });

  it('target shape mismatch names the output shape and the loss', async () => {
    const m = model();
    await rejects(m, () => m.trainOnBatch(good, tensor([[1, 0], [0, 1]])), /trainOnBatch/, /y must have shape \[2, 1\]/, /binary_crossentropy/, /\[2, 2\]/);
    await rejects(m, () => m.trainOnBatch(good, tensor([[1], [0], [1]])), /2 samples/, /3/);
  });

  it('wrong dtype: non-integer token ids name the layer, position and value', async () => {
    const m = model();
    await rejects(m, () => m.trainOnBatch(tensor([[1, 2, 3, 4, 5, 1.5], [1, 1, 1, 1, 1, 1]]), y), /embedding/, /integers/, /1\.5/, /\[0, 5\]/);
    expect(() => tensor([1, 2], [2], 'float64' as never)).toThrow(/dtype must be 'float32' or 'int32', got "float64"/);
  });

  it('token id ≥ inputDim names the layer, the id, its position and inputDim', async () => {
    const m = model();
    await rejects(m, () => m.fit(ids([[1, 2, 3, 4, 5, 12], [1, 1, 1, 1, 1, 1]]), y, { epochs: 2, verbose: 0 }),
      /embedding/, /token id 12/, /x\[0, 5\]/, /inputDim = 12/);
    await rejects(m, () => m.predict(ids([[1, 2, 3, 4, 5, -1]])), /token id -1/);
  });

  it('NaN in input or target names the argument and position', async () => {
    const f = new Sequential([layers.lstm({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 1 })]);
    f.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = new Float32Array(16).fill(0.5);
    f.trainOnBatch(tensor(x, [2, 4, 2]), tensor([[1], [2]]));
    x[13] = NaN;
    await rejects(f, () => f.trainOnBatch(tensor(x, [2, 4, 2]), tensor([[1], [2]])), /x contains NaN at \[1, 2, 1\]/);
    x[13] = 0;
    await rejects(f, () => f.fit(tensor(x, [2, 4, 2]), tensor([[1], [Infinity]]), { verbose: 0 }), /y contains Infinity at \[1, 0\]/);
  });

  it('unknown layer class, activation, loss, optimizer and initializer names', async () => {
    expect(() => layerFromConfig('Conv2D', { name: 'c' })).toThrow(/unknown layer class 'Conv2D'; supported: Embedding, LSTM/);
    expect(() => layers.lstm({ units: 4, activation: 'swishy' as never })).toThrow(/lstm.*activation: unknown value 'swishy'; expected one of 'linear'/);
    expect(() => layers.dense({ units: 0 })).toThrow(/dense.*units must be a positive integer, got 0/);
    expect(() => layers.lstm({ units: 4, kernelInitializer: 'magic' as never })).toThrow(/kernelInitializer: unknown initializer 'magic'/);
    const m = model();
    await rejects(m, () => m.compile({ optimizer: 'adam', loss: 'crossEntropyish' as never }), /compile: loss: unknown loss 'crossEntropyish'; expected one of 'binaryCrossentropy'/);
    await rejects(m, () => m.compile({ optimizer: 'adagrad' as never, loss: 'mse' }), /compile: optimizer: unknown value 'adagrad'; expected one of 'adam', 'adamw', 'rmsprop', 'sgd'/);
    expect(() => optimizers.adam({ learningRate: -1 })).toThrow(/optimizers.adam: learningRate: expected a finite number > 0, got -1/);
  });

  it('mismatched weights in setWeights: count, shape, length, NaN', async () => {
    const m = model();
    const w = m.getWeights();
    await rejects(m, () => m.setWeights(w.slice(1)), /expected 6 weights/, /got 5/);
    const badShape: WeightValue[] = w.map((v, i) => (i === 1 ? { ...v, shape: [5, 4] } : v));
    await rejects(m, () => m.setWeights(badShape), /my_lstm\/kernel/, /shape \[4, 20\]/, /\[5, 4\]/);
    const short: WeightValue[] = w.map((v, i) => (i === 2 ? { ...v, shape: undefined as never, data: v.data.slice(1) } : v));
    await rejects(m, () => m.setWeights(short), /my_lstm\/recurrent_kernel/, /100 values/, /got 99/);
    const nan: WeightValue[] = w.map((v, i) => (i === 5 ? { ...v, data: Float32Array.from(v.data, () => NaN) } : v));
    await rejects(m, () => m.setWeights(nan), /dense\/bias/, /NaN/);
  });

  it('corrupt or truncated weight files are rejected before any model exists', async () => {
    const m = model();
    const saved: { modelTopology?: object; weightSpecs?: unknown[]; weightData?: ArrayBuffer } = {};
    await m.save(io.withSaveHandler(async (a: any) => { Object.assign(saved, a); return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } } as never; }));
    const truncated = { ...saved, weightData: saved.weightData!.slice(0, saved.weightData!.byteLength - 8) };
    expect(() => io.fromArtifacts(truncated as never)).toThrow(/bytes/);
    const bytes = new Float32Array(saved.weightData!.slice(0));
    bytes[3] = NaN;
    expect(() => io.fromArtifacts({ ...saved, weightData: bytes.buffer } as never)).toThrow(/embedding\/embeddings/);
    expect(() => io.fromArtifacts({ modelTopology: { hello: 'world' }, weightSpecs: [], weightData: new ArrayBuffer(0) } as never)).toThrow(/model/i);
    const loaded = io.fromArtifacts(saved as never);
    expect(snapshot(loaded)).toEqual(snapshot(m));
  });

  it('fit option mistakes name the option', async () => {
    const m = model();
    await rejects(m, () => m.fit(good, y, { epochs: 0, verbose: 0 }), /epochs must be an integer ≥ 1, got 0/);
    await rejects(m, () => m.fit(good, y, { validationSplit: 1.5, verbose: 0 }), /validationSplit must be a number in \[0, 1\), got 1\.5/);
    await rejects(m, () => m.fit(good, y, { batchSize: 2.5, verbose: 0 }), /batchSize must be an integer ≥ 1, got 2\.5/);
    await rejects(m, () => m.fit(good, y, { tbptt: { k1: 2, k2: 3 }, verbose: 0 }), /tbptt.k2 must be ≤ k1/);
  });
});
