/**
 * layers.attention (Keras 3 `Attention`) and layers.activation at one graph node
 * (test/helpers/node.ts), on both backends. TensorFlow.js has no Attention layer, so the reference
 * is a float64 implementation written here from keras/src/layers/attention/attention.py:
 * scores (dot: q·kᵀ, times `scale` with useScale; concat: c·Σ tanh(scale·(q + k))), −1e9 where the
 * value step is masked or (causal) j > i, softmax, dropout, ·v, query mask on the output.
 * Gradients of every input and of the scalar weights against float64 central differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, Sequential, setBackend, tensor, type Tensor } from '../src/index.js';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import { layers } from '../src/layers/index.js';
import { Rng } from '../src/util/random.js';
import { runNode, type NodeInput } from './helpers/node.js';
import { expectGradientsMatch, scaledErr } from './helpers/gradcheck.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const BACKENDS: [string, () => Backend][] = [['wasm', wasmBackend], ['js', jsBackend]];
const rand = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

interface Case {
  B: number; Tq: number; Tv: number; D: number; Dv: number;
  key?: boolean; useScale?: boolean; mode?: 'dot' | 'concat';
  qmask?: Float32Array; vmask?: Float32Array; causal?: boolean; scores?: boolean;
  scale?: number; concatWeight?: number;
}

/** Float64 Keras Attention: returns [output [B,Tq,Dv], weights after dropout [B,Tq,Tv]]. */
function attention64(c: Case, q: Float64Array, v: Float64Array, k: Float64Array, s: number, cw: number, drop?: Float32Array): [Float64Array, Float64Array] {
  const { B, Tq, Tv, D, Dv } = c;
  const O = new Float64Array(B * Tq * Dv), W = new Float64Array(B * Tq * Tv);
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) {
    const S = new Float64Array(Tv);
    for (let j = 0; j < Tv; j++) {
      let acc = 0;
      for (let d = 0; d < D; d++) {
        const qd = q[(b * Tq + i) * D + d], kd = k[(b * Tv + j) * D + d];
        acc += c.mode === 'concat' ? Math.tanh(s * (qd + kd)) : qd * kd;
      }
      S[j] = c.mode === 'concat' ? cw * acc : s * acc;
      if ((c.vmask && c.vmask[b * Tv + j] === 0) || (c.causal && j > i)) S[j] -= 1e9;
    }
    const mx = Math.max(...S);
    const e = S.map((x) => Math.exp(x - mx)), z = e.reduce((a, x) => a + x, 0);
    for (let j = 0; j < Tv; j++) {
      const w = (e[j] / z) * (drop ? drop[(b * Tq + i) * Tv + j] : 1);
      W[(b * Tq + i) * Tv + j] = w;
      const keep = !c.qmask || c.qmask[b * Tq + i] !== 0 ? 1 : 0;
      for (let d = 0; d < Dv; d++) O[(b * Tq + i) * Dv + d] += keep * w * v[(b * Tv + j) * Dv + d];
    }
  }
  return [O, W];
}

function inputsOf(c: Case, rng: Rng): NodeInput[] {
  const xs: NodeInput[] = [
    { data: rand(c.B * c.Tq * c.D, rng), shape: [c.B, c.Tq, c.D], mask: c.qmask },
    { data: rand(c.B * c.Tv * c.Dv, rng), shape: [c.B, c.Tv, c.Dv], mask: c.vmask },
  ];
  if (c.key) xs.push({ data: rand(c.B * c.Tv * c.D, rng), shape: [c.B, c.Tv, c.D] });
  return xs;
}

const make = (c: Case, dropout = 0) => layers.attention({ useScale: c.useScale ?? false, scoreMode: c.mode ?? 'dot', dropout });
const weightsOf = (c: Case) => [...(c.useScale ? [Float32Array.of(c.scale ?? 1)] : []), ...(c.mode === 'concat' ? [Float32Array.of(c.concatWeight ?? 1)] : [])];
const kwargsOf = (c: Case) => ({ useCausalMask: c.causal ?? false, returnAttentionScores: c.scores ?? false });

/** Forward vs the float64 reference, then every gradient (inputs, scale, concat weight) vs central differences. */
function check(be: Backend, c: Case, label: string, o: { training?: boolean; dropout?: number } = {}) {
  const rng = new Rng(21);
  const xs = inputsOf(c, rng);
  const dO = rand(c.B * c.Tq * c.Dv, rng), dW = c.scores ? rand(c.B * c.Tq * c.Tv, rng) : null;
  const r = runNode(be, make(c, o.dropout), xs, { kwargs: kwargsOf(c), weights: weightsOf(c), training: o.training, dys: [dO, dW] });
  const s = c.useScale ? c.scale ?? 1 : 1, cw = c.concatWeight ?? 1;
  const p: Record<string, Float64Array | null> = {
    q: Float64Array.from(xs[0].data), v: Float64Array.from(xs[1].data), k: c.key ? Float64Array.from(xs[2].data) : null,
    s: c.useScale ? Float64Array.of(s) : null, c: c.mode === 'concat' ? Float64Array.of(cw) : null,
  };
  // dropout: the mask the layer drew, read from the returned weights (W' = W ⊙ m, W > 0 without value masks)
  let drop: Float32Array | undefined;
  if (o.training && o.dropout) {
    const [, W] = attention64(c, p.q!, p.v!, p.k ?? p.v!, s, cw);
    drop = Float32Array.from(r.outputs[1].data, (w, e) => w / W[e]);
    const keep = 1 / (1 - o.dropout);
    expect(drop.every((m) => Math.abs(m) < 1e-5 || Math.abs(m - keep) < 1e-4), `${label}: dropout entries 0 or 1/(1-rate)`).toBe(true);
    const zeros = drop.filter((m) => Math.abs(m) < 1e-5).length;
    expect(zeros > 0 && zeros < drop.length, `${label}: some weights dropped, some kept`).toBe(true);
    drop = drop.map((m) => (Math.abs(m) < 1e-5 ? 0 : keep));
  }
  const ref = () => attention64(c, p.q!, p.v!, p.k ?? p.v!, p.s ? p.s[0] : 1, p.c ? p.c[0] : 1, drop);
  const [O, W] = ref();
  expect(r.outputs[0].shape).toEqual([c.B, c.Tq, c.Dv]);
  expect(scaledErr(r.outputs[0].data, O), `${label}: output`).toBeLessThan(2e-6);
  if (c.scores) expect(scaledErr(r.outputs[1].data, W), `${label}: scores`).toBeLessThan(2e-6);
  else expect(r.outputs.length).toBe(1);
  expect(r.outputs[0].mask ? Array.from(r.outputs[0].mask) : null, `${label}: output mask = query mask`).toEqual(c.qmask ? Array.from(c.qmask) : null);
  const loss = () => {
    const [o2, w2] = ref();
    let t = 0;
    o2.forEach((x, e) => { t += x * dO[e]; });
    if (dW) w2.forEach((x, e) => { t += x * dW[e]; });
    return t;
  };
  const got: Record<string, ArrayLike<number>> = { dq: r.dxs[0]!, dv: r.dxs[1]!, dk: c.key ? r.dxs[2]! : [], ds: [], dc: [] };
  let wi = 0;
  if (c.useScale) got.ds = r.dw[wi++];
  if (c.mode === 'concat') got.dc = r.dw[wi++];
  const pairs = [['q', 'dq'], ['v', 'dv'], ['k', 'dk'], ['s', 'ds'], ['c', 'dc']] as const;
  expectGradientsMatch(p, pairs, got, loss, rng, { samples: 10, eps: 1e-6, tol: 2e-3, label });
}

describe.each(BACKENDS)('layers.attention on %s', (_n, getBe) => {
  const qm = Float32Array.from([1, 1, 0, 1, 0, 1, 1, 1]), vm = Float32Array.from([1, 0, 1, 1, 1, 1, 0, 1, 1, 0]);
  it('dot-product (Luong), value as key', () => check(getBe(), { B: 2, Tq: 4, Tv: 5, D: 3, Dv: 3 }, 'dot'));
  it('dot with useScale, a key input, query and value masks, and the scores as a second output', () =>
    check(getBe(), { B: 2, Tq: 4, Tv: 5, D: 3, Dv: 2, key: true, useScale: true, scale: 0.7, qmask: qm, vmask: vm, scores: true }, 'dot masked'));
  it('causal mask (useCausalMask) on self-attention', () =>
    check(getBe(), { B: 2, Tq: 4, Tv: 4, D: 3, Dv: 3, causal: true, useScale: true, scale: 1.4, scores: true }, 'causal'));
  it("scoreMode 'concat' (Bahdanau) with useScale, value mask and causal mask", () =>
    check(getBe(), { B: 2, Tq: 4, Tv: 5, D: 3, Dv: 3, mode: 'concat', useScale: true, scale: 1.3, concatWeight: 0.8, vmask: vm, causal: true, scores: true }, 'concat'));
  it("scoreMode 'concat' without scale, with a key input", () =>
    check(getBe(), { B: 1, Tq: 3, Tv: 2, D: 4, Dv: 5, mode: 'concat', concatWeight: 1.5, key: true }, 'concat key'));
  it('dropout on the attention weights in training (the returned scores are the dropped weights)', () =>
    check(getBe(), { B: 2, Tq: 4, Tv: 5, D: 3, Dv: 3, useScale: true, scale: 0.9, scores: true, qmask: qm }, 'dropout', { training: true, dropout: 0.3 }));

  it('dropout is off outside training', () => {
    const c: Case = { B: 2, Tq: 3, Tv: 4, D: 2, Dv: 2, scores: true };
    const xs = inputsOf(c, new Rng(4));
    const a = runNode(getBe(), make(c, 0.5), xs, { kwargs: kwargsOf(c), training: false });
    const b = runNode(getBe(), make(c, 0), xs, { kwargs: kwargsOf(c) });
    expect(Array.from(a.outputs[1].data)).toEqual(Array.from(b.outputs[1].data));
  });

  it('a fully masked value row attends uniformly (Keras subtracts 1e9 in float32, so no NaN)', () => {
    const c: Case = { B: 1, Tq: 2, Tv: 3, D: 2, Dv: 2, vmask: Float32Array.from([0, 0, 0]), scores: true };
    const r = runNode(getBe(), make(c), inputsOf(c, new Rng(2)), { kwargs: kwargsOf(c) });
    for (const w of r.outputs[1].data) expect(w).toBeCloseTo(1 / 3, 6);
  });

  it('equals the Luong pipeline dot → Activation(softmax) → dot built from the other layers', () => {
    const be = getBe(), rng = new Rng(31);
    const q = { data: rand(2 * 4 * 3, rng), shape: [2, 4, 3] }, v = { data: rand(2 * 5 * 3, rng), shape: [2, 5, 3] };
    const att = runNode(be, layers.attention(), [q, v]).outputs[0];
    const scores = runNode(be, layers.dot({ axes: [2, 2] }), [q, v]).outputs[0];
    const probs = runNode(be, layers.activation({ activation: 'softmax' }), [{ data: scores.data, shape: scores.shape }]).outputs[0];
    const ctxv = runNode(be, layers.dot({ axes: [2, 1] }), [{ data: probs.data, shape: probs.shape }, v]).outputs[0];
    expect(scaledErr(att.data, ctxv.data)).toBeLessThan(1e-6);
  });

  it('errors name the layer, the expectation and the shapes', () => {
    const be = getBe(), rng = new Rng(1);
    const t = (s: number[]) => ({ data: rand(s.reduce((a, b) => a * b, 1), rng), shape: s });
    expect(() => runNode(be, layers.attention({ name: 'att' }), [t([2, 3, 4])])).toThrow(/att \(Attention\): expected a list of 2 to 3 input tensors, got 1/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([2, 5, 4]), t([2, 5, 4]), t([2, 5, 4])])).toThrow(/2 to 3 input tensors, got 4/);
    expect(() => runNode(be, layers.attention(), [t([2, 4]), t([2, 4])])).toThrow(/each of rank 3.*\[2, 4\], \[2, 4\]/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([2, 5, 6]), t([2, 5, 3])])).toThrow(/query and key must have the same last dimension \(4 vs 3\)/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([2, 5, 4]), t([2, 6, 4])])).toThrow(/key and value must have the same number of steps \(6 vs 5\)/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([3, 5, 4])])).toThrow(/same batch size/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([2, 5, 4])], { kwargs: { useCasualMask: true } })).toThrow(/unknown call option 'useCasualMask'/);
    expect(() => runNode(be, layers.attention(), [t([2, 3, 4]), t([2, 5, 4])], { kwargs: { use_causal_mask: 1 } })).toThrow(/use_causal_mask must be true or false, got 1/);
    expect(() => layers.attention({ scoreMode: 'general' as any })).toThrow(/scoreMode must be 'dot' or 'concat', got "general"/);
    expect(() => layers.attention({ dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\), got 1/);
    expect(() => layers.attention({ seed: 3 } as any)).toThrow(/seed/);
  });

  it('a shared layer: call options set on one node\'s view stay on that view (Object.create per node)', () => {
    const shared = layers.attention({ useScale: true });
    const c: Case = { B: 1, Tq: 2, Tv: 3, D: 2, Dv: 2 };
    const xs = inputsOf(c, new Rng(9));
    const a = Object.create(shared) as typeof shared, b = Object.create(shared) as typeof shared;
    const ra = runNode(getBe(), a, xs, { kwargs: { returnAttentionScores: true, useCausalMask: true }, weights: [Float32Array.of(0.5)] });
    const rb = runNode(getBe(), b, xs, { weights: [Float32Array.of(0.5)] });
    expect([ra.outputs.length, rb.outputs.length]).toEqual([2, 1]);
    expect([shared.returnAttentionScores, shared.useCausalMask]).toEqual([false, false]);
    expect(scaledErr(rb.outputs[0].data, runNode(getBe(), layers.attention({ useScale: true }), xs, { weights: [Float32Array.of(0.5)] }).outputs[0].data)).toBe(0);
  });

  it('snake_case call options from files work like the camelCase ones', () => {
    const c: Case = { B: 1, Tq: 3, Tv: 3, D: 2, Dv: 2 };
    const xs = inputsOf(c, new Rng(6));
    const a = runNode(getBe(), make(c), xs, { kwargs: { use_causal_mask: true, return_attention_scores: true } });
    const b = runNode(getBe(), make(c), xs, { kwargs: { useCausalMask: true, returnAttentionScores: true } });
    expect(a.outputs.length).toBe(2);
    expect(Array.from(a.outputs[1].data)).toEqual(Array.from(b.outputs[1].data));
    expect(a.outputs[1].data[1]).toBe(0); // step 0 cannot see step 1
  });
});

describe.each(BACKENDS)('layers.activation on %s', (_n, getBe) => {
  it.each(['softmax', 'tanh', 'sigmoid', 'relu', 'linear'] as const)('%s: forward equals TensorFlow.js, gradient matches float64 differences, mask passes through', (act) => {
    const be = getBe(), rng = new Rng(41);
    const shape = [2, 3, 4], n = 24;
    const x = { data: rand(n, rng), shape, mask: Float32Array.from([1, 0, 1, 1, 1, 0]) };
    const dy = rand(n, rng);
    const r = runNode(be, layers.activation({ activation: act }), [x], { dys: [dy] });
    const want = (tf.layers.activation({ activation: act }).apply(tf.tensor(x.data, shape)) as tf.Tensor).dataSync();
    expect(scaledErr(r.outputs[0].data, want as Float32Array)).toBeLessThan(1e-6);
    expect(Array.from(r.outputs[0].mask!)).toEqual(Array.from(x.mask));
    const f64 = (z: Float64Array) => {
      if (act !== 'softmax') return z.map((u) => act === 'tanh' ? Math.tanh(u) : act === 'sigmoid' ? 1 / (1 + Math.exp(-u)) : act === 'relu' ? Math.max(0, u) : u);
      const out = new Float64Array(n);
      for (let row = 0; row < 6; row++) {
        const e = Array.from(z.subarray(row * 4, row * 4 + 4), Math.exp), s = e.reduce((a, b) => a + b, 0);
        e.forEach((v, j) => { out[row * 4 + j] = v / s; });
      }
      return out;
    };
    const p = { x: Float64Array.from(x.data) };
    const loss = () => f64(p.x).reduce((a, v, e) => a + v * dy[e], 0);
    expectGradientsMatch(p, [['x', 'dx']] as const, { dx: r.dxs[0]! }, loss, rng, { samples: 10, eps: 1e-6, tol: 2e-3, label: act });
  });

  it('works in a Sequential model: dense → activation(softmax) predicts like dense with softmax', () => {
    setBackend(_n as 'wasm' | 'js');
    const a = new Sequential([layers.dense({ units: 4, inputShape: [3] }), layers.activation({ activation: 'softmax' })]);
    const b = new Sequential([layers.dense({ units: 4, inputShape: [3], activation: 'softmax' })]);
    b.setWeights(a.getWeights());
    const x = tensor([[0.1, -0.5, 2], [1, 1, -1]]);
    expect(scaledErr((a.predict(x) as Tensor).data, (b.predict(x) as Tensor).data)).toBeLessThan(1e-6);
    setBackend('wasm');
  });
});
