/**
 * State rules (issue 9, defects 5–7): zero-length sequences, one model per
 * layer instance, and what may run while fit() runs. Imports the built
 * package (dist/) because threads: 2 starts workers from it.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, setBackend, getBackend, optimizers, type Tensor, type WeightValue } from '../dist/src/index.js';

const N = 24, T = 5, F = 3;
const X = tensor(Float32Array.from({ length: N * T * F }, (_, i) => Math.sin(i * 0.37)), [N, T, F]);
const Y = tensor(Float32Array.from({ length: N }, (_, i) => (Math.cos(i) > 0 ? 1 : 0)), [N, 1]);

function regressor(seed = 1): Sequential {
  const m = new Sequential([layers.lstm({ units: 6, inputShape: [null, F] }), layers.dense({ units: 1, activation: 'sigmoid' })], { seed });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

const same = (a: WeightValue[], b: WeightValue[]) => a.every((w, i) => w.data.every((v, j) => Object.is(v, b[i].data[j])));

describe('defect 5: a sequence of length 0', () => {
  const kinds: [string, () => Sequential, Tensor, Tensor][] = [
    ['LSTM', () => new Sequential([layers.lstm({ units: 4, inputShape: [null, F] }), layers.dense({ units: 1 })], { seed: 1 }), X, Y],
    ['GRU', () => new Sequential([layers.gru({ units: 4, inputShape: [null, F] }), layers.dense({ units: 1 })], { seed: 1 }), X, Y],
    ['SimpleRNN', () => new Sequential([layers.simpleRNN({ units: 4, inputShape: [null, F] }), layers.dense({ units: 1 })], { seed: 1 }), X, Y],
    ['Bidirectional(LSTM)', () => new Sequential([layers.bidirectional({ layer: layers.lstm({ units: 4 }), inputShape: [null, F] }), layers.dense({ units: 1 })], { seed: 1 }), X, Y],
    ['Embedding → LSTM', () => new Sequential([layers.embedding({ inputDim: 7, outputDim: 3 }), layers.lstm({ units: 4 }), layers.dense({ units: 1 })], { seed: 1 }),
      tensor(Int32Array.from({ length: N * T }, (_, i) => i % 7), [N, T], 'int32'), Y],
    ['Dense per step', () => new Sequential([layers.dense({ units: 2, inputShape: [null, F] })], { seed: 1 }), X, tensor(new Float32Array(N * T * 2), [N, T, 2])],
  ];
  for (const backend of ['wasm', 'js'] as const) {
    for (const [what, make, x, y] of kinds) {
      it(`throws a clear error in every method and changes nothing (${what}, ${backend})`, async () => {
        setBackend(backend);
        try {
          const m = make();
          m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
          const before = m.predict(x) as Tensor; // a normal call first: its output must not come back for the empty one
          const w0 = m.getWeights();
          const empty = x.dtype === 'int32' ? tensor(new Int32Array(0), [2, 0], 'int32') : tensor(new Float32Array(0), [2, 0, F]);
          const yEmpty = y.rank === 3 ? tensor(new Float32Array(0), [2, 0, 2]) : tensor(new Float32Array(2), [2, 1]);
          const msg = /dimension 1 \(time\) is 0; every sample needs at least one time step/;
          expect(() => m.predict(empty)).toThrow(msg);
          expect(() => m.evaluate(empty, yEmpty)).toThrow(msg);
          expect(() => m.trainOnBatch(empty, yEmpty)).toThrow(msg);
          expect(() => m.computeGradients(empty, yEmpty)).toThrow(msg);
          await expect(m.fit(empty, yEmpty, { verbose: 0 })).rejects.toThrow(msg);
          expect(same(m.getWeights(), w0)).toBe(true);
          expect(Array.from((m.predict(x) as Tensor).data)).toEqual(Array.from(before.data));
        } finally {
          setBackend('wasm');
        }
      });
    }
  }
});

describe('defect 6: one layer instance in two models', () => {
  it('is refused with an error that says to create a new layer; a model that failed to construct claims nothing', () => {
    const shared = layers.dense({ units: 1 });
    const a = new Sequential([layers.lstm({ units: 3, inputShape: [T, F] }), shared], { name: 'model_a' });
    const lstmB = layers.lstm({ units: 3, inputShape: [T, F] });
    expect(() => new Sequential([lstmB, shared])).toThrow(/layer '.*' already belongs to model 'model_a'.*Create a new layer/);
    const b = new Sequential([lstmB, layers.dense({ units: 1 })]); // lstmB was not kept by the failed model
    expect(() => b.add(shared)).toThrow(/already belongs to model 'model_a'/);
    const pa = a.predict(X) as Tensor;
    b.predict(X);
    b.dispose();
    expect(Array.from((a.predict(X) as Tensor).data)).toEqual(Array.from(pa.data)); // A still computes with its own weights
  });
});

describe('defect 7: calls while fit() runs', () => {
  it('calls that change the model or its training state throw from a callback; predict and evaluate work', async () => {
    const m = regressor();
    const other = regressor(2);
    const seen: Record<string, string> = {};
    const tryCall = (name: string, f: () => unknown) => {
      try { f(); seen[name] = 'ran'; } catch (e) { seen[name] = (e as Error).message; }
    };
    await m.fit(X, Y, {
      epochs: 1, batchSize: 8, verbose: 0, callbacks: [{
        onBatchEnd: async (b: number) => {
          if (b !== 1) return;
          tryCall('trainOnBatch', () => m.trainOnBatch(X, Y));
          tryCall('computeGradients', () => m.computeGradients(X, Y));
          tryCall('applyGradients', () => m.applyGradients(m.getWeights().map((w) => ({ ...w, data: new Float32Array(w.data.length) }))));
          tryCall('setWeights', () => m.setWeights(m.getWeights()));
          tryCall('compile', () => m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' }));
          tryCall('dispose', () => m.dispose());
          tryCall('setBackend', () => setBackend('js'));
          tryCall('predict', () => m.predict(X));
          tryCall('evaluate', () => m.evaluate(X, Y));
          tryCall('other model trainOnBatch', () => other.trainOnBatch(X, Y));
          await expect(m.fit(X, Y, { verbose: 0 })).rejects.toThrow(/already training.*await it/);
        },
      }],
    });
    for (const k of ['trainOnBatch', 'computeGradients', 'applyGradients', 'setWeights', 'compile', 'dispose']) {
      expect(seen[k], k).toMatch(new RegExp(`\\.${k}: not allowed while fit\\(\\) is running on this model`));
    }
    expect(seen.setBackend).toMatch(/setBackend: not allowed while fit\(\) is running/);
    expect(getBackend()).toBe('wasm');
    expect(seen.predict).toBe('ran');
    expect(seen.evaluate).toBe('ran');
    expect(seen['other model trainOnBatch']).toBe('ran'); // the rule is per model
    // after fit everything is allowed again
    m.trainOnBatch(X, Y);
    setBackend('wasm');
  });

  it('on a stateful model, predict/evaluate during fit are refused too (they would advance the state training carries)', async () => {
    const m = new Sequential([layers.lstm({ units: 3, stateful: true, batchInputShape: [4, T, F] }), layers.dense({ units: 1 })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const msgs: string[] = [];
    await m.fit(X, Y, { batchSize: 4, verbose: 0, shuffle: false, callbacks: [{ onBatchEnd: () => {
      for (const f of [() => m.predict(X), () => m.evaluate(X, Y)]) { try { f(); msgs.push('ran'); } catch (e) { msgs.push((e as Error).message); } }
    } }] });
    expect(msgs.length).toBe(12);
    for (const msg of msgs) expect(msg).toMatch(/\.(predict|evaluate): not allowed while fit\(\) is running on this stateful model/);
    expect((m.predict(X) as Tensor).shape).toEqual([N, 1]); // allowed again after fit
  });

  it('a second un-awaited fit on one model is refused (TensorFlow.js refuses it too); the first trains as if alone', async () => {
    const alone = regressor();
    await alone.fit(X, Y, { epochs: 2, batchSize: 8, verbose: 0, seed: 5 });
    const m = regressor();
    const first = m.fit(X, Y, { epochs: 2, batchSize: 8, verbose: 0, seed: 5 });
    const second = m.fit(X, Y, { epochs: 2, batchSize: 8, verbose: 0, seed: 5 });
    await expect(second).rejects.toThrow(/already training/);
    await first;
    expect(same(m.getWeights(), alone.getWeights())).toBe(true);
  });

  for (const threads of [1, 2]) {
    it(`predict/evaluate during fit (callbacks and timers, also while a step awaits its workers) leave training bit-identical (threads: ${threads})`, async () => {
      const run = async (poke: boolean) => {
        const m = regressor(7);
        let pokes = 0, refused = 0;
        const pokeOnce = () => {
          m.predict(X, { batchSize: 5 });
          m.evaluate(X, Y);
          try { m.trainOnBatch(X, Y); } catch { refused++; }
          pokes++;
        };
        let done = false;
        const pump = async () => { while (!done) { if (poke) pokeOnce(); await new Promise((r) => setTimeout(r, 0)); } };
        const fitting = m.fit(X, Y, {
          epochs: 3, batchSize: 8, verbose: 0, seed: 3, threads,
          callbacks: [{ onBatchEnd: () => { if (poke) pokeOnce(); } }],
        }).finally(() => { done = true; });
        const pumping = pump(); // starts after fit() has marked the model busy
        await fitting;
        await pumping;
        const weights = m.getWeights();
        m.dispose();
        return { weights, pokes, refused };
      };
      const quiet = await run(false);
      const poked = await run(true);
      expect(poked.pokes).toBeGreaterThan(9);
      expect(poked.refused).toBe(poked.pokes); // every trainOnBatch during the fit was refused
      expect(same(poked.weights, quiet.weights)).toBe(true);
    });
  }
});
