/**
 * Layers shared BETWEEN models (the Keras seq2seq pattern: inference encoder/decoder models
 * built from the trained layers) have one set of weights, whichever model runs them.
 *
 * Defect this pins down: each model placed its own copy of every layer's weights, ran the
 * initializers for layers another model had already trained, and re-bound the shared layers to
 * its own block, so (1) the inference model predicted with fresh random weights and (2) the
 * training model then ran on the inference model's block while its optimizer updated its own:
 * the shared layers silently stopped learning.
 *
 * The reference is the same computation on separate (unshared) layers given the weights with
 * setWeights, and float64 arithmetic written here for the dense layer.
 */
import { describe, expect, it } from 'vitest';
import { init, input, layers, Model, optimizers, setBackend, setSeed, tensor, type BackendName, type Tensor } from '../src/index.js';
import { maxAbsErr } from './helpers/harness.js';

const B = 4, T = 5, I = 3, H = 6;
const x = tensor(Float32Array.from({ length: B * T * I }, (_, k) => Math.sin(1.3 * k)), [B, T, I]);
const y = tensor(Float32Array.from({ length: B * 2 }, (_, k) => Math.cos(0.7 * k)), [B, 2]);
const first = (p: Tensor | Tensor[]) => (Array.isArray(p) ? p[0] : p);

/** An LSTM encoder with a dense head (trained), and a second model over the same LSTM that outputs its state. */
function twoModels() {
  const inp = input({ shape: [T, I] });
  const lstm = layers.lstm({ units: H, returnState: true, name: 'shared_lstm' });
  const [out, h] = lstm.apply(inp);
  const head = new Model({ inputs: inp, outputs: layers.dense({ units: 2, name: 'head' }).apply(out) });
  const state = new Model({ inputs: inp, outputs: h });
  return { head, state };
}

/** The same LSTM as its own model (no sharing), from explicit weights. */
function referenceState(weights: { name: string; shape: number[]; data: Float32Array }[]): Float32Array {
  const inp = input({ shape: [T, I] });
  const [, h] = layers.lstm({ units: H, returnState: true, name: 'shared_lstm' }).apply(inp);
  const m = new Model({ inputs: inp, outputs: h });
  m.setWeights(weights);
  return first(m.predict(x)).data as Float32Array;
}

describe.each<BackendName>(['wasm', 'js'])('layers shared between models (%s)', (be) => {
  it('defect: a model built from trained layers predicted with fresh initializer weights and the first model stopped training them', async () => {
    await init();
    setBackend(be);
    try {
      setSeed(4);
      const { head, state } = twoModels();
      head.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
      for (let i = 0; i < 3; i++) head.trainOnBatch(x, y);
      const trained = head.getWeights().filter((w) => w.name.startsWith('shared_lstm/'));
      const headBefore = first(head.predict(x)).data.slice();

      // (1) the state model runs the trained LSTM
      expect(state.getWeights().map((w) => w.name)).toEqual(trained.map((w) => w.name));
      state.getWeights().forEach((w, i) => expect(maxAbsErr(w.data, trained[i].data), w.name).toBe(0));
      expect(maxAbsErr(first(state.predict(x)).data, referenceState(trained))).toBeLessThanOrEqual(1e-6);
      // … and running it changes nothing for the head model
      expect(maxAbsErr(first(head.predict(x)).data, headBefore)).toBe(0);

      // (2) training the head after the state model ran still trains the shared LSTM, and the state model sees it
      head.trainOnBatch(x, y);
      const after = head.getWeights().filter((w) => w.name.startsWith('shared_lstm/'));
      expect(maxAbsErr(after[0].data, trained[0].data)).toBeGreaterThan(1e-4);
      expect(maxAbsErr(first(state.predict(x)).data, referenceState(after))).toBeLessThanOrEqual(1e-6);
      // the head's output is dense(lstm output) with its current weights (float64 here)
      const hw = head.getWeights(), hs = first(state.predict(x)).data; // returnState h equals the last output
      const K = hw.find((w) => w.name === 'head/kernel')!.data, b = hw.find((w) => w.name === 'head/bias')!.data;
      const expected = Array.from({ length: B * 2 }, (_, k) => {
        const n = Math.floor(k / 2), j = k % 2;
        let s = b[j];
        for (let u = 0; u < H; u++) s += hs[n * H + u] * K[u * 2 + j];
        return s;
      });
      expect(maxAbsErr(first(head.predict(x)).data, expected)).toBeLessThanOrEqual(1e-5);
    } finally {
      setBackend('wasm');
    }
  });

  it('setWeights on one model, before either ran, is what the other runs', async () => {
    await init();
    setBackend(be);
    try {
      setSeed(5);
      const { head, state } = twoModels();
      const w = state.getWeights().map((v, i) => ({ ...v, data: Float32Array.from(v.data, (_, k) => 0.05 * Math.sin(k + i)) }));
      state.setWeights(w);
      expect(head.getWeights().filter((v) => v.name.startsWith('shared_lstm/')).map((v) => Array.from(v.data))).toEqual(w.map((v) => Array.from(v.data)));
      head.predict(x);
      expect(maxAbsErr(first(state.predict(x)).data, referenceState(w))).toBeLessThanOrEqual(1e-6);
    } finally {
      setBackend('wasm');
    }
  });
});
