/**
 * A frozen layer (trainable: false) is not moved by the optimizer, as Keras updates only
 * trainable variables. The bug this guards against: the update ran over the whole parameter
 * block, so a layer frozen after some steps kept moving by the momentum (Adam's m, RMSprop's
 * and SGD's momentum) its slots held, and constraints rewrote frozen weights.
 *
 * 1. Optimizer.apply over ranges: inside the ranges, exactly the whole-block update (the rule
 *    the fixtures check); outside, weights and slots untouched.
 * 2. Models: with each optimizer, a layer frozen after three steps keeps its weights bit for
 *    bit for three more steps while the others move; unfrozen, it moves again.
 */
import { describe, expect, it } from 'vitest';
import { Sequential, constraints, layers, optimizers, setBackend, tensor, type Optimizer } from '../src/index.js';
import { jsBackend, wasmBackend } from '../src/backend/index.js';

const data = (n: number, v: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * v + 0.1));
/** Slot state from earlier steps: slot 0 in [0.5, 1] (RMSprop's ms), the others small and ≥ 0 (Adam's v; centered mg² < ms). */
const slotInit = (k: number) => data(48, 0.3 + k).map((v) => (k === 0 ? 0.5 + 0.5 * Math.abs(v) : 0.1 * Math.abs(v)));
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

const OPTIMIZERS: Record<string, () => Optimizer> = {
  'sgd momentum nesterov': () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
  'rmsprop momentum': () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
  'rmsprop centered': () => optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.3 }),
  adam: () => optimizers.adam({ learningRate: 0.05 }),
  'adamw clipNorm': () => optimizers.adamw({ learningRate: 0.05, weightDecay: 0.1, clipNorm: 0.5 }),
};

for (const [beName, getBe] of [['wasm', wasmBackend], ['js', jsBackend]] as const) {
  describe(`Optimizer.apply over ranges (${beName})`, () => {
    for (const [name, make] of Object.entries(OPTIMIZERS)) {
      it(`${name}: inside the ranges as the whole-block update, outside untouched (weights and slots)`, () => {
        const be = getBe();
        const n = 48, ranges = [{ offset: 4, size: 8 }, { offset: 20, size: 16 }];
        const run = (withRanges: boolean) => {
          const opt = make();
          const W = be.alloc(n * 4), G = be.alloc(n * 4);
          const slots = Array.from({ length: opt.slotCount() }, () => be.alloc(n * 4));
          const f = be.f32();
          // slots hold state from earlier steps (momentum that would move a frozen weight)
          slots.forEach((p, k) => f.set(slotInit(k), p >>> 2));
          opt.attach(be, n, slots, { iterations: 3, slots: slots.map((p) => f.slice(p >>> 2, (p >>> 2) + n)) });
          f.set(data(n, 0.7), W >>> 2);
          const g = data(n, 1.9);
          if (withRanges) for (let i = 0; i < n; i++) if (!ranges.some((r) => i >= r.offset && i < r.offset + r.size)) g[i] = 0;
          f.set(g, G >>> 2);
          opt.apply(W, G, withRanges ? ranges : null);
          const f2 = be.f32();
          const out = { w: f2.slice(W >>> 2, (W >>> 2) + n), s: slots.map((p) => f2.slice(p >>> 2, (p >>> 2) + n)) };
          for (const p of [W, G, ...slots]) be.free(p);
          return out;
        };
        const before = { w: data(n, 0.7), s: Array.from({ length: make().slotCount() }, (_, k) => slotInit(k)) };
        const whole = run(false), part = run(true);
        for (let i = 0; i < n; i++) {
          const inside = ranges.some((r) => i >= r.offset && i < r.offset + r.size);
          const want = inside ? whole : before;
          // clipNorm: the whole-block run's norm includes the zeroed elements' gradients; the comparison is for rules without it
          if (name.includes('clipNorm') && inside) continue;
          expect(part.w[i], `weight ${i} (${inside ? 'inside' : 'outside'})`).toBe(want.w[i]);
          part.s.forEach((s, k) => expect(s[i], `slot ${k} element ${i}`).toBe(want.s[k][i]));
        }
      });
    }
  });

  describe(`a frozen layer does not move (${beName})`, () => {
    for (const [name, make] of Object.entries(OPTIMIZERS)) {
      it(`${name}: frozen after 3 steps, the LSTM keeps its weights bit for bit; the Dense moves; unfrozen, the LSTM moves`, () => {
        setBackend(beName);
        const model = new Sequential([
          // a constraint the initial weights violate: applying it to the frozen layer would rewrite it
          layers.lstm({ units: 6, inputShape: [5, 3], kernelConstraint: constraints.maxNorm({ maxValue: 0.05 }) }),
          layers.dense({ units: 2, activation: 'softmax' }),
        ], { seed: 21 });
        model.compile({ optimizer: make(), loss: 'categoricalCrossentropy' });
        const x = tensor(data(8 * 5 * 3, 0.45), [8, 5, 3]);
        const y = tensor(Float32Array.from({ length: 16 }, (_, i) => ((i >> 1) % 3 === 0) === (i % 2 === 0) ? 1 : 0), [8, 2]);
        const lstmBits = () => model.getWeights().slice(0, 3).map((w) => bitsOf(w.data as Float32Array));
        const denseBits = () => model.getWeights().slice(3).map((w) => bitsOf(w.data as Float32Array));
        for (let i = 0; i < 3; i++) model.trainOnBatch(x, y);
        model.layers[0].trainable = false;
        const frozen = lstmBits();
        for (let i = 0; i < 3; i++) {
          const d0 = denseBits();
          model.trainOnBatch(x, y);
          expect(lstmBits(), `frozen LSTM after frozen step ${i + 1}`).toEqual(frozen);
          expect(denseBits(), `Dense after frozen step ${i + 1}`).not.toEqual(d0);
        }
        model.layers[0].trainable = true;
        model.trainOnBatch(x, y);
        expect(lstmBits()).not.toEqual(frozen);
        model.dispose();
      });
    }
  });
}
