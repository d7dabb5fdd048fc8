/**
 * The workspace across calls of different kinds (src/models/graph/model-memory.ts, workspace()):
 * - alternating trainOnBatch and predict reuses the one layout (no layout work per switch) and
 *   gives exactly what a model that only trains, and a fresh model that only predicts, give;
 * - a call whose layout fails (its measuring pass already wrote the layers' pointers) leaves
 *   nothing behind that a later call could run on: the same call fails the same way, and the
 *   model and every other model keep their results.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Model, Sequential, input, layers, setBackend, tensor, type Tensor } from '../src/index.js';
import { MemoryPlan } from '../src/models/memory-plan.js';

const data = (n: number, v: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * v + 0.3));
const bits = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.data).buffer));

function makeModel(seed: number): Sequential {
  const m = new Sequential([
    layers.lstm({ units: 8, returnSequences: true, inputShape: [6, 3] }),
    layers.dropout({ rate: 0.3 }),
    layers.gru({ units: 5 }),
    layers.dense({ units: 2, activation: 'softmax' }),
  ], { seed });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

afterEach(() => { vi.restoreAllMocks(); });

for (const be of ['wasm', 'js'] as const) {
  describe(`workspace across call kinds (${be})`, () => {
    it('alternating trainOnBatch and predict: losses as when only training, predictions as a fresh model\'s, trainable toggled in between', () => {
      setBackend(be);
      const x = tensor(data(10 * 6 * 3, 0.7), [10, 6, 3]);
      const y = tensor(Float32Array.from({ length: 20 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)), [10, 2]);
      const probe = tensor(data(3 * 6 * 3, 1.3), [3, 6, 3]);
      const alternating = makeModel(11), trainingOnly = makeModel(11);
      for (let step = 0; step < 8; step++) {
        // step 3 freezes the LSTM, step 6 unfreezes it: the trainable flags are part of what a layout serves
        if (step === 3 || step === 6) for (const m of [alternating, trainingOnly]) m.layers[0].trainable = step === 6;
        const lstmBefore = alternating.getWeights().slice(0, 3).map((w) => bits(tensor(w.data, w.shape)));
        const la = alternating.trainOnBatch(x, y), lt = trainingOnly.trainOnBatch(x, y);
        expect(la, `loss at step ${step}`).toBe(lt);
        // independent of both models' shared code path: a frozen layer's weights stay, a trainable one's move
        const lstmAfter = alternating.getWeights().slice(0, 3).map((w) => bits(tensor(w.data, w.shape)));
        if (step >= 3 && step < 6) expect(lstmAfter, `frozen LSTM at step ${step}`).toEqual(lstmBefore);
        else expect(lstmAfter, `trainable LSTM at step ${step}`).not.toEqual(lstmBefore);
        const got = alternating.predict(probe) as Tensor;
        const fresh = makeModel(99);
        fresh.setWeights(alternating.getWeights());
        expect(bits(got), `predict after step ${step}`).toEqual(bits(fresh.predict(probe) as Tensor));
        fresh.dispose();
      }
      for (const [a, b] of alternating.getWeights().map((w, i) => [w, trainingOnly.getWeights()[i]] as const)) {
        expect(bits(tensor(a.data, a.shape))).toEqual(bits(tensor(b.data, b.shape)));
      }
      alternating.dispose();
      trainingOnly.dispose();
    });

    it('once both kinds of call have run, switching between them does no layout work', () => {
      setBackend(be);
      const m = makeModel(5);
      const x = tensor(data(4 * 6 * 3, 0.2), [4, 6, 3]);
      const y = tensor(Float32Array.from({ length: 8 }, (_, i) => i % 2), [4, 2]);
      m.trainOnBatch(x, y);
      m.predict(x);
      const measure = vi.spyOn(MemoryPlan.prototype, 'measure');
      const replay = vi.spyOn(MemoryPlan.prototype, 'replay');
      for (let i = 0; i < 5; i++) { m.trainOnBatch(x, y); m.predict(x); }
      expect(measure).not.toHaveBeenCalled();
      expect(replay).not.toHaveBeenCalled();
      m.dispose();
    });

    it('a call whose layout fails leaves no pointers behind: the same call fails the same way; the model and another model are unchanged', () => {
      setBackend(be);
      const other = new Sequential([layers.lstm({ units: 16, inputShape: [5, 3] }), layers.dense({ units: 2 })], { seed: 9 });
      const ox = tensor(data(4 * 5 * 3, 0.9), [4, 5, 3]);
      const otherBefore = bits(other.predict(ox) as Tensor);
      // the LSTM is laid out before the Add finds that its inputs' time axes differ
      const a = input({ shape: [null, 4] }), b = input({ shape: [null, 8] });
      const h = layers.lstm({ units: 8, returnSequences: true }).apply(a);
      const model = new Model({ inputs: [a, b], outputs: layers.add().apply([h, b]), seed: 3 });
      const pair = (T1: number, T2: number) => [tensor(data(2 * T1 * 4, 0.3), [2, T1, 4]), tensor(data(2 * T2 * 8, 0.7), [2, T2, 8])];
      const good = pair(3, 3);
      const before = bits(model.predict(good) as Tensor);
      const bad = pair(3000, 3020);
      const messages: string[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          model.predict(bad);
          messages.push('returned');
        } catch (e) {
          messages.push((e as Error).message);
        }
      }
      expect(messages[0]).toMatch(/add(_\d+)? \(Add\): inputs must all have the same shape/);
      expect(messages[1], 'a repeated failing call must fail in its layout again, not run on the failed layout').toBe(messages[0]);
      expect(messages[2]).toBe(messages[0]);
      expect(bits(model.predict(good) as Tensor)).toEqual(before);
      expect(bits(other.predict(ox) as Tensor)).toEqual(otherBefore);
      model.dispose();
      other.dispose();
    });
  });
}
