/**
 * Issue 13 items 1–2: fit/evaluate sampleWeight (per sample and per time step) and
 * classWeight with Keras 3 semantics (loss = Σ w·l / rows), agreement with
 * TensorFlow.js's classWeight, and padding masks reaching the loss and metrics
 * (Keras: Σ over valid steps / valid count), with compile({ maskLoss: false })
 * keeping the TensorFlow.js behaviour.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, Sequential, layers, optimizers, tensor, setBackend, type Tensor } from '../src/index.js';
import { BACKENDS, identityModel, seeded, withBackend, maxRel, t } from './helpers/train.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const N = 8, C = 3;

describe('sampleWeight and classWeight (Keras semantics)', () => {
  it('sampleWeight [N]: evaluate = Σ w·l / N and one SGD step moves the bias by −lr·Σ w·dl/dp / N (both backends)', async () => {
    const p = seeded(N * C, 1, -1, 1), y = seeded(N * C, 2, -1, 1), w = seeded(N, 3, 0, 2);
    let want = 0;
    const db = new Float64Array(C);
    for (let r = 0; r < N; r++) for (let j = 0; j < C; j++) {
      const d = p[r * C + j] - y[r * C + j];
      want += (w[r] * d * d) / C / N;
      db[j] += (w[r] * 2 * d) / C / N;
    }
    for (const b of BACKENDS) {
      setBackend(b);
      const m = identityModel(C, { loss: 'mse' });
      expect(Math.abs(m.evaluate(t(p, [N, C]), t(y, [N, C]), { sampleWeight: t(w, [N]) }).loss - want) / want).toBeLessThan(1e-6);
      const h = await m.fit(t(p, [N, C]), t(y, [N, C]), { sampleWeight: t(w, [N]), epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
      expect(Math.abs(h.history.loss[0] - want) / want).toBeLessThan(1e-6);
      const bias = m.getWeights()[1].data;
      expect(maxRel(bias, db.map((v) => -v), 1e-6)).toBeLessThan(1e-5);
    }
    setBackend('wasm');
  });

  it('validationData [x, y, sampleWeight] weighs val_loss like evaluate({ sampleWeight })', async () => {
    const p = seeded(N * C, 1, -1, 1), y = seeded(N * C, 2, -1, 1), w = seeded(N, 3, 0, 2);
    const m = identityModel(C, { loss: 'mse' });
    const h = await m.fit(t(p, [N, C]), t(y, [N, C]), { epochs: 1, batchSize: N, verbose: 0, validationData: [t(p, [N, C]), t(y, [N, C]), t(w, [N])] });
    expect(h.history.val_loss[0]).toBeCloseTo(m.evaluate(t(p, [N, C]), t(y, [N, C]), { sampleWeight: t(w, [N]) }).loss, 6);
  });

  it('sampleWeight is no longer ignored: weights differ from the unweighted fit (the issue\'s bit-identical no-op)', async () => {
    const p = seeded(N * C, 1, -1, 1), y = seeded(N * C, 2, -1, 1), w = seeded(N, 3, 0, 2);
    const a = identityModel(C, { loss: 'mse' }), b = identityModel(C, { loss: 'mse' });
    await a.fit(t(p, [N, C]), t(y, [N, C]), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(t(p, [N, C]), t(y, [N, C]), { sampleWeight: t(w, [N]), epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(maxRel(a.getWeights()[1].data, b.getWeights()[1].data)).toBeGreaterThan(1e-3);
  });

  it('classWeight agrees with TensorFlow.js fit({ classWeight }) (categorical crossentropy, SGD)', async () => {
    const x = seeded(N * 4, 5, -1, 1);
    const lab = [0, 1, 2, 2, 1, 0, 2, 2];
    const y = new Float32Array(N * C);
    lab.forEach((c, r) => { y[r * C + c] = 1; });
    const cw = { 0: 1, 1: 3.5, 2: 0.25 };
    const ours = new Sequential([layers.dense({ units: C, inputShape: [4], activation: 'softmax' })], { seed: 3 });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const w0 = ours.getWeights();
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: C, inputShape: [4], activation: 'softmax' })] });
    theirs.setWeights(w0.map((w) => tf.tensor(w.data, w.shape)));
    theirs.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const h = await ours.fit(t(x, [N, 4]), t(y, [N, C]), { classWeight: cw, epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
    const th = await theirs.fit(tf.tensor2d(x, [N, 4]), tf.tensor2d(y, [N, C]), { classWeight: cw, epochs: 2, batchSize: N, shuffle: false, verbose: 0 });
    expect(maxRel(Float32Array.from(h.history.loss), Float32Array.from(th.history.loss as number[]))).toBeLessThan(1e-5);
    const tw = theirs.getWeights().map((v) => v.dataSync());
    ours.getWeights().forEach((w, i) => expect(maxRel(w.data, tw[i], 1e-4)).toBeLessThan(1e-4));
  });

  it('classWeight with sparse labels and with one sigmoid output weighs by class', () => {
    const p = seeded(N, 6, 0.1, 0.9), yb = Float32Array.from([0, 1, 1, 0, 1, 0, 0, 1]);
    const m = identityModel(1, { loss: 'binaryCrossentropy' });
    const ev = m.evaluate(t(p, [N, 1]), t(yb, [N, 1]), {}).loss;
    let want = 0;
    for (let r = 0; r < N; r++) want += (yb[r] ? 4 : 1) * -(yb[r] * Math.log(p[r]) + (1 - yb[r]) * Math.log(1 - p[r])) / N;
    // classWeight enters through fit; check the first batch loss
    return m.fit(t(p, [N, 1]), t(yb, [N, 1]), { classWeight: { 1: 4 }, epochs: 1, batchSize: N, shuffle: false, verbose: 0 }).then((h) => {
      expect(Math.abs(h.history.loss[0] - want) / want).toBeLessThan(1e-5);
      expect(Math.abs(ev - want)).toBeGreaterThan(1e-3);
    });
  });

  it('refuses classWeight with sampleWeight, classWeight on sequence targets, bad shapes and keys (Keras)', async () => {
    const m = identityModel(C, { loss: 'mse' });
    const x = t(seeded(N * C, 1), [N, C]), y = t(seeded(N * C, 2), [N, C]);
    await expect(m.fit(x, y, { sampleWeight: t(new Float32Array(N), [N]), classWeight: { 0: 1 }, verbose: 0 })).rejects.toThrow(/classWeight or sampleWeight, not both/);
    await expect(m.fit(x, y, { sampleWeight: t(new Float32Array(N + 1), [N + 1]), verbose: 0 })).rejects.toThrow(/sampleWeight must have shape \[8\]/);
    await expect(m.fit(x, y, { classWeight: { 7: 2 }, verbose: 0 })).rejects.toThrow(/classWeight key '7' must be a class index in \[0, 3\)/);
    const s = seqModel(false);
    const { xs, ys } = seqData();
    await expect(s.fit(xs, ys, { classWeight: { 1: 2 }, verbose: 0 })).rejects.toThrow(/classWeight is not supported for sequence targets.*per-step sampleWeight \[6, 5\]/);
  });
});

// --- sequence labelling with padding: Embedding(maskZero) → LSTM(returnSequences) → Dense softmax
const B = 6, T = 5, V = 7, K = 3;
function seqData() {
  const ids = [
    [3, 4, 2, 0, 0], [1, 5, 6, 2, 0], [2, 0, 0, 0, 0], [6, 6, 1, 3, 4], [5, 1, 0, 0, 0], [4, 3, 0, 0, 0],
  ];
  const labels = ids.map((r) => r.map((v) => v % K));
  return { ids, xs: tensor(Int32Array.from(ids.flat()), [B, T], 'int32'), ys: tensor(Int32Array.from(labels.flat()), [B, T], 'int32'), labels };
}
function seqModel(maskLoss: boolean, metrics: string[] = []) {
  const m = new Sequential([
    layers.embedding({ inputDim: V, outputDim: 4, maskZero: true, inputLength: T }),
    layers.lstm({ units: 5, returnSequences: true }),
    layers.dense({ units: K, activation: 'softmax' }),
  ], { seed: 11 });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: metrics as never, maskLoss });
  return m;
}
/** Per-step crossentropy and argmax-correctness from predictions (independent of the loss code). */
function perStep(pred: Tensor, labels: number[][]) {
  const l: number[][] = [], ok: number[][] = [];
  for (let b = 0; b < B; b++) {
    l.push([]); ok.push([]);
    for (let s = 0; s < T; s++) {
      const o = (b * T + s) * K, row = Array.from(pred.data.slice(o, o + K));
      l[b].push(-Math.log(row[labels[b][s]]));
      ok[b].push(row.indexOf(Math.max(...row)) === labels[b][s] ? 1 : 0);
    }
  }
  return { l, ok };
}

describe('masks reach the loss and the metrics (Keras), maskLoss: false keeps tfjs', () => {
  it('loss = Σ valid-step losses / valid steps; accuracy over valid steps only (both backends)', () => {
    const { ids, xs, ys, labels } = seqData();
    for (const b of BACKENDS) {
      withBackend(b, () => {
        const m = seqModel(true, ['accuracy']);
        const { l, ok } = perStep(m.predict(xs) as Tensor, labels);
        let s = 0, n = 0, a = 0;
        ids.forEach((r, i) => r.forEach((v, j) => { if (v !== 0) { s += l[i][j]; a += ok[i][j]; n++; } }));
        const ev = m.evaluate(xs, ys, { batchSize: B });
        expect(Math.abs(ev.loss - s / n) / (s / n)).toBeLessThan(1e-5);
        expect(ev.accuracy).toBeCloseTo(a / n, 10);
        // tfjs behaviour: every step counts
        const u = seqModel(false, ['accuracy']);
        const evAll = u.evaluate(xs, ys, { batchSize: B });
        const all = l.flat().reduce((x, y) => x + y, 0) / (B * T);
        expect(Math.abs(evAll.loss - all) / all).toBeLessThan(1e-5);
        expect(evAll.accuracy).toBeCloseTo(ok.flat().reduce((x, y) => x + y, 0) / (B * T), 10);
      });
    }
  });

  it('masked gradients equal the gradients of a hand-masked loss (per-step sampleWeight 0 on padding, maskLoss: false, rescaled)', () => {
    const { ids, xs, ys } = seqData();
    const masked = seqModel(true).computeGradients(xs, ys);
    const sw = Float32Array.from(ids.flat().map((v) => (v !== 0 ? 1 : 0)));
    const valid = sw.reduce((a, b) => a + b, 0);
    // Σ w l / (B·T) with w = mask · (B·T / valid) is the masked mean
    const byHand = seqModel(false);
    const hand = byHand.computeGradients(xs, ys); // unmasked, to show they differ
    const scaled = seqModel(false);
    const w = t(sw.map((v) => (v * B * T) / valid), [B, T]);
    const ev = scaled.evaluate(xs, ys, { sampleWeight: w, batchSize: B });
    expect(Math.abs(ev.loss - masked.loss) / masked.loss).toBeLessThan(1e-5);
    expect(maxRel(masked.grads[0].data, hand.grads[0].data, 1e-4)).toBeGreaterThan(1e-3);
  });

  it('per-time-step sampleWeight [B, T]: evaluate = Σ w·l / (B·T)', () => {
    const { xs, ys, labels } = seqData();
    const m = seqModel(false);
    const w = seeded(B * T, 21, 0, 2);
    const { l } = perStep(m.predict(xs) as Tensor, labels);
    let want = 0;
    l.flat().forEach((v, i) => { want += (w[i] * v) / (B * T); });
    expect(Math.abs(m.evaluate(xs, ys, { sampleWeight: t(w, [B, T]), batchSize: 4 }).loss - want) / want).toBeLessThan(1e-5);
  });

  it('training with the mask converges on valid steps (exact-sequence accuracy on the valid positions)', async () => {
    const { xs, ys } = seqData();
    const m = seqModel(true, ['accuracy']);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(xs, ys, { epochs: 60, batchSize: B, verbose: 0, seed: 1 });
    expect(h.history.accuracy[59]).toBe(1);
  });
});
