/**
 * Luong attention inside functional encoder–decoder models (the merge layers through the graph
 * engine), on both backends:
 * - built from dot → Activation(softmax) → dot → concatenate, saved here, loaded by TensorFlow.js
 *   4.22 (`tf.loadLayersModel`): the same predictions (1e-5) and the same gradients of every weight
 *   (tf.variableGrads of the same MSE, 1e-4);
 * - the same model with `layers.attention()` in place of the three layers predicts and
 *   differentiates identically (its weights are the same);
 * - it learns: a copy-with-attention task fitted to a low loss.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend, layers, input, Model, optimizers, tensor, type Tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { scaledErr } from './helpers/gradcheck.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

const root = mkdtempSync(join(tmpdir(), 'lstm-wasm-attention-'));
beforeAll(async () => { await init(); await tf.setBackend('cpu'); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const Te = 5, Td = 4, F = 3, H = 6, V = 4;
const rand = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

/** Encoder–decoder with Luong attention; `fused` uses layers.attention() instead of dot/softmax/dot. */
function luong(fused: boolean): Model {
  const enc = input({ shape: [null, F], name: 'enc_in' }), dec = input({ shape: [null, F], name: 'dec_in' });
  const encSeq = layers.lstm({ units: H, returnSequences: true, name: 'encoder' }).apply(enc);
  const decSeq = layers.lstm({ units: H, returnSequences: true, name: 'decoder' }).apply(dec);
  let context;
  if (fused) context = layers.attention({ name: 'attention' }).apply([decSeq, encSeq]);
  else {
    const scores = layers.dot({ axes: [2, 2], name: 'scores' }).apply([decSeq, encSeq]);
    const weights = layers.activation({ activation: 'softmax', name: 'weights' }).apply(scores);
    context = layers.dot({ axes: [2, 1], name: 'context' }).apply([weights, encSeq]);
  }
  const both = layers.concatenate({ name: 'combined' }).apply([context, decSeq]);
  const out = layers.dense({ units: V, activation: 'tanh', name: 'out' }).apply(both);
  return new Model({ inputs: [enc, dec], outputs: out, name: fused ? 'luong_fused' : 'luong', seed: 5 });
}

function data(rng: Rng, B: number): { X: Tensor[]; Y: Tensor } {
  return {
    X: [tensor(rand(rng, B * Te * F), [B, Te, F]), tensor(rand(rng, B * Td * F), [B, Td, F])],
    Y: tensor(rand(rng, B * Td * V), [B, Td, V]),
  };
}

describe.each(['wasm', 'js'] as const)('Luong attention encoder–decoder on %s', (be) => {
  it('saved here, TensorFlow.js loads it: same predictions (1e-5) and weight gradients (1e-4)', async () => {
    setBackend(be);
    const m = luong(false);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const { X, Y } = data(new Rng(3), 3);
    const dir = join(root, `luong-${be}`);
    await m.save(`file://${dir}`);
    const tm = await tfjsLoadSaved(dir);
    const tx = X.map((x) => tf.tensor(x.data as Float32Array, x.shape));
    const ours = m.predict(X) as Tensor;
    const ref = tm.predict(tx) as tf.Tensor;
    expect(ours.shape).toEqual(ref.shape);
    expect(scaledErr(ours.data, ref.dataSync() as Float32Array)).toBeLessThan(1e-5);

    const ty = tf.tensor(Y.data as Float32Array, Y.shape);
    const vars = tm.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tm.predict(tx) as tf.Tensor, ty))) as tf.Scalar, vars);
    const got = m.computeGradients(X, Y).grads;
    const names = tm.trainableWeights.map((w) => w.originalName);
    expect(got.map((g) => g.name).sort()).toEqual([...names].sort());
    for (const g of got) {
      const i = names.indexOf(g.name);
      expect(scaledErr(g.data, grads[vars[i].name].dataSync() as Float32Array), g.name).toBeLessThan(1e-4);
    }
    setBackend('wasm');
  });

  it('layers.attention() computes what dot → softmax → dot computes, forward and backward', () => {
    setBackend(be);
    const a = luong(false), b = luong(true);
    b.setWeights(a.getWeights());
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'mse' });
    const { X, Y } = data(new Rng(8), 4);
    expect(scaledErr((b.predict(X) as Tensor).data, (a.predict(X) as Tensor).data)).toBeLessThan(1e-6);
    const ga = a.computeGradients(X, Y), gb = b.computeGradients(X, Y);
    expect(gb.loss).toBeCloseTo(ga.loss, 6);
    ga.grads.forEach((g, i) => expect(scaledErr(gb.grads[i].data, g.data), g.name).toBeLessThan(1e-5));
    setBackend('wasm');
  });
});

describe('attention call options through apply (useCausalMask, returnAttentionScores)', () => {
  // self-attention over one sequence: query = value = x [B, T, D]
  function build() {
    const x = input({ shape: [5, 3], name: 'x' });
    const [ctx, scores] = layers.attention({ name: 'att' }).apply([x, x], { useCausalMask: true, returnAttentionScores: true }) as any;
    const plain = layers.attention({ name: 'att_plain' }).apply([x, x]) as any;
    return new Model({ inputs: x, outputs: [ctx, scores, plain] });
  }
  const rng = new Rng(3);
  const data = Float32Array.from({ length: 2 * 5 * 3 }, () => rng.next() * 2 - 1);

  for (const be of ['wasm', 'js'] as const) {
    it(`${be}: causal rows ignore later steps, the scores come out as a second output, and the options survive a GraphSpec round trip`, () => {
      setBackend(be);
      const m = build();
      const [c1, s1, p1] = m.predict(tensor(data, [2, 5, 3])) as Tensor[];
      // scores: rows are softmax weights (sum 1), zero above the diagonal (math of a causal mask)
      for (let b = 0; b < 2; b++) for (let t = 0; t < 5; t++) {
        let sum = 0;
        for (let u = 0; u < 5; u++) {
          const w = s1.data[(b * 5 + t) * 5 + u];
          sum += w;
          if (u > t) expect(w).toBeLessThan(1e-12);
        }
        expect(sum).toBeCloseTo(1, 5);
      }
      // changing the last step changes no causal output before it, but does change the plain attention's
      const moved = data.slice();
      for (let b = 0; b < 2; b++) for (let d = 0; d < 3; d++) moved[(b * 5 + 4) * 3 + d] += 0.7;
      const [c2, , p2] = m.predict(tensor(moved, [2, 5, 3])) as Tensor[];
      for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) for (let d = 0; d < 3; d++) {
        const i = (b * 5 + t) * 3 + d;
        expect(c2.data[i]).toBe(c1.data[i]);
      }
      expect(scaledErr(p2.data.subarray(0, 12), p1.data.subarray(0, 12))).toBeGreaterThan(1e-3);
      // the call options are written into the GraphSpec (Keras names) and read back
      const spec = m.toGraphSpec();
      expect(spec.nodes.find((n) => n.layer === 'att')!.kwargs).toEqual({ use_causal_mask: true, return_attention_scores: true });
      const back = Model.fromGraphSpec(spec, m.getWeights());
      const r = back.predict(tensor(data, [2, 5, 3])) as Tensor[];
      [c1, s1, p1].forEach((t, i) => expect(Array.from(r[i].data)).toEqual(Array.from(t.data)));
      setBackend('wasm');
    });
  }

  it('a layer without call options refuses them, naming the layer', () => {
    const q = input({ shape: [null, 4] });
    expect(() => layers.dense({ units: 2, name: 'dd' }).apply(q, { useCausalMask: true })).toThrow(/dd \(Dense\): unknown call option\(s\) useCausalMask/);
  });
});

describe('Luong attention learns', () => {
  it('decoder step t must read encoder step t (only attention carries it): the loss ends far below the no-information floor', async () => {
    const rng = new Rng(12), B = 64;
    // targets: the first V features of encoder step t, for decoder step t; the decoder input is only a position code
    const enc = rand(rng, B * Te * F).map((v) => v * 0.9);
    const dec = new Float32Array(B * Td * F);
    const y = new Float32Array(B * Td * V);
    for (let b = 0; b < B; b++) for (let t = 0; t < Td; t++) {
      dec[(b * Td + t) * F + (t % F)] = 1;
      for (let v = 0; v < V; v++) y[(b * Td + t) * V + v] = v < F ? enc[(b * Te + t) * F + v] : 0;
    }
    const m = luong(true);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    const X = [tensor(enc, [B, Te, F]), tensor(dec, [B, Td, F])], Y = tensor(y, [B, Td, V]);
    const h = await m.fit(X, Y, { epochs: 300, batchSize: 16, verbose: 0 });
    const loss = h.history.loss;
    // predicting 0 (what a model that cannot see the encoder step does best) has loss mean(y²)
    const floor = y.reduce((a, v) => a + v * v, 0) / y.length;
    // measured: 0.2039 → 0.0131 (floor 0.2017), 2.7 s
    expect(loss[loss.length - 1]).toBeLessThan(floor / 5);
  });
});
