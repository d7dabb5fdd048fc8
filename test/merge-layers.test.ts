/**
 * Merge layers (add, subtract, multiply, average, maximum, minimum, concatenate, dot) run at one
 * graph node through the node protocol (test/helpers/node.ts), on both backends:
 * forward against TensorFlow.js 4.22 (tf.layers.add/multiply/average/maximum/minimum/concatenate/dot;
 * subtract, which tfjs lacks, against plain arithmetic), gradients of every input against float64
 * central differences of a float64 reference written here, masks against the Keras 3 test vectors
 * (keras/src/layers/merging/merging_test.py, test_*_with_mask) and the Keras 2 rule, errors, and
 * config round trips.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, Sequential } from '../src/index.js';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import { layers, layerFromConfig, type Layer } from '../src/layers/index.js';
import { Rng } from '../src/util/random.js';
import { runNode, type NodeInput } from './helpers/node.js';
import { expectGradientsMatch, scaledErr } from './helpers/gradcheck.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const BACKENDS: [string, () => Backend][] = [['wasm', wasmBackend], ['js', jsBackend]];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const rand = (n: number, rng: Rng, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
const inp = (shape: number[], rng: Rng, mask?: Float32Array | null): NodeInput => ({ data: rand(size(shape), rng), shape, mask });

function tfjsOut(layer: tf.layers.Layer, xs: NodeInput[]): Float32Array {
  const out = layer.apply(xs.map((x) => tf.tensor(x.data, x.shape))) as tf.Tensor;
  return out.dataSync() as Float32Array;
}

/**
 * Checks every input gradient of `layer` (loss = Σ dy ⊙ y) against float64 central differences
 * of `ref`, the float64 forward written in the test.
 */
function gradCheck(be: Backend, make: () => Layer, xs: NodeInput[], ref: (x: Float64Array[]) => Float64Array, label: string) {
  const rng = new Rng(99);
  const outN = ref(xs.map((x) => Float64Array.from(x.data))).length;
  const dy = rand(outN, rng);
  const r = runNode(be, make(), xs, { dys: [dy] });
  const params: Record<string, Float64Array> = {};
  const got: Record<string, Float32Array> = {};
  xs.forEach((x, i) => { params[`x${i}`] = Float64Array.from(x.data); got[`dx${i}`] = r.dxs[i]!; });
  const loss = () => {
    const y = ref(xs.map((_, i) => params[`x${i}`]));
    let s = 0;
    for (let e = 0; e < y.length; e++) s += y[e] * dy[e];
    return s;
  };
  const pairs = xs.map((_, i) => [`x${i}`, `dx${i}`] as const);
  expect(expectGradientsMatch(params, pairs, got, loss, rng, { samples: 8, eps: 1e-6, tol: 2e-3, label })).toBe(8 * xs.length);
}

type Op = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';
const OPS: Op[] = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'];
/** The float64 elementwise merges without masks. */
const plain64: Record<Op, (v: number[]) => number> = {
  add: (v) => v.reduce((a, b) => a + b, 0),
  subtract: (v) => v[0] - v[1],
  multiply: (v) => v.reduce((a, b) => a * b, 1),
  average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  maximum: (v) => v.reduce((a, b) => Math.max(a, b)),
  minimum: (v) => v.reduce((a, b) => Math.min(a, b)),
};
const elementwise64 = (op: Op) => (xs: Float64Array[]) => Float64Array.from(xs[0], (_, e) => plain64[op](xs.map((x) => x[e])));

describe.each(BACKENDS)('merge layers on %s', (_name, getBe) => {
  it.each(OPS)('%s: forward equals TensorFlow.js (or arithmetic) and gradients match float64 differences', (op) => {
    const be = getBe(), rng = new Rng(3);
    for (const shape of [[3, 5], [2, 4, 3]]) {
      const n = op === 'subtract' ? 2 : 3;
      const xs = Array.from({ length: n }, () => inp(shape, rng));
      const got = runNode(be, layers[op](), xs).outputs[0];
      expect(got.shape).toEqual(shape);
      const want = op === 'subtract' ? Float32Array.from(xs[0].data, (v, e) => v - xs[1].data[e])
        : tfjsOut((tf.layers as any)[op](), xs);
      expect(scaledErr(got.data, want), `${op} ${shape}`).toBeLessThan(1e-6);
      gradCheck(be, () => layers[op](), xs, elementwise64(op), `${op} ${shape}`);
    }
  });

  it('maximum / minimum: ties send the gradient to the earlier input (as tf.maximum / tf.minimum)', () => {
    const be = getBe();
    const a = Float32Array.from([1, 2, 3]), b = Float32Array.from([1, 5, 0]);
    for (const op of ['maximum', 'minimum'] as const) {
      const r = runNode(be, layers[op](), [{ data: a, shape: [1, 3] }, { data: b, shape: [1, 3] }], { dys: [Float32Array.from([1, 1, 1])] });
      const first = op === 'maximum' ? [1, 0, 1] : [1, 1, 0];
      expect(Array.from(r.dxs[0]!)).toEqual(first);
      expect(Array.from(r.dxs[1]!)).toEqual(first.map((v) => 1 - v));
    }
  });

  // keras/src/layers/merging/merging_test.py (Keras 3): x1 = Masking()([[[0,0],[1,2],[0,0],[3,4]]]), x2 = [[[0,0],[0,0],[1,2],[3,4]]]
  describe('masks, Keras 3 rule (the test vectors of Keras merging_test.py)', () => {
    const x1 = Float32Array.from([0, 0, 1, 2, 0, 0, 3, 4]), m1 = Float32Array.from([0, 1, 0, 1]);
    const x2 = Float32Array.from([0, 0, 0, 0, 1, 2, 3, 4]), m2 = Float32Array.from([0, 0, 1, 1]);
    const neg = (a: Float32Array) => a.map((v) => (v === 0 ? 0 : -v));
    const cases: [Op, boolean, number[], number[], number[] | null][] = [
      // op, negate inputs (maximum's test uses negatives), x2 masked?, expected output, expected mask
      ['add', false, [], [0, 0, 1, 2, 1, 2, 6, 8], null],
      ['add', false, [1], [0, 0, 1, 2, 1, 2, 6, 8], [0, 1, 1, 1]],
      ['subtract', false, [], [0, 0, 1, 2, -1, -2, 0, 0], null],
      ['subtract', false, [1], [0, 0, 1, 2, -1, -2, 0, 0], [0, 1, 1, 1]],
      ['average', false, [], [0, 0, 0.5, 1, 0.5, 1, 3, 4], null],
      ['average', false, [1], [0, 0, 0.5, 1, 0.5, 1, 3, 4], [0, 1, 1, 1]],
      ['multiply', false, [], [0, 0, 0, 0, 1, 2, 9, 16], null],
      ['multiply', false, [1], [0, 0, 1, 2, 1, 2, 9, 16], [0, 1, 1, 1]],
      ['maximum', true, [], [0, 0, 0, 0, -1, -2, -3, -4], null],
      ['maximum', true, [1], [0, 0, -1, -2, -1, -2, -3, -4], [0, 1, 1, 1]],
      ['minimum', false, [], [0, 0, 0, 0, 1, 2, 3, 4], null],
      ['minimum', false, [1], [0, 0, 1, 2, 1, 2, 3, 4], [0, 1, 1, 1]],
    ];
    it.each(cases)('%s (negated %s, x2 masked %j)', (op, negate, x2masked, want, wantMask) => {
      const a = negate ? neg(x1) : x1, b = negate ? neg(x2) : x2;
      const r = runNode(getBe(), layers[op](), [{ data: a, shape: [1, 4, 2], mask: m1 }, { data: b, shape: [1, 4, 2], mask: x2masked.length ? m2 : null }]);
      expect(Array.from(r.outputs[0].data)).toEqual(want);
      expect(r.outputs[0].mask ? Array.from(r.outputs[0].mask) : null).toEqual(wantMask);
    });

    it('concatenate: along time the masks are concatenated, along features ORed', () => {
      const xs = [{ data: x1, shape: [1, 4, 2], mask: m1 }, { data: x2, shape: [1, 4, 2] }];
      const t = runNode(getBe(), layers.concatenate({ axis: 1 }), xs).outputs[0];
      expect(Array.from(t.data)).toEqual([0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 1, 2, 3, 4]);
      expect(Array.from(t.mask!)).toEqual([0, 1, 0, 1, 1, 1, 1, 1]);
      const f = runNode(getBe(), layers.concatenate({ axis: 2 }), xs).outputs[0];
      expect(Array.from(f.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 2, 3, 4, 3, 4]);
      expect(Array.from(f.mask!)).toEqual([1, 1, 1, 1]);
    });

    it('masked multiply / maximum / minimum: gradients match float64 differences of the Keras 3 rule', () => {
      const be = getBe(), rng = new Rng(5), B = 2, T = 4, F = 3;
      const mA = Float32Array.from([1, 0, 1, 0, 0, 1, 1, 0]), mB = Float32Array.from([1, 1, 0, 0, 0, 0, 1, 1]);
      for (const both of [false, true]) {
        const xs = [inp([B, T, F], rng, mA), inp([B, T, F], rng, both ? mB : null), inp([B, T, F], rng, both ? mA.map((v) => 1 - v) : null)];
        const ms = xs.map((x) => x.mask ?? null);
        const row = (e: number) => Math.floor(e / F);
        const kept = (i: number, e: number) => !ms[i] || ms[i]![row(e)] !== 0;
        const allMasked = ms.every(Boolean);
        const orMask = (e: number) => ms.some((m) => m![row(e)] !== 0);
        // Keras 3 Multiply._merge_function and Merge._apply_merge_op_and_or_mask, in float64
        const mul = (x: Float64Array[]) => Float64Array.from(x[0], (_, e) => {
          let v = 1;
          x.forEach((xi, i) => { if (kept(i, e)) v *= xi[e]; });
          return allMasked && !orMask(e) ? 0 : v;
        });
        const sel = (max: boolean) => (x: Float64Array[]) => Float64Array.from(x[0], (_, e) => {
          let out = x[0][e], outKept = kept(0, e);
          for (let i = 1; i < x.length; i++) {
            let v = x[i][e];
            if (!kept(i, e)) v = out;
            if (!outKept) out = v;
            outKept ||= kept(i, e);
            out = max ? Math.max(out, v) : Math.min(out, v);
          }
          return out;
        });
        const y = runNode(be, layers.multiply(), xs).outputs[0].data;
        expect(scaledErr(y, mul(xs.map((x) => Float64Array.from(x.data))))).toBeLessThan(1e-6);
        gradCheck(be, () => layers.multiply(), xs, mul, `multiply masks ${both}`);
        gradCheck(be, () => layers.maximum(), xs, sel(true), `maximum masks ${both}`);
        gradCheck(be, () => layers.minimum(), xs, sel(false), `minimum masks ${both}`);
      }
    });
  });

  it('masks, Keras 2 / TensorFlow.js rule (layers loaded from those files): values untouched, masks ANDed', () => {
    const be = getBe(), rng = new Rng(8);
    const mA = Float32Array.from([1, 0, 1, 1]), mB = Float32Array.from([1, 1, 0, 1]);
    const xs = [inp([1, 4, 2], rng, mA), inp([1, 4, 2], rng, mB)];
    for (const cls of ['Multiply', 'Maximum', 'Add']) {
      const l = layerFromConfig(cls, { name: `k2_${cls}`, trainable: true }, 'keras2');
      const r = runNode(be, l, xs).outputs[0];
      const op = cls.toLowerCase() as Op;
      expect(scaledErr(r.data, elementwise64(op)(xs.map((x) => Float64Array.from(x.data))))).toBeLessThan(1e-6);
      expect(Array.from(r.mask!)).toEqual([1, 0, 0, 1]);
    }
    const one = runNode(be, layerFromConfig('Add', { name: 'k2_one' }, 'tfjs'), [xs[0], { ...xs[1], mask: null }]).outputs[0];
    expect(Array.from(one.mask!)).toEqual(Array.from(mA));
    const c = runNode(be, layerFromConfig('Concatenate', { name: 'k2_cat', axis: -1 }, 'tfjs'), xs).outputs[0];
    expect(Array.from(c.mask!)).toEqual([1, 0, 0, 1]);
  });

  it('concatenate: forward equals TensorFlow.js along every non-batch axis; gradients match', () => {
    const be = getBe(), rng = new Rng(11);
    const cases: [number[][], number][] = [
      [[[3, 2], [3, 4], [3, 1]], -1],
      [[[2, 3, 4], [2, 3, 2]], -1],
      [[[2, 3, 4], [2, 1, 4], [2, 2, 4]], 1],
      [[[2, 3, 4], [2, 3, 4]], 2],
    ];
    for (const [shapes, axis] of cases) {
      const xs = shapes.map((s) => inp(s, rng));
      const got = runNode(be, layers.concatenate({ axis }), xs).outputs[0];
      const want = tfjsOut(tf.layers.concatenate({ axis }), xs);
      expect(Array.from(got.data)).toEqual(Array.from(want));
      const R = shapes[0].length, a = axis < 0 ? axis + R : axis;
      const ref = (x: Float64Array[]) => {
        const outer = size(shapes[0].slice(0, a)), inner = size(shapes[0].slice(a + 1));
        const out: number[] = [];
        for (let o = 0; o < outer; o++) x.forEach((xi, i) => { const w = shapes[i][a] * inner; out.push(...xi.subarray(o * w, (o + 1) * w)); });
        return Float64Array.from(out);
      };
      gradCheck(be, () => layers.concatenate({ axis }), xs, ref, `concatenate ${JSON.stringify(shapes)} axis ${axis}`);
    }
  });

  it('dot: forward equals TensorFlow.js for 2-D/3-D inputs and every axes form; gradients match', () => {
    const be = getBe(), rng = new Rng(13);
    const cases: [number[], number[], number | [number, number], boolean][] = [
      [[3, 5], [3, 5], 1, false],
      [[3, 5], [3, 5], -1, true],
      [[2, 4, 3], [2, 5, 3], [2, 2], false],   // Luong scores: dot([decoder, encoder], axes=[2, 2])
      [[2, 4, 5], [2, 5, 3], [2, 1], false],   // context: dot([weights, encoder], axes=[2, 1])
      [[2, 4, 3], [2, 4, 5], [1, 1], false],
      [[2, 4, 3], [2, 5, 4], [1, 2], false],
      [[2, 4, 3], [2, 3], [2, 1], false],
      [[2, 3], [2, 4, 3], [1, 2], false],
      [[2, 4, 3], [2, 5, 3], [2, 2], true],
    ];
    for (const [s0, s1, axes, normalize] of cases) {
      const xs = [inp(s0, rng), inp(s1, rng)];
      const label = `${JSON.stringify([s0, s1])} axes ${JSON.stringify(axes)} normalize ${normalize}`;
      const got = runNode(be, layers.dot({ axes, normalize }), xs).outputs[0];
      const tfOut = layersDot(axes, normalize).apply(xs.map((x) => tf.tensor(x.data, x.shape))) as tf.Tensor;
      expect(got.shape, label).toEqual(tfOut.shape);
      expect(scaledErr(got.data, tfOut.dataSync() as Float32Array), label).toBeLessThan(1e-5);
      gradCheck(be, () => layers.dot({ axes, normalize }), xs, dot64(s0, s1, axes, normalize), label);
    }
  });

  it('errors name the layer, what was expected and the input shapes', () => {
    const be = getBe(), rng = new Rng(1);
    const a = inp([2, 3], rng), b = inp([2, 4], rng);
    expect(() => runNode(be, layers.add({ name: 'sum' }), [a, b])).toThrow(/sum \(Add\): inputs must all have the same shape.*\[2, 3\], \[2, 4\]/);
    expect(() => runNode(be, layers.subtract(), [a, a, a])).toThrow(/Subtract.*expected a list of 2 input tensors, got 3/);
    expect(() => runNode(be, layers.dot({ axes: 1, name: 'd' }), [a, b])).toThrow(/d \(Dot\): the dot axes must have the same size: 3 .* vs 4/);
    expect(() => runNode(be, layers.dot({ axes: 3 }), [a, a])).toThrow(/axis 3 is not a non-batch axis of input 0/);
    expect(() => runNode(be, layers.dot({ axes: 1 }), [inp([1, 2, 2, 2], rng), a])).toThrow(/rank 2 or 3/);
    expect(() => runNode(be, layers.concatenate({ axis: 1, name: 'cat' }), [inp([2, 3, 4], rng), inp([2, 3, 5], rng)])).toThrow(/cat \(Concatenate\): inputs must match on every axis except the concatenation axis 1/);
    expect(() => runNode(be, layers.concatenate(), [a, inp([2, 3, 1], rng)])).toThrow(/same rank/);
    expect(() => layers.concatenate({ axis: 0 })).toThrow(/axis must be a non-zero integer/);
    expect(() => layers.dot({ axes: [1] as any })).toThrow(/axes must be a non-zero integer or a pair/);
    expect(() => layers.dot({ axes: 1, normalise: true } as any)).toThrow(/normalise.*normalize/);
    expect(() => runNode(be, layers.add(), [a, a], { kwargs: { useCausalMask: true } })).toThrow(/unknown call option/);
  });

  it('a merge layer in a Sequential model throws, naming it', () => {
    const m = new Sequential([layers.dense({ units: 3, inputShape: [3] }), layers.add({ name: 'plus' })]);
    expect(() => m.summary()).toThrow(/plus \(Add\) takes a list of input tensors/);
  });
});

describe('merge layer configs', () => {
  it('toConfig → layerFromConfig → the same layer (tfjs and Keras 3 dialects)', () => {
    const made: Layer[] = [
      layers.concatenate({ axis: 1, name: 'c1' }), layers.add({ name: 'a1' }), layers.subtract({ name: 's1' }),
      layers.multiply({ name: 'm1' }), layers.average({ name: 'v1' }), layers.maximum({ name: 'x1' }), layers.minimum({ name: 'n1' }),
      layers.dot({ axes: [2, 1], normalize: true, name: 'd1' }), layers.dot({ axes: -1, name: 'd2' }),
      layers.attention({ useScale: true, scoreMode: 'concat', dropout: 0.25, name: 't1' }), layers.attention({ name: 't2' }),
      layers.activation({ activation: 'softmax', name: 'act1' }),
    ];
    for (const l of made) {
      const cfg = l.toConfig();
      for (const dialect of ['tfjs', 'keras3'] as const) {
        const back = layerFromConfig(cfg.class_name, JSON.parse(JSON.stringify(cfg.config)), dialect);
        expect(back.constructor).toBe(l.constructor);
        expect(back.toConfig(), `${cfg.class_name} ${dialect}`).toEqual(cfg);
      }
    }
    expect(layers.attention().toConfig().config).toMatchObject({ use_scale: false, score_mode: 'dot', dropout: 0 });
    expect(layers.concatenate().toConfig().config).toMatchObject({ axis: -1 });
  });

  it('file configs are validated: bad values and unknown options throw naming the option', () => {
    expect(() => layerFromConfig('Dot', { name: 'd', axes: 0 })).toThrow(/option "axes" must be a non-zero integer or a pair/);
    expect(() => layerFromConfig('Attention', { name: 't', score_mode: 'general' }, 'keras3')).toThrow(/score_mode.*"dot" or "concat"/);
    expect(() => layerFromConfig('Attention', { name: 't', causal: true }, 'keras2')).toThrow(/causal.*use_causal_mask/);
    expect(() => layerFromConfig('Concatenate', { name: 'c', axis: 1, mode: 'x' })).toThrow(/unknown option "mode"/);
    expect(() => layerFromConfig('Activation', { name: 'a', activation: 'gelu' })).toThrow(/activation.*not supported/);
    // defaults filled in when a file leaves them out
    expect((layerFromConfig('Concatenate', { name: 'c' }) as any).axis).toBe(-1);
    expect(layerFromConfig('Attention', { name: 't' }, 'keras3').toConfig().config).toMatchObject({ use_scale: false, score_mode: 'dot', dropout: 0 });
  });
});

/** tf.layers.dot; tfjs types `axes` loosely. */
function layersDot(axes: number | [number, number], normalize: boolean): tf.layers.Layer {
  return tf.layers.dot({ axes, normalize });
}

/**
 * Float64 batched dot (Keras batch_dot semantics) with optional L2 normalization (norm floored at 1e-7),
 * written from the definition: out[b, i…, j…] = Σ_k x[b, i… with k at ax] · y[b, j… with k at ay].
 */
function dot64(s0: number[], s1: number[], axes: number | [number, number], normalize: boolean) {
  const pair = Array.isArray(axes) ? axes : [axes, axes];
  const ax = pair[0] < 0 ? pair[0] + s0.length : pair[0], ay = pair[1] < 0 ? pair[1] + s1.length : pair[1];
  const B = s0[0], K = s0[ax];
  const free0 = s0.map((_, i) => i).filter((i) => i > 0 && i !== ax), free1 = s1.map((_, i) => i).filter((i) => i > 0 && i !== ay);
  const strides = (s: number[]) => s.map((_, i) => size(s.slice(i + 1)));
  const st0 = strides(s0), st1 = strides(s1);
  const norm = (x: Float64Array, s: number[], st: number[], a: number) => {
    if (!normalize) return x;
    const out = new Float64Array(x.length);
    for (let e = 0; e < x.length; e++) {
      const base = e - (Math.floor(e / st[a]) % s[a]) * st[a];
      let q = 0;
      for (let k = 0; k < s[a]; k++) q += x[base + k * st[a]] ** 2;
      out[e] = x[e] / Math.max(Math.sqrt(q), 1e-7);
    }
    return out;
  };
  return (xs: Float64Array[]) => {
    const x = norm(xs[0], s0, st0, ax), y = norm(xs[1], s1, st1, ay);
    const n0 = size(free0.map((i) => s0[i])), n1 = size(free1.map((i) => s1[i]));
    const out = new Float64Array(B * n0 * n1);
    const offs = (s: number[], st: number[], free: number[], idx: number) => {
      let o = 0;
      for (let f = free.length - 1; f >= 0; f--) { const d = s[free[f]]; o += (idx % d) * st[free[f]]; idx = Math.floor(idx / d); }
      return o;
    };
    for (let b = 0; b < B; b++) for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) {
      let acc = 0;
      const o0 = b * st0[0] + offs(s0, st0, free0, i), o1 = b * st1[0] + offs(s1, st1, free1, j);
      for (let k = 0; k < K; k++) acc += x[o0 + k * st0[ax]] * y[o1 + k * st1[ay]];
      out[(b * n0 + i) * n1 + j] = acc;
    }
    return out;
  };
}
