/**
 * Functional models (input → layer.apply → Model): predictions, losses and gradients against
 * TensorFlow.js 4.22 building the same graph with the same weights, on both backends.
 * Graphs: two inputs / two outputs (per-output losses and loss weights), a diamond (one
 * tensor read by two layers: its gradient is the sum), a shared layer (one set of weights
 * applied at two nodes: gradients sum).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend, layers, input, Model, Sequential, tensor, type WeightValue } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { scaledErr } from './helpers/gradcheck.js';

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

const rand = (rng: Rng, n: number, s = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
const oneHot = (rng: Rng, n: number, k: number) => {
  const a = new Float32Array(n * k);
  for (let i = 0; i < n; i++) a[i * k + Math.floor(rng.next() * k)] = 1;
  return a;
};

/** Our weights (by 'layer/weight' name) into the tfjs layers of the same names. */
function copyWeights(ours: WeightValue[], tm: tf.LayersModel): void {
  for (const l of tm.layers) {
    const ws = ours.filter((w) => w.name.startsWith(`${l.name}/`));
    if (ws.length) l.setWeights(ws.map((w) => tf.tensor(w.data, w.shape)));
  }
}

/** tfjs gradients of `lossFn` w.r.t. every trainable weight, under our names (tfjs LSTMs here get Keras' sigmoid recurrent activation; tfjs defaults to hardSigmoid). */
function tfGrads(tm: tf.LayersModel, lossFn: () => tf.Scalar): { loss: number; grads: Map<string, Float32Array> } {
  const vars = tm.layers.flatMap((l) => l.trainableWeights.map((w) => ({ name: `${l.name}/${w.originalName.split('/').pop()}`, v: (w as unknown as { read(): tf.Variable }).read() })));
  const { value, grads } = tf.variableGrads(lossFn, vars.map((x) => x.v));
  const out = new Map<string, Float32Array>();
  for (const x of vars) out.set(x.name, grads[x.v.name].dataSync() as Float32Array);
  return { loss: value.dataSync()[0], grads: out };
}

const mse = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.square(tf.sub(y, p))) as tf.Scalar;
const cce = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.metrics.categoricalCrossentropy(y, p)) as tf.Scalar;

for (const be of ['wasm', 'js'] as const) {
  describe(`functional models (${be} backend)`, () => {
    beforeAll(() => setBackend(be));

    it('two inputs, two outputs: predict, per-output losses with lossWeights, gradients and an SGD step match TensorFlow.js', () => {
      const rng = new Rng(7);
      const N = 6, T = 5, F = 3, G = 4;
      // ours
      const a = input({ shape: [T, F], name: 'seq' });
      const b = input({ shape: [G], name: 'feat' });
      const h = layers.lstm({ units: 6, name: 'enc' }).apply(a);
      const o1 = layers.dense({ units: 2, name: 'reg' }).apply(h);
      const o2 = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(b);
      const m = new Model({ inputs: [a, b], outputs: [o1, o2], seed: 3 });
      // tfjs, same graph
      const ta = tf.input({ shape: [T, F], name: 'seq' }), tb = tf.input({ shape: [G], name: 'feat' });
      const th = tf.layers.lstm({ units: 6, name: 'enc', recurrentActivation: 'sigmoid' }).apply(ta) as tf.SymbolicTensor;
      const to1 = tf.layers.dense({ units: 2, name: 'reg' }).apply(th) as tf.SymbolicTensor;
      const to2 = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(tb) as tf.SymbolicTensor;
      const tm = tf.model({ inputs: [ta, tb], outputs: [to1, to2] });
      copyWeights(m.getWeights(), tm);

      const xa = rand(rng, N * T * F), xb = rand(rng, N * G), y1 = rand(rng, N * 2), y2 = oneHot(rng, N, 3);
      const X = [tensor(xa, [N, T, F]), tensor(xb, [N, G])];
      const ours = m.predict(X) as ReturnType<typeof tensor>[];
      const ref = tm.predict([tf.tensor(xa, [N, T, F]), tf.tensor(xb, [N, G])]) as tf.Tensor[];
      expect(ours.length).toBe(2);
      expect(scaledErr(ours[0].data, ref[0].dataSync())).toBeLessThan(1e-5);
      expect(scaledErr(ours[1].data, ref[1].dataSync())).toBeLessThan(1e-5);
      // a record by input name is the same call
      expect(scaledErr((m.predict({ seq: X[0], feat: X[1] }) as typeof ours)[0].data, ours[0].data)).toBe(0);

      m.compile({ optimizer: 'sgd', loss: { reg: 'meanSquaredError', cls: 'categoricalCrossentropy' }, lossWeights: [0.5, 2] });
      const Y = [tensor(y1, [N, 2]), tensor(y2, [N, 3])];
      const g = m.computeGradients(X, Y);
      const r = tfGrads(tm, () => {
        const [p1, p2] = tm.apply([tf.tensor(xa, [N, T, F]), tf.tensor(xb, [N, G])]) as tf.Tensor[];
        return tf.add(tf.mul(0.5, mse(tf.tensor(y1, [N, 2]), p1)), tf.mul(2, cce(tf.tensor(y2, [N, 3]), p2))) as tf.Scalar;
      });
      expect(Math.abs(g.loss - r.loss) / r.loss).toBeLessThan(1e-5);
      for (const w of g.grads) expect(scaledErr(w.data, r.grads.get(w.name)!), w.name).toBeLessThan(1e-4);

      // evaluate logs the total and each output's loss (Keras names)
      const ev = m.evaluate(X, Y);
      expect(Math.abs(ev.loss - r.loss) / r.loss).toBeLessThan(1e-5);
      expect(Object.keys(ev).sort()).toEqual(['cls_loss', 'loss', 'reg_loss']);
      expect(Math.abs(0.5 * ev.reg_loss + 2 * ev.cls_loss - ev.loss)).toBeLessThan(1e-5);

      // one SGD step (lr 0.01) = weights − 0.01·grad
      const before = m.getWeights();
      m.trainOnBatch(X, Y);
      m.getWeights().forEach((w, i) => {
        const want = before[i].data.map((v, j) => v - 0.01 * r.grads.get(w.name)![j]);
        expect(scaledErr(w.data, want), w.name).toBeLessThan(1e-5);
      });
    });

    it('a diamond (one tensor read by two layers) sums its gradients, and fit trains both outputs', async () => {
      const rng = new Rng(11);
      const N = 8, F = 5;
      const x = input({ shape: [F], name: 'x' });
      const h = layers.dense({ units: 4, activation: 'tanh', name: 'trunk' }).apply(x);
      const o1 = layers.dense({ units: 1, name: 'left' }).apply(h);
      const o2 = layers.dense({ units: 2, name: 'right' }).apply(h);
      const m = new Model({ inputs: x, outputs: [o1, o2], seed: 5 });
      const tx = tf.input({ shape: [F] });
      const th = tf.layers.dense({ units: 4, activation: 'tanh', name: 'trunk' }).apply(tx) as tf.SymbolicTensor;
      const tm = tf.model({ inputs: tx, outputs: [tf.layers.dense({ units: 1, name: 'left' }).apply(th) as tf.SymbolicTensor, tf.layers.dense({ units: 2, name: 'right' }).apply(th) as tf.SymbolicTensor] });
      copyWeights(m.getWeights(), tm);
      const xs = rand(rng, N * F), y1 = rand(rng, N), y2 = rand(rng, N * 2);
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      const g = m.computeGradients(tensor(xs, [N, F]), [tensor(y1, [N, 1]), tensor(y2, [N, 2])]);
      const r = tfGrads(tm, () => {
        const [p1, p2] = tm.apply(tf.tensor(xs, [N, F])) as tf.Tensor[];
        return tf.add(mse(tf.tensor(y1, [N, 1]), p1), mse(tf.tensor(y2, [N, 2]), p2)) as tf.Scalar;
      });
      expect(Math.abs(g.loss - r.loss) / r.loss).toBeLessThan(1e-5);
      for (const w of g.grads) expect(scaledErr(w.data, r.grads.get(w.name)!), w.name).toBeLessThan(1e-4);
      const hist = await m.fit(tensor(xs, [N, F]), [tensor(y1, [N, 1]), tensor(y2, [N, 2])], { epochs: 30, batchSize: 4, verbose: 0 });
      expect(Object.keys(hist.history).sort()).toEqual(['left_loss', 'loss', 'right_loss']);
      expect(hist.history.loss[29]).toBeLessThan(hist.history.loss[0]);
    });

    it('a shared layer: one set of weights at two nodes, gradients summed (TensorFlow.js reference)', () => {
      const rng = new Rng(13);
      const N = 5, T = 4, F = 3;
      const shared = layers.lstm({ units: 5, name: 'shared' });
      const x1 = input({ shape: [T, F], name: 'left' }), x2 = input({ shape: [T, F], name: 'right' });
      const h1 = shared.apply(x1), h2 = shared.apply(x2);
      const head = layers.dense({ units: 2, name: 'head' });
      const m = new Model({ inputs: [x1, x2], outputs: [head.apply(h1), head.apply(h2)], seed: 9 });
      expect(m.countParams()).toBe(4 * 5 * (3 + 5 + 1) + 5 * 2 + 2);
      const t1 = tf.input({ shape: [T, F] }), t2 = tf.input({ shape: [T, F] });
      const ts = tf.layers.lstm({ units: 5, name: 'shared', recurrentActivation: 'sigmoid' }), thd = tf.layers.dense({ units: 2, name: 'head' });
      const tm = tf.model({ inputs: [t1, t2], outputs: [thd.apply(ts.apply(t1)) as tf.SymbolicTensor, thd.apply(ts.apply(t2)) as tf.SymbolicTensor] });
      copyWeights(m.getWeights(), tm);
      const a = rand(rng, N * T * F), b = rand(rng, N * T * F), y1 = rand(rng, N * 2), y2 = rand(rng, N * 2);
      const X = [tensor(a, [N, T, F]), tensor(b, [N, T, F])];
      const p = m.predict(X) as ReturnType<typeof tensor>[];
      const q = tm.predict([tf.tensor(a, [N, T, F]), tf.tensor(b, [N, T, F])]) as tf.Tensor[];
      expect(scaledErr(p[0].data, q[0].dataSync())).toBeLessThan(1e-5);
      expect(scaledErr(p[1].data, q[1].dataSync())).toBeLessThan(1e-5);
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      const g = m.computeGradients(X, [tensor(y1, [N, 2]), tensor(y2, [N, 2])]);
      const r = tfGrads(tm, () => {
        const [p1, p2] = tm.apply([tf.tensor(a, [N, T, F]), tf.tensor(b, [N, T, F])]) as tf.Tensor[];
        return tf.add(mse(tf.tensor(y1, [N, 2]), p1), mse(tf.tensor(y2, [N, 2]), p2)) as tf.Scalar;
      });
      for (const w of g.grads) expect(scaledErr(w.data, r.grads.get(w.name)!), w.name).toBeLessThan(1e-4);
    });

    it('models built from a trained model\'s layers share its weights (inference models): both ways, latest values win', async () => {
      const rng = new Rng(19);
      const x = input({ shape: [3], name: 'x' });
      const enc = layers.dense({ units: 4, activation: 'tanh', name: 'enc' }), dec = layers.dense({ units: 2, name: 'dec' });
      const train = new Model({ inputs: x, outputs: dec.apply(enc.apply(x)), seed: 3 });
      train.compile({ optimizer: 'adam', loss: 'mse' });
      const X = tensor(rand(rng, 10 * 3), [10, 3]), Y = tensor(rand(rng, 10 * 2), [10, 2]);
      const x2 = input({ shape: [3], name: 'x2' });
      const encoder = new Model({ inputs: x2, outputs: enc.apply(x2) });
      encoder.predict(X); // placed with the weights as they are now
      await train.fit(X, Y, { epochs: 3, batchSize: 5, verbose: 0 });
      // the encoder sees the trained kernel: its output is tanh(x·W + b) with train's current weights
      const [W, b] = train.getWeights();
      const h = encoder.predict(X) as ReturnType<typeof tensor>;
      for (let r = 0; r < 10; r++) for (let j = 0; j < 4; j++) {
        let z = b.data[j];
        for (let i = 0; i < 3; i++) z += X.data[r * 3 + i] * W.data[i * 4 + j];
        expect(Math.abs(h.data[r * 4 + j] - Math.tanh(z))).toBeLessThan(1e-5);
      }
      // weights set on the encoder reach the training model
      encoder.setWeights([{ ...W, data: new Float32Array(12).fill(0.5) }, b]);
      expect(Array.from(train.getWeights()[0].data)).toEqual(new Array(12).fill(0.5));
      train.trainOnBatch(X, Y);
      expect(encoder.getWeights()[0].data).toEqual(train.getWeights()[0].data);
    });

    it('defect: a layer shared by two models ran on the other model\'s buffers (a repeated call shape skipped its own layout)', () => {
      const rng = new Rng(23);
      const x = input({ shape: [null, 3] }), x2 = input({ shape: [null, 3] });
      const rnn = layers.lstm({ units: 4, returnSequences: true, name: 'shared_rnn' });
      const a = new Model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(rnn.apply(x)), seed: 1 });
      const b = new Model({ inputs: x2, outputs: rnn.apply(x2) });
      const big = tensor(rand(rng, 10 * 6 * 3), [10, 6, 3]), small = tensor(rand(rng, 2 * 2 * 3), [2, 2, 3]);
      const first = Array.from((a.predict(big) as ReturnType<typeof tensor>).data);
      const hb = Array.from((b.predict(small) as ReturnType<typeof tensor>).data);
      expect(Array.from((a.predict(big) as ReturnType<typeof tensor>).data)).toEqual(first);
      expect(Array.from((b.predict(small) as ReturnType<typeof tensor>).data)).toEqual(hb);
    });

    it('a wrapper layer (Bidirectional) called at two places in one model is refused, not run on shared buffers', () => {
      const bi = layers.bidirectional({ layer: layers.lstm({ units: 2 }) });
      const p = input({ shape: [3, 2] }), q = input({ shape: [3, 2] });
      expect(() => new Model({ inputs: [p, q], outputs: [bi.apply(p), bi.apply(q)] })).toThrow(/wraps other layers and cannot be called at 2 places/);
    });

    it('a chain Model computes what the equivalent Sequential does (one engine)', () => {
      const rng = new Rng(17);
      const x = input({ shape: [6], name: 'x' });
      const d1 = layers.dense({ units: 4, activation: 'relu' }), d2 = layers.dense({ units: 1 });
      const m = new Model({ inputs: x, outputs: d2.apply(d1.apply(x)), seed: 1 });
      const s = new Sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [6] }), layers.dense({ units: 1 })], { seed: 2 });
      s.setWeights(m.getWeights().map((w) => ({ ...w })));
      const X = tensor(rand(rng, 7 * 6), [7, 6]), Y = tensor(rand(rng, 7), [7, 1]);
      expect(scaledErr((m.predict(X) as ReturnType<typeof tensor>).data, (s.predict(X) as ReturnType<typeof tensor>).data)).toBe(0);
      m.compile({ optimizer: 'adam', loss: 'mse' });
      s.compile({ optimizer: 'adam', loss: 'mse' });
      expect(m.trainOnBatch(X, Y)).toBe(s.trainOnBatch(X, Y));
      m.getWeights().forEach((w, i) => expect(scaledErr(w.data, s.getWeights()[i].data)).toBe(0));
    });
  });
}
