/**
 * Layer behaviours not covered by the tfjs fixtures, checked against their
 * definitions: Keras 3 zero_output_for_mask, inputShape with a free time axis.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, layerFromConfig, Tensor } from '../src/index.js';

const ids = tensor([[0, 0, 3, 4, 5], [1, 2, 0, 4, 0]], undefined, 'int32');

function pair(zero: boolean, goBackwards = false) {
  const m = new Sequential([
    layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 5, maskZero: true, name: 'e' }),
    layers.lstm({ units: 4, returnSequences: true, goBackwards, zeroOutputForMask: zero, name: 'l' }),
    layers.dense({ units: 2, name: 'd' }),
  ], { seed: 11 });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

describe('zeroOutputForMask (Keras 3)', () => {
  for (const goBackwards of [false, true]) {
    it(`outputs 0 at masked steps and otherwise equals the carry-over output (goBackwards ${goBackwards})`, () => {
      const a = pair(false, goBackwards), b = pair(true, goBackwards);
      b.setWeights(a.getWeights());
      const ya = a.predict(ids) as Tensor, yb = b.predict(ids) as Tensor;
      // Dense of a zero row is its bias: compare through the dense layer
      const bias = a.getWeights()[5].data;
      const m = ids.data;
      for (let r = 0; r < 10; r++) {
        const inputT = goBackwards ? Math.floor(r / 5) * 5 + (4 - (r % 5)) : r;
        for (let j = 0; j < 2; j++) {
          if (m[inputT] === 0) expect(yb.data[r * 2 + j]).toBeCloseTo(bias[j], 6);
          else expect(yb.data[r * 2 + j]).toBe(ya.data[r * 2 + j]);
        }
      }
    });
  }

  it('gradients match finite differences of the loss', () => {
    const m = pair(true);
    const y = tensor(new Float32Array(20).map((_, i) => Math.sin(i)), [2, 5, 2]);
    const { grads } = m.computeGradients(ids, y);
    const w = m.getWeights();
    const eps = 1e-2;
    for (const [wi, j] of [[1, 3], [2, 7], [3, 1], [0, 14]] as const) {
      const plus = w.map((v) => ({ ...v, data: v.data.slice() }));
      const minus = w.map((v) => ({ ...v, data: v.data.slice() }));
      plus[wi].data[j] += eps;
      minus[wi].data[j] -= eps;
      m.setWeights(plus);
      const lp = m.evaluate(ids, y).loss;
      m.setWeights(minus);
      const lm = m.evaluate(ids, y).loss;
      m.setWeights(w);
      const fd = (lp - lm) / (2 * eps);
      expect(Math.abs(grads[wi].data[j] - fd), `${grads[wi].name}[${j}]`).toBeLessThan(2e-3 * Math.max(1e-2, Math.abs(fd)) + 2e-5);
    }
  });

  it('is read from Keras 3 configs and written back', () => {
    const l = layerFromConfig('LSTM', { name: 'x', units: 2, return_sequences: true, zero_output_for_mask: true });
    expect(l.toConfig().config.zero_output_for_mask).toBe(true);
  });
});

describe('shapes', () => {
  it('inputShape [null, features] leaves time free', () => {
    const m = new Sequential([layers.lstm({ units: 3, inputShape: [null, 2] })]);
    expect((m.predict(tensor(new Float32Array(2 * 7 * 2), [2, 7, 2])) as Tensor).shape).toEqual([2, 3]);
    expect((m.predict(tensor(new Float32Array(1 * 4 * 2), [1, 4, 2])) as Tensor).shape).toEqual([1, 3]);
  });

  it('an Embedding with free time (batchInputShape [null, null], inputShape [null]) builds, round-trips its topology and runs any length', () => {
    const shapes: { batchInputShape?: (number | null)[]; inputShape?: (number | null)[] }[] = [{ batchInputShape: [null, null] }, { inputShape: [null] }];
    for (const shape of shapes) {
      const m = new Sequential([layers.embedding({ inputDim: 6, outputDim: 3, ...shape }), layers.lstm({ units: 2 })], { seed: 1 });
      const cfg = ((m.toJSON().config as { layers: { config: Record<string, unknown> }[] }).layers[0].config);
      expect(cfg.batch_input_shape).toEqual([null, null]);
      const again = layerFromConfig('Embedding', cfg);
      expect(again.batchInputShape).toEqual([null, null]);
      expect((m.predict(tensor(Int32Array.from([1, 2, 3, 4, 5]), [1, 5])) as Tensor).shape).toEqual([1, 2]);
      expect((m.predict(tensor(Int32Array.from([1, 2]), [2, 1])) as Tensor).shape).toEqual([2, 2]);
    }
    expect(() => layers.embedding({ inputDim: 6, outputDim: 3, batchInputShape: [null, null, null] as unknown as number[] }))
      .toThrow(/batchInputShape: expected positive integers/);
  });
});

describe('dropout and recurrentDropout', () => {
  const x = tensor(Float32Array.from({ length: 4 * 6 * 3 }, (_, i) => Math.sin(i)), [4, 6, 3]);
  const y = tensor([[1], [0], [1], [0]]);
  const make = (rate: number, kind: 'lstm' | 'gru' | 'simpleRNN', seed = 1) => {
    const m = new Sequential([layers[kind]({ units: 5, inputShape: [6, 3], dropout: rate, recurrentDropout: rate }), layers.dense({ units: 1 })], { seed });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    return m;
  };
  for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
    it(`${kind}: inference ignores the masks; training uses them, reproducibly per seed`, () => {
      const plain = make(0, kind), drop = make(0.5, kind);
      drop.setWeights(plain.getWeights());
      expect((drop.predict(x) as Tensor).data).toEqual((plain.predict(x) as Tensor).data);
      const gEval = drop.computeGradients(x, y, { training: false });
      expect(gEval.loss).toBe(plain.computeGradients(x, y, { training: false }).loss);
      const gTrain = drop.computeGradients(x, y, { training: true });
      expect(gTrain.loss).not.toBe(gEval.loss);
      const again = make(0.5, kind);
      again.setWeights(plain.getWeights());
      expect(again.computeGradients(x, y, { training: true }).loss).toBe(gTrain.loss);
      expect((drop.toJSON() as any).config.layers[0].config.recurrent_dropout).toBe(0.5);
    });
  }
});

describe('Embedding → LSTM backward by token (V < B·T)', () => {
  // every token present; and only 6 of 40 tokens, first seen out of order (the compacted slots)
  const cases = [
    { what: 'all tokens present', V: 9, B: 6, T: 8, id: (i: number) => (i * 7 + (i >>> 2)) % 9 },
    { what: '6 of 40 tokens present', V: 40, B: 6, T: 10, id: (i: number) => [17, 3, 29, 0, 38, 5][(i * 5 + (i >> 3)) % 6] },
  ];
  for (const backend of ['wasm', 'js'] as const) for (const c of cases) {
    it(`gives the same gradients as the per-position path (${backend}, ${c.what})`, async () => {
      const { setBackend } = await import('../src/index.js');
      setBackend(backend);
      try {
        const { V, B, T } = c;
        const make = (between: boolean) => new Sequential([
          layers.embedding({ inputDim: V, outputDim: 5, inputLength: T, maskZero: true }),
          ...(between ? [layers.dropout({ rate: 0 })] : []), // identity that keeps the layers apart
          layers.lstm({ units: 7, returnSequences: true }),
          layers.dense({ units: 3, activation: 'softmax' }),
        ], { seed: 8 });
        const fused = make(false), plain = make(true);
        for (const m of [fused, plain]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
        plain.setWeights(fused.getWeights());
        const ids = tensor(Int32Array.from({ length: B * T }, (_, i) => c.id(i)), [B, T]);
        const y = tensor(Int32Array.from({ length: B * T }, (_, i) => i % 3), [B, T]);
        // forward by token (E_u·W gathered, RNN.projected) vs by position, in inference
        const pa = fused.predict(ids) as Tensor, pb = plain.predict(ids) as Tensor;
        let dmax = 0;
        for (let j = 0; j < pa.size; j++) dmax = Math.max(dmax, Math.abs(pa.data[j] - pb.data[j]));
        expect(dmax).toBeLessThan(1e-6);
        for (let rep = 0; rep < 2; rep++) { // twice: the token → slot map must be clean for the second call
          const a = fused.computeGradients(ids, y), b = plain.computeGradients(ids, y);
          expect(a.loss).toBeCloseTo(b.loss, 6);
          a.grads.forEach((g, i) => {
            let scale = 0, worst = 0;
            for (let j = 0; j < g.data.length; j++) {
              scale = Math.max(scale, Math.abs(b.grads[i].data[j]));
              worst = Math.max(worst, Math.abs(g.data[j] - b.grads[i].data[j]));
            }
            expect(worst, g.name).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-3));
            if (g.name.endsWith('embeddings')) {
              // absent tokens get exactly zero gradient
              for (let v = 0; v < V; v++) {
                const present = Array.from(ids.data).includes(v);
                if (!present) expect(g.data.subarray(v * 5, v * 5 + 5).every((z) => z === 0), `token ${v}`).toBe(true);
              }
            }
          });
        }
      } finally {
        setBackend('wasm');
      }
    });
  }
});
