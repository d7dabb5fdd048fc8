/**
 * Browser-only: fit({ threads }) in Chromium. The workers are module Web
 * Workers started from src/parallel/port.ts (no path configuration: the URL is
 * resolved from import.meta.url, and bundlers see the literal
 * `new Worker(new URL(...), { type: 'module' })`). One SGD step with threads 2
 * and 3 equals the one-thread step (equal weights after the step = equal
 * gradients), as in the Node suite (test/model-parallel.test.ts).
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, optimizers, tensor, type WeightValue } from '../../src/index.js';
import { maxRelDiff } from '../helpers/diff.js';
import { Rng } from '../../src/util/random.js';

const T = 6, V = 11, B = 7;
const rng = new Rng(1);
const x = tensor(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T]);
const y = tensor(Int32Array.from({ length: B * T }, () => rng.int(4)), [B, T]);

function make(): Sequential {
  const m = new Sequential([
    layers.embedding({ inputDim: V, outputDim: 5, inputLength: T }),
    layers.lstm({ units: 7, returnSequences: true }),
    layers.dense({ units: 4, activation: 'softmax' }),
  ], { seed: 3 });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}


describe('fit({ threads }) in the browser', () => {
  it('one step with threads 2 and 3 (module Web Workers) equals the one-thread step', async () => {
    const one = make();
    const start = one.getWeights();
    const h1 = await one.fit(x, y, { batchSize: B, shuffle: false, verbose: 0 });
    expect(maxRelDiff(one.getWeights(), start)).toBeGreaterThan(1e-3);
    for (const threads of [2, 3]) {
      const m = make();
      const h = await m.fit(x, y, { batchSize: B, shuffle: false, verbose: 0, threads });
      expect(m.parallel, `threads ${threads}: workers started`).not.toBeNull();
      expect(maxRelDiff(m.getWeights(), one.getWeights()), `threads ${threads}`).toBeLessThan(1e-5);
      expect(h.history.loss[0]).toBeCloseTo(h1.history.loss[0], 6);
      expect(h.history.accuracy[0]).toBe(h1.history.accuracy[0]);
      m.dispose();
    }
  });
});
