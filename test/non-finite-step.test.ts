/**
 * Defect 8: a diverging fit stopped with a message but left NaN weights, and
 * trainOnBatch returned NaN forever. Now a step whose loss or gradient is not
 * finite (or whose update would overflow float32) is not applied
 * (src/models/finite-step.ts): trainOnBatch throws naming the batch with
 * weights and optimizer state unchanged; fit stops at the failing batch and
 * keeps the weights of the last finite step, and says so.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, optimizers, setBackend, type Tensor, type WeightValue } from '../dist/src/index.js';

const N = 24, T = 4, F = 3;
const x = (scaleRow?: (r: number) => number) =>
  tensor(Float32Array.from({ length: N * T * F }, (_, i) => Math.sin(i * 0.37) * (scaleRow ? scaleRow(Math.floor(i / (T * F))) : 1)), [N, T, F]);
const Y = tensor(Float32Array.from({ length: N }, (_, i) => Math.cos(i)), [N, 1]);

function model(optimizer: ReturnType<typeof optimizers.adam> | ReturnType<typeof optimizers.sgd>, seed = 1): Sequential {
  const m = new Sequential([layers.simpleRNN({ units: 4, inputShape: [T, F], activation: 'relu' }), layers.dense({ units: 1 })], { seed });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

const same = (a: WeightValue[], b: WeightValue[]) => a.every((w, i) => w.data.every((v, j) => Object.is(v, b[i].data[j])));
const allFinite = (ws: WeightValue[]) => ws.every((w) => w.data.every(Number.isFinite));
/** Optimizer state as host copies (slots are internal; read through the same snapshot the backend move uses). */
const optState = (m: Sequential) => {
  const s = (m.optimizer as unknown as { snapshot(): { iterations: number; slots: Float32Array[] } }).snapshot();
  return { iterations: s.iterations, slots: s.slots.map((a) => Array.from(a)) };
};

describe('defect 8: NaN never lands in the weights', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`trainOnBatch on a batch whose loss overflows throws naming the batch; weights and optimizer state unchanged (${backend})`, () => {
      setBackend(backend);
      try {
        const m = model(optimizers.adam({ learningRate: 0.01 }));
        m.trainOnBatch(x(), Y); // some optimizer state to protect
        const w0 = m.getWeights(), s0 = optState(m);
        const huge = x(() => 1e25); // relu outputs ~1e25 → squared error overflows float32 → loss Infinity, gradient NaN/Inf
        expect(() => m.trainOnBatch(huge, Y)).toThrow(/trainOnBatch: on this batch \(24 samples, x \[24, 4, 3\]\): the (loss is (Infinity|NaN)|gradient of '.*' is (NaN|-?Infinity)); the step was not applied \(weights and optimizer state are unchanged\)/);
        expect(same(m.getWeights(), w0)).toBe(true);
        expect(optState(m)).toEqual(s0);
        expect(Number.isFinite(m.trainOnBatch(x(), Y))).toBe(true); // and the model keeps training
      } finally {
        setBackend('wasm');
      }
    });
  }

  it('an update that overflows from finite gradients is undone (SGD, learning rate 1e37, gradients ~1e3)', () => {
    const m = model(optimizers.sgd({ learningRate: 1e37 }));
    const w0 = m.getWeights();
    const it0 = m.optimizer!.iterations;
    const g = m.computeGradients(x(() => 1e3), Y).grads;
    expect(allFinite(g)).toBe(true);
    expect(() => m.trainOnBatch(x(() => 1e3), Y)).toThrow(/the update overflowed float32 in '.*'.*the step was not applied/);
    expect(same(m.getWeights(), w0)).toBe(true);
    expect(m.optimizer!.iterations).toBe(it0);
  });

  for (const threads of [1, 2]) {
    it(`fit stops at the first non-finite batch, keeps the weights of the last finite step and says so (threads: ${threads})`, async () => {
      // rows 16..23 (the third batch of 8, no shuffling) are huge: batches 1–2 train, batch 3 overflows
      const data = x((r) => (r >= 16 ? 1e25 : 1));
      const ref = model(optimizers.adam({ learningRate: 0.01 }), 3);
      await ref.fit(tensor(data.data.slice(0, 16 * T * F), [16, T, F]), tensor(Y.data.slice(0, 16), [16, 1]),
        { batchSize: 8, shuffle: false, verbose: 0, threads });
      const m = model(optimizers.adam({ learningRate: 0.01 }), 3);
      await expect(m.fit(data, Y, { batchSize: 8, shuffle: false, verbose: 0, epochs: 3, threads }))
        .rejects.toThrow(/fit: stopped at epoch 1, batch 3: .*That step was not applied: the model keeps the weights \(and optimizer state\) of the last finite step \(epoch 1, batch 2\)/);
      const w = m.getWeights();
      expect(allFinite(w)).toBe(true);
      expect(same(w, ref.getWeights())).toBe(true);
      expect(optState(m)).toEqual(optState(ref));
      expect((m.predict(x()) as Tensor).data.every(Number.isFinite)).toBe(true);
      m.dispose();
      ref.dispose();
    });
  }
});
