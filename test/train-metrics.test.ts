/**
 * Issue 13 item 3 (metrics): every metric streams over batches — evaluate in
 * batches of 3 equals the value over the whole set computed here from the
 * definitions (Keras 3) — agrees with TensorFlow.js where tfjs has it, appears
 * in history (train and val_), and is masked/weighted like the loss.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, Sequential, layers, optimizers } from '../src/index.js';
import { BACKENDS, identityModel, seeded, withBackend, t } from './helpers/train.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const N = 11, C = 3;
const P = seeded(N * C, 31, 0.02, 0.98);
const Ybin = seeded(N * C, 32).map((v) => (v > 0.55 ? 1 : 0));
const Yreal = seeded(N * C, 33, -1, 1);
const Yhot = new Float32Array(N * C);
seeded(N, 34).forEach((v, r) => { Yhot[r * C + Math.floor(v * C)] = 1; });
const Wt = seeded(N, 35, 0, 2);

const EPS = 1e-7;
const rowMean = (f: (p: number, y: number) => number, y: Float32Array) =>
  Array.from({ length: N }, (_, r) => Array.from({ length: C }, (_, j) => f(P[r * C + j], y[r * C + j])).reduce((a, b) => a + b, 0) / C);
const wmean = (v: number[], w?: Float32Array) => v.reduce((s, x, i) => s + x * (w ? w[i] : 1), 0) / (w ? w.reduce((a, b) => a + b, 0) : v.length);
const argmax = (a: Float32Array, o: number) => { let b = 0; for (let j = 1; j < C; j++) if (a[o + j] > a[o + b]) b = j; return b; };

function counts(y: Float32Array, th = 0.5, w?: Float32Array) {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < N * C; i++) {
    const wi = w ? w[Math.floor(i / C)] : 1, pos = P[i] > th, yes = y[i] === 1;
    if (pos && yes) tp += wi; else if (pos) fp += wi; else if (yes) fn += wi;
  }
  return { tp, fp, fn };
}

/** Keras AUC(ROC, interpolation) written independently. */
function kerasAuc(y: Float32Array, n: number): number {
  const th = Array.from({ length: n }, (_, i) => (i === 0 ? -EPS : i === n - 1 ? 1 + EPS : i / (n - 1)));
  const tpr: number[] = [], fpr: number[] = [];
  for (const h of th) {
    let tp = 0, fp = 0, tn = 0, fn = 0;
    for (let i = 0; i < N * C; i++) { const pos = P[i] > h; if (y[i]) { if (pos) tp++; else fn++; } else if (pos) fp++; else tn++; }
    tpr.push(tp + fn ? tp / (tp + fn) : 0); fpr.push(fp + tn ? fp / (fp + tn) : 0);
  }
  let a = 0;
  for (let i = 0; i < n - 1; i++) a += (fpr[i] - fpr[i + 1]) * (tpr[i] + tpr[i + 1]) / 2;
  return a;
}
/** Exact ROC AUC (probability a positive scores above a negative). */
function exactAuc(y: Float32Array): number {
  let s = 0, np = 0, nn = 0;
  for (let i = 0; i < N * C; i++) for (let k = 0; k < N * C; k++) if (y[i] && !y[k]) { np++; s += P[i] > P[k] ? 1 : P[i] === P[k] ? 0.5 : 0; }
  nn = np;
  return s / nn;
}

const f1 = (c: { tp: number; fp: number; fn: number }) => {
  const p = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0, r = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  return (2 * p * r) / (p + r + EPS);
};

const CASES: { metric: unknown; key: string; loss: string; y: Float32Array; want: () => number; tfjs?: () => number }[] = [
  { metric: 'mae', key: 'mae', loss: 'mse', y: Yreal, want: () => wmean(rowMean((p, y) => Math.abs(p - y), Yreal)),
    tfjs: () => tf.mean(tf.metrics.meanAbsoluteError(tf.tensor2d(Yreal, [N, C]), tf.tensor2d(P, [N, C]))).dataSync()[0] },
  { metric: 'mse', key: 'mse', loss: 'mse', y: Yreal, want: () => wmean(rowMean((p, y) => (p - y) ** 2, Yreal)),
    tfjs: () => tf.mean(tf.metrics.meanSquaredError(tf.tensor2d(Yreal, [N, C]), tf.tensor2d(P, [N, C]))).dataSync()[0] },
  { metric: 'rmse', key: 'rmse', loss: 'mse', y: Yreal, want: () => Math.sqrt(wmean(rowMean((p, y) => (p - y) ** 2, Yreal))) },
  { metric: 'mape', key: 'mape', loss: 'mse', y: Yreal, want: () => wmean(rowMean((p, y) => (100 * Math.abs(y - p)) / Math.max(Math.abs(y), EPS), Yreal)),
    tfjs: () => tf.mean(tf.metrics.meanAbsolutePercentageError(tf.tensor2d(Yreal, [N, C]), tf.tensor2d(P, [N, C]))).dataSync()[0] },
  { metric: 'binaryAccuracy', key: 'binaryAccuracy', loss: 'binaryCrossentropy', y: Ybin, want: () => wmean(rowMean((p, y) => ((p > 0.5 ? 1 : 0) === y ? 1 : 0), Ybin)),
    tfjs: () => tf.mean(tf.metrics.binaryAccuracy(tf.tensor2d(Ybin, [N, C]), tf.tensor2d(P, [N, C]))).dataSync()[0] },
  { metric: 'categoricalAccuracy', key: 'categoricalAccuracy', loss: 'categoricalCrossentropy', y: Yhot,
    want: () => wmean(Array.from({ length: N }, (_, r) => (argmax(P, r * C) === argmax(Yhot, r * C) ? 1 : 0))),
    tfjs: () => tf.mean(tf.metrics.categoricalAccuracy(tf.tensor2d(Yhot, [N, C]), tf.tensor2d(P, [N, C]))).dataSync()[0] },
  { metric: { name: 'topKCategoricalAccuracy', k: 2 }, key: 'topKCategoricalAccuracy', loss: 'categoricalCrossentropy', y: Yhot,
    want: () => wmean(Array.from({ length: N }, (_, r) => { const c = argmax(Yhot, r * C); let above = 0; for (let j = 0; j < C; j++) if (P[r * C + j] > P[r * C + c]) above++; return above < 2 ? 1 : 0; })) },
  { metric: 'precision', key: 'precision', loss: 'binaryCrossentropy', y: Ybin, want: () => { const c = counts(Ybin); return c.tp / (c.tp + c.fp); },
    tfjs: () => tf.metrics.precision(tf.tensor2d(Ybin, [N, C]), tf.tensor2d(P.map((v) => (v > 0.5 ? 1 : 0)), [N, C])).dataSync()[0] },
  { metric: 'recall', key: 'recall', loss: 'binaryCrossentropy', y: Ybin, want: () => { const c = counts(Ybin); return c.tp / (c.tp + c.fn); },
    tfjs: () => tf.metrics.recall(tf.tensor2d(Ybin, [N, C]), tf.tensor2d(P.map((v) => (v > 0.5 ? 1 : 0)), [N, C])).dataSync()[0] },
  { metric: 'auc', key: 'auc', loss: 'binaryCrossentropy', y: Ybin, want: () => kerasAuc(Ybin, 200) },
  { metric: { name: 'auc', numThresholds: 7 }, key: 'auc', loss: 'binaryCrossentropy', y: Ybin, want: () => kerasAuc(Ybin, 7) },
  { metric: { name: 'f1Score', average: 'micro', threshold: 0.5 }, key: 'f1Score', loss: 'binaryCrossentropy', y: Ybin, want: () => f1(counts(Ybin)) },
];

describe('metrics stream over batches (evaluate in batches of 3 = whole-set value), both backends, tfjs', () => {
  for (const c of CASES) {
    it(`${JSON.stringify(c.metric)}`, () => {
      const want = c.want();
      for (const b of BACKENDS) {
        const got = withBackend(b, () => identityModel(C, { loss: c.loss, metrics: [c.metric] }).evaluate(t(P, [N, C]), t(c.y, [N, C]), { batchSize: 3 }));
        expect(Math.abs(got[c.key] - want)).toBeLessThan(1e-6);
      }
      if (c.tfjs) expect(Math.abs(c.tfjs() - want)).toBeLessThan(1e-5);
    });
  }

  it('AUC with many thresholds approaches the exact ROC AUC', () => {
    const got = identityModel(C, { loss: 'binaryCrossentropy', metrics: [{ name: 'auc', numThresholds: 2000 }] }).evaluate(t(P, [N, C]), t(Ybin, [N, C]), { batchSize: 4 });
    expect(Math.abs(got.auc - exactAuc(Ybin))).toBeLessThan(2e-3);
  });

  it('macro and weighted F1 over classes (argmax predictions when threshold is null)', () => {
    const per = Array.from({ length: C }, (_, j) => {
      let tp = 0, fp = 0, fn = 0;
      for (let r = 0; r < N; r++) { const pos = argmax(P, r * C) === j, yes = Yhot[r * C + j] === 1; if (pos && yes) tp++; else if (pos) fp++; else if (yes) fn++; }
      return { tp, fp, fn };
    });
    const macro = per.map(f1).reduce((a, b) => a + b, 0) / C;
    const sup = per.map((q) => q.tp + q.fn);
    const weighted = per.map(f1).reduce((a, v, j) => a + v * sup[j], 0) / sup.reduce((a, b) => a + b, 0);
    const m = identityModel(C, { loss: 'categoricalCrossentropy', metrics: [{ name: 'f1Score', average: 'macro' }] });
    expect(m.evaluate(t(P, [N, C]), t(Yhot, [N, C]), { batchSize: 5 }).f1Score).toBeCloseTo(macro, 6);
    const w = identityModel(C, { loss: 'categoricalCrossentropy', metrics: [{ name: 'f1Score', average: 'weighted' }] });
    expect(w.evaluate(t(P, [N, C]), t(Yhot, [N, C]), { batchSize: 5 }).f1Score).toBeCloseTo(weighted, 6);
  });

  it('sample weights weigh metrics like the loss (Keras: Σ w·v / Σ w; counts weighted)', () => {
    const m = identityModel(C, { loss: 'binaryCrossentropy', metrics: ['mae', 'precision'] });
    const ev = m.evaluate(t(P, [N, C]), t(Ybin, [N, C]), { batchSize: 4, sampleWeight: t(Wt, [N]) });
    expect(ev.mae).toBeCloseTo(wmean(rowMean((p, y) => Math.abs(p - y), Ybin), Wt), 6);
    const c = counts(Ybin, 0.5, Wt);
    expect(ev.precision).toBeCloseTo(c.tp / (c.tp + c.fp), 6);
  });

  it('fit history carries every metric for training and validation', async () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [C], activation: 'sigmoid' })], { seed: 2 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'recall', 'auc', 'mae'] });
    const y = Float32Array.from({ length: N }, (_, r) => (P[r * C] > 0.5 ? 1 : 0));
    const h = await m.fit(t(P, [N, C]), t(y, [N, 1]), { epochs: 3, batchSize: 4, validationSplit: 0.3, verbose: 0 });
    for (const k of ['loss', 'accuracy', 'precision', 'recall', 'auc', 'mae']) {
      expect(h.history[k]).toHaveLength(3);
      expect(h.history[`val_${k}`]).toHaveLength(3);
    }
  });

  it('rejects unknown metrics, options and target-kind mismatches with names', () => {
    expect(() => identityModel(C, { loss: 'mse', metrics: ['precission'] })).toThrow(/unknown metric 'precission'/);
    expect(() => identityModel(C, { loss: 'mse', metrics: [{ name: 'auc', numThreshold: 5 }] })).toThrow(/numThreshold/);
    expect(() => identityModel(C, { loss: 'sparseCategoricalCrossentropy', metrics: ['precision'] })).toThrow(/precision' needs targets shaped like the output/);
    expect(() => identityModel(C, { loss: 'mse', metrics: ['mae', 'mae'] })).toThrow(/metric 'mae' is listed twice/);
  });
});
