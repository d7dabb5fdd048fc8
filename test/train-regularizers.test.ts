/**
 * Issue 13 item 1: regularizers (kernel, recurrent kernel, bias, activity) change
 * the loss and gradients exactly as Keras 3 adds them (unscaled penalty), on both
 * backends; files declaring them load and keep them; constraints apply after
 * every step; adamw / weightDecay follow Keras 3's decoupled rule; initialState as a factory option throws.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, Sequential, layers, optimizers, regularizers, constraints, tensor, io } from '../src/index.js';
import { normalizeTopology } from '../src/io/topology.js';
import { modelFromTopology } from '../src/models/from-topology.js';
import { BACKENDS, seeded, withBackend, maxRel, t, numericGrad } from './helpers/train.js';
import { Regularizer } from '../src/regularizers.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const N = 5, Tm = 4, I = 3, H = 4;
const X = t(seeded(N * Tm * I, 41, -1, 1), [N, Tm, I]);
const Y = t(seeded(N, 42, -1, 1), [N, 1]);

function lstmModel(extra: Record<string, unknown> = {}, dense: Record<string, unknown> = {}) {
  const m = new Sequential([layers.lstm({ units: H, inputShape: [Tm, I], ...extra }), layers.dense({ units: 1, ...dense })], { seed: 7 });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
  return m;
}
const sumSq = (a: Float32Array) => a.reduce((s, v) => s + v * v, 0);
const sumAbs = (a: Float32Array) => a.reduce((s, v) => s + Math.abs(v), 0);

describe('regularizers', () => {
  it('L2 on kernel / recurrent kernel / bias, L1 on the Dense kernel: loss += Σ penalties, grads += their derivatives (both backends)', () => {
    for (const b of BACKENDS) {
      withBackend(b, () => {
        const plain = lstmModel();
        const reg = lstmModel({ kernelRegularizer: regularizers.l2({ l2: 0.3 }), recurrentRegularizer: 'l2', biasRegularizer: regularizers.l1l2({ l1: 0.05, l2: 0.2 }) },
          { kernelRegularizer: regularizers.l1({ l1: 0.7 }) });
        reg.setWeights(plain.getWeights());
        const w = plain.getWeights();
        const g0 = plain.computeGradients(X, Y), g1 = reg.computeGradients(X, Y);
        const pen = 0.3 * sumSq(w[0].data) + 0.01 * sumSq(w[1].data) + 0.05 * sumAbs(w[2].data) + 0.2 * sumSq(w[2].data) + 0.7 * sumAbs(w[3].data);
        expect(Math.abs(g1.loss - g0.loss - pen) / pen).toBeLessThan(1e-5);
        expect(Math.abs(reg.evaluate(X, Y).loss - plain.evaluate(X, Y).loss - pen) / pen).toBeLessThan(1e-5);
        const d = [
          w[0].data.map((v) => 0.6 * v), w[1].data.map((v) => 0.02 * v), w[2].data.map((v) => 0.05 * Math.sign(v) + 0.4 * v),
          w[3].data.map((v) => 0.7 * Math.sign(v)), new Float32Array(1),
        ];
        g1.grads.forEach((g, i) => {
          const want = g0.grads[i].data.map((v, j) => v + d[i][j]);
          expect(maxRel(g.data, want, 1e-3)).toBeLessThan(1e-5);
        });
      });
    }
  });

  it('activity regularizer on the LSTM output: loss += l2·Σh², gradient matches float64 finite differences of the model loss', () => {
    const mk = () => lstmModel({ activityRegularizer: regularizers.l2({ l2: 0.5 }) });
    const m = mk();
    const h = (new Sequential([layers.lstm({ units: H, inputShape: [Tm, I] })], { seed: 7 }));
    h.setWeights(m.getWeights().slice(0, 3));
    const out = h.predict(X) as ReturnType<typeof tensor>;
    const plain = lstmModel();
    plain.setWeights(m.getWeights());
    const { loss, grads } = m.computeGradients(X, Y);
    expect(Math.abs(loss - plain.computeGradients(X, Y).loss - 0.5 * sumSq(out.data as Float32Array)) / loss).toBeLessThan(1e-5);
    // finite differences on the bias of the LSTM (float32 model, so a coarse step and tolerance)
    const w = m.getWeights();
    const f = (b: Float64Array) => { const ww = w.map((x) => ({ ...x, data: x.data.slice() })); ww[2].data = Float32Array.from(b); const mm = mk(); mm.setWeights(ww); return mm.evaluate(X, Y).loss; };
    const fd = numericGrad(f, Float64Array.from(w[2].data), 1e-2);
    expect(maxRel(grads[2].data, fd, 1e-2)).toBeLessThan(2e-2);
  });

  it('embeddings regularizer under the by-token Embedding → LSTM backward: grads += 2·l2·E (both backends)', () => {
    for (const b of BACKENDS) {
      withBackend(b, () => {
        const mk = (reg: boolean) => {
          const m = new Sequential([layers.embedding({ inputDim: 5, outputDim: 3, inputLength: 6, ...(reg ? { embeddingsRegularizer: regularizers.l2({ l2: 0.2 }) } : {}) }),
            layers.lstm({ units: 4 }), layers.dense({ units: 1 })], { seed: 8 });
          m.compile({ optimizer: 'sgd', loss: 'mse' });
          return m;
        };
        const xi = tensor(Int32Array.from({ length: 8 * 6 }, (_, i) => (i * 7) % 5), [8, 6], 'int32'), yi = t(seeded(8, 9), [8, 1]);
        const a = mk(false), r = mk(true);
        r.setWeights(a.getWeights());
        const E = a.getWeights()[0].data;
        const ga = a.computeGradients(xi, yi), gr = r.computeGradients(xi, yi);
        expect(maxRel(gr.grads[0].data, ga.grads[0].data.map((v, j) => v + 0.4 * E[j]), 1e-3)).toBeLessThan(1e-5);
        expect(Math.abs(gr.loss - ga.loss - 0.2 * sumSq(E)) / gr.loss).toBeLessThan(1e-5);
      });
    }
  });

  it('regularizers were silently ignored before (issue 13: L2 = 10 left the loss unchanged); now L2 = 10 dominates the loss', () => {
    const a = lstmModel(), b = lstmModel({ kernelRegularizer: regularizers.l2({ l2: 10 }) });
    b.setWeights(a.getWeights());
    expect(b.evaluate(X, Y).loss).toBeGreaterThan(a.evaluate(X, Y).loss + 1);
  });

  it('files that declare regularizers/constraints load and keep them (Keras 3, Keras 2 and tfjs forms); a round trip keeps them', async () => {
    const m = lstmModel({ kernelRegularizer: regularizers.l2({ l2: 0.25 }), recurrentConstraint: constraints.maxNorm({ maxValue: 1.5 }) });
    const topo = m.toJSON() as { config: { layers: { config: Record<string, unknown> }[] } };
    expect(topo.config.layers[0].config.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.25 } });
    expect(topo.config.layers[0].config.recurrent_constraint).toEqual({ class_name: 'MaxNorm', config: { max_value: 1.5, axis: 0 } });
    for (const form of [{ module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.25 }, registered_name: null }, { class_name: 'L1L2', config: { l1: 0, l2: 0.25 } }]) {
      const t2 = structuredClone(topo);
      t2.config.layers[0].config.kernel_regularizer = form;
      const loaded = modelFromTopology(normalizeTopology(t2), m.getWeights());
      loaded.compile({ optimizer: 'sgd', loss: 'mse' });
      expect(loaded.evaluate(X, Y).loss).toBeCloseTo(m.evaluate(X, Y).loss, 6);
    }
    const mem: { a?: unknown } = {};
    await m.save(io.withSaveHandler(async (a) => { mem.a = a; }));
    const back = io.fromArtifacts(mem.a as never);
    back.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(back.evaluate(X, Y).loss).toBeCloseTo(m.evaluate(X, Y).loss, 6);
  });

  it('agrees with TensorFlow.js fit with kernel L2 / bias L1 regularizers (two SGD epochs: loss history and weights)', async () => {
    const x = seeded(8 * 3, 61, -1, 1), y = seeded(8 * 2, 62, -1, 1);
    const ours = new Sequential([layers.dense({ units: 2, inputShape: [3], activation: 'tanh', kernelRegularizer: regularizers.l2({ l2: 0.1 }), biasRegularizer: regularizers.l1({ l1: 0.05 }) })], { seed: 4 });
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss: 'mse' });
    ours.setWeights(ours.getWeights().map((w, i) => ({ ...w, data: i === 1 ? Float32Array.of(0.3, -0.2) : w.data })));
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'tanh', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }), biasRegularizer: tf.regularizers.l1({ l1: 0.05 }) })] });
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, w.shape)));
    theirs.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    const h = await ours.fit(t(x, [8, 3]), t(y, [8, 2]), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const th = await theirs.fit(tf.tensor2d(x, [8, 3]), tf.tensor2d(y, [8, 2]), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    expect(maxRel(Float32Array.from(h.history.loss), Float32Array.from(th.history.loss as number[]))).toBeLessThan(1e-5);
    const tw = theirs.getWeights().map((v) => v.dataSync() as Float32Array);
    ours.getWeights().forEach((w, i) => expect(maxRel(w.data, tw[i], 1e-3)).toBeLessThan(1e-5));
  });

  it('regularizer options a class does not have, and bad values, throw with names', () => {
    expect(() => layers.dense({ units: 2, recurrentRegularizer: 'l2' })).toThrow(/Dense has no option recurrentRegularizer/);
    expect(() => layers.lstm({ units: 2, kernelRegularizer: 'l3' })).toThrow(/kernelRegularizer: unknown regularizer 'l3'/);
    expect(() => regularizers.l2({ l2: -1 })).toThrow(/regularizers.l2: l2: expected a finite number ≥ 0/);
    expect(() => layers.dense({ units: 2, kernelConstraint: 'max_norm2' })).toThrow(/unsupported constraint 'max_norm2'/);
  });
});

describe('constraints after every step', () => {
  function colNorms(w: Float32Array, rows: number, cols: number) {
    return Array.from({ length: cols }, (_, j) => { let s = 0; for (let i = 0; i < rows; i++) s += w[i * cols + j] ** 2; return Math.sqrt(s); });
  }
  for (const b of BACKENDS) {
    it(`maxNorm, unitNorm, nonNeg = the unconstrained step followed by the Keras formula (${b})`, () => {
      withBackend(b, () => {
        const free = lstmModel({}, {});
        const cons = lstmModel({ kernelConstraint: constraints.maxNorm({ maxValue: 0.4 }), recurrentConstraint: constraints.unitNorm(), biasConstraint: constraints.nonNeg() },
          { kernelConstraint: constraints.nonNeg() });
        cons.setWeights(free.getWeights());
        free.trainOnBatch(X, Y);
        cons.trainOnBatch(X, Y);
        const f = free.getWeights(), c = cons.getWeights();
        const n0 = colNorms(f[0].data, I, 4 * H);
        const want0 = f[0].data.map((v, i) => v * Math.min(n0[i % (4 * H)], 0.4) / (1e-7 + n0[i % (4 * H)]));
        expect(maxRel(c[0].data, want0, 1e-6)).toBeLessThan(1e-5);
        colNorms(c[0].data, I, 4 * H).forEach((n) => expect(n).toBeLessThanOrEqual(0.4 + 1e-6));
        const n1 = colNorms(f[1].data, H, 4 * H);
        expect(maxRel(c[1].data, f[1].data.map((v, i) => v / (1e-7 + n1[i % (4 * H)])), 1e-6)).toBeLessThan(1e-5);
        expect(maxRel(c[2].data, f[2].data.map((v) => (v >= 0 ? v : 0)), 1e-6)).toBeLessThan(1e-6);
        expect(maxRel(c[3].data, f[3].data.map((v) => (v >= 0 ? v : 0)), 1e-6)).toBeLessThan(1e-6);
      });
    });
  }
});

describe('decoupled weight decay (Keras 3) and adamw', () => {
  it('adamw one step = decay w ← w − lr·wd·w, then the Adam update (reference math), both backends; adam({ weightDecay }) too', () => {
    for (const b of BACKENDS) {
      withBackend(b, () => {
        for (const [opt, wd] of [[optimizers.adamw({ learningRate: 0.05 }), 0.004], [optimizers.adam({ learningRate: 0.05, weightDecay: 0.1 }), 0.1]] as const) {
          const m = lstmModel();
          const w0 = m.getWeights();
          const { grads } = m.computeGradients(X, Y);
          m.compile({ optimizer: opt, loss: 'mse' });
          m.trainOnBatch(X, Y);
          const w1 = m.getWeights();
          w0.forEach((w, i) => {
            const want = w.data.map((v, j) => {
              const g = grads[i].data[j];
              const d = v - v * wd * 0.05;
              const mh = (0.1 * g) / (1 - 0.9), vh = (0.001 * g * g) / (1 - 0.999);
              return d - (0.05 * mh) / (Math.sqrt(vh) + 1e-7);
            });
            expect(maxRel(w1[i].data, want, 1e-2)).toBeLessThan(1e-4); // absolute 1e-6 where w − lr·sign(g) cancels
          });
        }
      });
    }
  });
  it('frozen layers are not decayed (Keras decays trainable variables only)', () => {
    const m = new Sequential([layers.dense({ units: 2, inputShape: [3], trainable: false }), layers.dense({ units: 1 })], { seed: 3 });
    m.compile({ optimizer: optimizers.adamw({ learningRate: 0.1, weightDecay: 0.5 }), loss: 'mse' });
    const before = m.getWeights();
    m.trainOnBatch(t(seeded(6, 1), [2, 3]), t(seeded(2, 2), [2, 1]));
    expect(Array.from(m.getWeights()[0].data)).toEqual(Array.from(before[0].data));
  });
});

describe('initialState', () => {
  it('is not a factory option: it throws pointing to layer.apply (no silent no-op)', () => {
    expect(() => layers.lstm({ units: 2, initialState: [] } as never)).toThrow(/layers.lstm: initialState is not a layer option: give it when calling the layer, layer.apply\(x, \{ initialState/);
    expect(() => layers.gru({ units: 2, initialState: [] } as never)).toThrow(/initialState/);
  });
});

// keep the import used for type narrowing in editors
void Regularizer;
