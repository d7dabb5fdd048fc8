/**
 * Every loss of issue 13 item 3: float64 finite-difference checks of each row
 * function, the model's loss and bias gradient on both backends against
 * independent float64 references written here (bias gradient = Σ_rows dL/dp),
 * and agreement with TensorFlow.js where tfjs has the loss. Custom losses as a
 * value/gradient pair.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, type Sequential } from '../src/index.js';
import * as D from '../src/losses/definitions.js';
import { getLoss } from '../src/losses.js';
import { backend } from '../src/backend/index.js';
import { BACKENDS, identityModel, numericGrad, seeded, withBackend, maxRel, t } from './helpers/train.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const EPS = 1e-7;
const R = 6, C = 4;
type Ref = (p: Float64Array, y: Float64Array) => number; // mean over R rows of the row loss (float64)
const rowsMean = (row: (p: number[], y: number[]) => number): Ref => (p, y) => {
  let s = 0;
  for (let r = 0; r < R; r++) s += row(Array.from(p.slice(r * C, r * C + C)), Array.from(y.slice(r * C, r * C + C)));
  return s / R;
};
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const sigm = (x: number) => 1 / (1 + Math.exp(-x));

/** Independent references, from the Keras 3 formulas (keras/src/losses/losses.py). */
const CASES: { name: string; spec: unknown; ref: Ref; pred: [number, number]; targ: 'prob' | 'onehot' | 'pm1' | 'real' | 'binary'; tfjs?: string | ((y: tf.Tensor, p: tf.Tensor) => tf.Scalar) }[] = [
  { name: 'meanAbsoluteError', spec: 'mae', pred: [-2, 2], targ: 'real', tfjs: 'meanAbsoluteError',
    ref: rowsMean((p, y) => mean(p.map((v, j) => Math.abs(v - y[j])))) },
  { name: 'meanAbsolutePercentageError', spec: 'mape', pred: [-2, 2], targ: 'real', tfjs: 'meanAbsolutePercentageError',
    ref: rowsMean((p, y) => 100 * mean(p.map((v, j) => Math.abs(y[j] - v) / Math.max(Math.abs(y[j]), EPS)))) },
  { name: 'meanSquaredLogarithmicError', spec: 'msle', pred: [0.1, 3], targ: 'prob', tfjs: 'meanSquaredLogarithmicError',
    ref: rowsMean((p, y) => mean(p.map((v, j) => (Math.log(Math.max(v, EPS) + 1) - Math.log(Math.max(y[j], EPS) + 1)) ** 2))) },
  { name: 'huber', spec: { name: 'huber', delta: 0.7 }, pred: [-2, 2], targ: 'real',
    tfjs: (y, p) => tf.losses.huberLoss(y, p, undefined, 0.7) as tf.Scalar,
    ref: rowsMean((p, y) => mean(p.map((v, j) => { const e = Math.abs(v - y[j]); return e <= 0.7 ? 0.5 * e * e : 0.7 * e - 0.5 * 0.49; }))) },
  { name: 'logCosh', spec: 'logCosh', pred: [-2, 2], targ: 'real', tfjs: 'logcosh',
    ref: rowsMean((p, y) => mean(p.map((v, j) => Math.log(Math.cosh(v - y[j]))))) },
  { name: 'kullbackLeiblerDivergence', spec: 'kld', pred: [0.05, 0.95], targ: 'prob', tfjs: 'kullbackLeiblerDivergence',
    ref: rowsMean((p, y) => p.reduce((s, v, j) => { const a = Math.min(Math.max(y[j], EPS), 1); return s + a * Math.log(a / Math.min(Math.max(v, EPS), 1)); }, 0)) },
  { name: 'poisson', spec: 'poisson', pred: [0.1, 3], targ: 'prob', tfjs: 'poisson',
    ref: rowsMean((p, y) => mean(p.map((v, j) => v - y[j] * Math.log(v + EPS)))) },
  { name: 'hinge', spec: 'hinge', pred: [-2, 2], targ: 'pm1', tfjs: 'hinge',
    ref: rowsMean((p, y) => mean(p.map((v, j) => Math.max(1 - y[j] * v, 0)))) },
  { name: 'squaredHinge', spec: 'squaredHinge', pred: [-2, 2], targ: 'pm1', tfjs: 'squaredHinge',
    ref: rowsMean((p, y) => mean(p.map((v, j) => Math.max(1 - y[j] * v, 0) ** 2))) },
  { name: 'hinge with 0/1 labels (Keras converts to −1/+1)', spec: 'hinge', pred: [-2, 2], targ: 'binary',
    ref: rowsMean((p, y) => mean(p.map((v, j) => Math.max(1 - (2 * y[j] - 1) * v, 0)))) },
  { name: 'binaryFocalCrossentropy', spec: { name: 'binaryFocalCrossentropy', gamma: 2 }, pred: [0.05, 0.95], targ: 'binary',
    ref: rowsMean((p, y) => mean(p.map((v, j) => { const pt = y[j] * v + (1 - y[j]) * (1 - v); return -((1 - pt) ** 2) * Math.log(pt); }))) },
  { name: 'binaryFocalCrossentropy balanced, from logits, smoothed', spec: { name: 'binaryFocalCrossentropy', gamma: 1.5, alpha: 0.3, applyClassBalancing: true, fromLogits: true, labelSmoothing: 0.1 }, pred: [-3, 3], targ: 'binary',
    ref: rowsMean((p, y0) => mean(p.map((x, j) => {
      const y = y0[j] * 0.9 + 0.05, q = sigm(x), pt = y * q + (1 - y) * (1 - q);
      const bce = -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
      return (y * 0.3 + (1 - y) * 0.7) * (1 - pt) ** 1.5 * bce;
    }))) },
  { name: 'binaryCrossentropy fromLogits', spec: { name: 'binaryCrossentropy', fromLogits: true }, pred: [-4, 4], targ: 'binary',
    tfjs: (y, p) => tf.losses.sigmoidCrossEntropy(y, p) as tf.Scalar,
    ref: rowsMean((p, y) => mean(p.map((x, j) => -(y[j] * Math.log(sigm(x)) + (1 - y[j]) * Math.log(1 - sigm(x)))))) },
  { name: 'binaryCrossentropy labelSmoothing', spec: { name: 'binaryCrossentropy', labelSmoothing: 0.2 }, pred: [0.05, 0.95], targ: 'binary',
    tfjs: (y, p) => tf.losses.sigmoidCrossEntropy(y, tf.log(tf.div(p, tf.sub(1, p))), undefined, 0.2) as tf.Scalar,
    ref: rowsMean((p, y0) => mean(p.map((v, j) => { const y = y0[j] * 0.8 + 0.1; return -(y * Math.log(v) + (1 - y) * Math.log(1 - v)); }))) },
  { name: 'categoricalCrossentropy fromLogits + labelSmoothing', spec: { name: 'categoricalCrossentropy', fromLogits: true, labelSmoothing: 0.1 }, pred: [-3, 3], targ: 'onehot',
    tfjs: (y, p) => tf.losses.softmaxCrossEntropy(y, p, undefined, 0.1) as tf.Scalar,
    ref: rowsMean((p, y0) => { const z = p.reduce((s, v) => s + Math.exp(v), 0); return -p.reduce((s, v, j) => s + (y0[j] * 0.9 + 0.1 / C) * (v - Math.log(z)), 0); }) },
];

function data(c: typeof CASES[number], seed: number) {
  const p = seeded(R * C, seed, c.pred[0], c.pred[1]);
  const u = seeded(R * C, seed + 100);
  let y: Float32Array;
  if (c.targ === 'prob') y = u.map((v) => 0.05 + 0.9 * v);
  else if (c.targ === 'real') y = u.map((v) => 4 * v - 2);
  else if (c.targ === 'pm1') y = u.map((v) => (v > 0.5 ? 1 : -1));
  else if (c.targ === 'binary') y = u.map((v) => (v > 0.5 ? 1 : 0));
  else { y = new Float32Array(R * C); for (let r = 0; r < R; r++) y[r * C + Math.floor(u[r] * C)] = 1; }
  return { p, y };
}

/** The model's loss and bias gradient (= Σ_rows dL/dp) on predictions p. */
function modelLossAndBiasGrad(m: Sequential, p: Float32Array, y: Float32Array) {
  const { loss, grads } = m.computeGradients(t(p, [R, C]), t(y, [R, C]));
  return { loss, db: grads[1].data };
}

describe('losses: float64 finite differences of every row function', () => {
  const rows: [string, D.RowLoss, [number, number]][] = [
    ['meanAbsoluteError', D.meanAbsoluteError, [-2, 2]], ['meanAbsolutePercentageError', D.meanAbsolutePercentageError, [-2, 2]],
    ['meanSquaredLogarithmicError', D.meanSquaredLogarithmicError, [0.1, 3]], ['huber', D.huber(0.5), [-2, 2]], ['logCosh', D.logCosh, [-2, 2]],
    ['kullbackLeiblerDivergence', D.kullbackLeiblerDivergence, [0.05, 0.95]], ['poisson', D.poisson, [0.1, 3]], ['hinge', D.hinge, [-2, 2]],
    ['squaredHinge', D.squaredHinge, [-2, 2]], ['binaryCrossentropy', D.binaryCrossentropy(false), [0.05, 0.95]],
    ['binaryCrossentropy fromLogits', D.binaryCrossentropy(true), [-4, 4]], ['categoricalCrossentropy', D.categoricalCrossentropy(false), [0.05, 0.95]],
    ['categoricalCrossentropy fromLogits', D.categoricalCrossentropy(true), [-4, 4]], ['sparseCategoricalCrossentropy fromLogits', D.sparseCategoricalCrossentropy(true), [-4, 4]],
    ['binaryFocalCrossentropy', D.binaryFocalCrossentropy(2, 0.25, true, false), [0.05, 0.95]],
    ['binaryFocalCrossentropy fromLogits', D.binaryFocalCrossentropy(2, 0.25, false, true), [-3, 3]],
  ];
  for (const [name, row, [lo, hi]] of rows) {
    it(name, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const p = Float64Array.from(seeded(7, seed, lo, hi));
        const y = Float64Array.from(seeded(7, seed + 50), (v) => (name.includes('Hinge') || name === 'hinge' ? (v > 0.5 ? 1 : -1) : name.startsWith('categorical') || name.startsWith('sparse') ? 0 : v));
        if (name.startsWith('categorical') || name.startsWith('sparse')) y[seed % 7] = 1;
        if (name.includes('binary')) y.forEach((v, i) => { y[i] = v > 0.5 ? 1 : 0; });
        const g = new Float64Array(7);
        row(p, y, g);
        const fd = numericGrad((q) => row(q, y, null), p);
        // kinks (|e| = δ, hinge margin 0, mae at 0) are measure-zero for these seeds
        expect(maxRel(g, fd, 1e-3)).toBeLessThan(1e-5);
      }
    });
  }
});

describe('losses in a model: value and gradient vs float64 references, both backends, and tfjs', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { p, y } = data(c, 3);
      const P = Float64Array.from(p), Y = Float64Array.from(y);
      const want = c.ref(P, Y);
      const dbWant = new Float64Array(C);
      for (let j = 0; j < C; j++) {
        dbWant[j] = numericGrad((col) => { const q = P.slice(); for (let r = 0; r < R; r++) q[r * C + j] += col[0]; return c.ref(q, Y); }, Float64Array.of(0))[0];
      }
      const got = BACKENDS.map((b) => withBackend(b, () => modelLossAndBiasGrad(identityModel(C, { loss: c.spec }), p, y)));
      for (const g of got) {
        expect(Math.abs(g.loss - want) / Math.max(1e-3, Math.abs(want))).toBeLessThan(2e-6);
        expect(maxRel(g.db, dbWant, 1e-2)).toBeLessThan(2e-4);
      }
      expect(maxRel(got[0].db, got[1].db, 1e-6)).toBeLessThan(1e-5); // backend parity
      if (c.tfjs) {
        const yt = tf.tensor2d(y, [R, C]), pt = tf.tensor2d(p, [R, C]);
        let tv: number;
        if (typeof c.tfjs === 'string') {
          const tm = tf.sequential({ layers: [tf.layers.dense({ units: C, inputShape: [C], kernelInitializer: 'identity', biasInitializer: 'zeros' })] });
          tm.compile({ optimizer: 'sgd', loss: c.tfjs });
          tv = (tm.evaluate(pt, yt) as tf.Scalar).dataSync()[0];
        } else {
          tv = c.tfjs(yt, pt).dataSync()[0];
        }
        expect(Math.abs(got[0].loss - tv) / Math.max(1e-3, Math.abs(tv))).toBeLessThan(1e-5);
      }
    });
  }

  it('the four tfjs losses with options still agree with their kernels when no option is set (mse via host path with unit weights)', () => {
    const p = seeded(R * C, 9, -1, 1), y = seeded(R * C, 10, -1, 1);
    const plain = identityModel(C, { loss: 'mse' }).evaluate(t(p, [R, C]), t(y, [R, C])).loss;
    const weighted = identityModel(C, { loss: 'mse' }).evaluate(t(p, [R, C]), t(y, [R, C]), { sampleWeight: t(new Float32Array(R).fill(1), [R]) }).loss;
    expect(Math.abs(plain - weighted) / plain).toBeLessThan(1e-6);
  });
});

describe('the pre-issue-13 Loss.run interface still works for every loss', () => {
  it('run() = the unweighted mean (kernel losses and host losses), in the selected backend', () => {
    for (const b of BACKENDS) {
      withBackend(b, () => {
        const be = backend();
        const p = seeded(R * C, 12, 0.1, 0.9), y = seeded(R * C, 13, 0.1, 0.9);
        const P = be.alloc(R * C * 4), Y = be.alloc(R * C * 4);
        be.f32().set(p, P >>> 2); be.f32().set(y, Y >>> 2);
        const mae = rowsMean((q, yy) => mean(q.map((v, j) => Math.abs(v - yy[j]))));
        expect(getLoss('mae').run(be.k, 0, P, Y, R, C)).toBeCloseTo(mae(Float64Array.from(p), Float64Array.from(y)), 6);
        const mse = rowsMean((q, yy) => mean(q.map((v, j) => (v - yy[j]) ** 2)));
        expect(getLoss('mse').run(be.k, 0, P, Y, R, C)).toBeCloseTo(mse(Float64Array.from(p), Float64Array.from(y)), 6);
        be.free(P); be.free(Y);
      });
    }
  });
});

describe('custom losses: a value and gradient pair', () => {
  it('a quartic loss trains through value/gradient, matching the reference math on both backends', () => {
    const spec = {
      name: 'quartic',
      value: (y: Float64Array, p: Float64Array) => p.reduce((s, v, j) => s + (v - y[j]) ** 4, 0) / p.length,
      gradient: (y: Float64Array, p: Float64Array, out: Float64Array) => { p.forEach((v, j) => { out[j] = (4 * (v - y[j]) ** 3) / p.length; }); },
    };
    const p = seeded(R * C, 4, -1, 1), y = seeded(R * C, 5, -1, 1);
    for (const b of BACKENDS) {
      const r = withBackend(b, () => modelLossAndBiasGrad(identityModel(C, { loss: spec }), p, y));
      let want = 0;
      const db = new Float64Array(C);
      for (let i = 0; i < R * C; i++) { want += (p[i] - y[i]) ** 4 / C / R; db[i % C] += (4 * (p[i] - y[i]) ** 3) / C / R; }
      expect(Math.abs(r.loss - want) / want).toBeLessThan(1e-6);
      expect(maxRel(r.db, db, 1e-3)).toBeLessThan(1e-5);
    }
  });
  it('bad custom losses and unknown options throw with names', () => {
    expect(() => identityModel(C, { loss: { value: () => 1 } })).toThrow(/custom loss needs value\(yTrue, yPred\) and gradient/);
    expect(() => identityModel(C, { loss: { name: 'huber', dleta: 2 } })).toThrow(/compile: loss 'huber'.*dleta/);
    expect(() => identityModel(C, { loss: { name: 'mae', fromLogits: true } })).toThrow(/fromLogits/);
    expect(() => identityModel(C, { loss: 'meanAbsolutePercentError' })).toThrow(/unknown loss 'meanAbsolutePercentError'/);
  });
});
