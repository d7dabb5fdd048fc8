/**
 * Defect (found reviewing the merge of the functional engine): GlobalMaxPooling1D kept its argmax
 * table in a host array it mutated in place, so the two calls of a shared pooling layer (each run
 * on its own view, Object.create(layer)) wrote into ONE array: the second call's forward replaced
 * the first call's argmax before the first call's backward read it — wrong gradients, silently.
 * (It shows once the layer has a table of its own, e.g. after it ran in a model where it is called once.)
 *
 *   a → Dense(3) 'da' → gmp ─┐
 *                             add → loss = mean((add − y)²)
 *   b → Dense(3) 'db' → gmp ─┘   (gmp: one shared GlobalMaxPooling1D)
 *
 * Gradients against float64 central differences of the same graph written here.
 */
import { describe, expect, it } from 'vitest';
import { Model, input, layers, setBackend, tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';

const B = 2, T = 5, I = 2, F = 3;

function loss64(w: Map<string, Float64Array>, xa: Float32Array, xb: Float32Array, y: Float32Array): number {
  const pooled = (x: Float32Array, p: string) => {
    const k = w.get(`${p}/kernel`)!, bias = w.get(`${p}/bias`)!;
    const out: number[][] = [];
    for (let b = 0; b < B; b++) {
      const m = new Array(F).fill(-Infinity);
      for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) {
        let z = bias[f];
        for (let i = 0; i < I; i++) z += x[(b * T + t) * I + i] * k[i * F + f];
        m[f] = Math.max(m[f], z);
      }
      out.push(m);
    }
    return out;
  };
  const pa = pooled(xa, 'da'), pb = pooled(xb, 'db');
  let s = 0;
  for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) s += (pa[b][f] + pb[b][f] - y[b * F + f]) ** 2;
  return s / (B * F);
}

describe('defect: a shared GlobalMaxPooling1D mixed its calls\' argmax tables', () => {
  for (const be of ['wasm', 'js'] as const) {
    it(`${be}: both calls' gradients match float64 central differences`, () => {
      setBackend(be);
      const a = input({ shape: [T, I] }), b = input({ shape: [T, I] });
      const gmp = layers.globalMaxPooling1D({ name: 'gmp' });
      // first used once (a model where it runs as itself, not on a view): the layer gets its own table
      const solo = input({ shape: [T, F] });
      new Model({ inputs: solo, outputs: gmp.apply(solo) as any }).predict(tensor(new Float32Array(8 * T * F), [8, T, F]));
      const ya = gmp.apply(layers.dense({ units: F, name: 'da' }).apply(a) as any) as any;
      const yb = gmp.apply(layers.dense({ units: F, name: 'db' }).apply(b) as any) as any;
      const m = new Model({ inputs: [a, b], outputs: layers.add().apply([ya, yb]) });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      const rng = new Rng(5);
      const r = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
      const xa = r(B * T * I), xb = r(B * T * I), y = r(B * F);
      const { grads } = m.computeGradients([tensor(xa, [B, T, I]), tensor(xb, [B, T, I])], tensor(y, [B, F]));
      const w64 = new Map(m.getWeights().map((w) => [w.name, Float64Array.from(w.data)]));
      const eps = 1e-6;
      for (const g of grads) {
        const v = w64.get(g.name)!;
        for (let i = 0; i < v.length; i++) {
          const keep = v[i];
          v[i] = keep + eps; const lp = loss64(w64, xa, xb, y);
          v[i] = keep - eps; const lm = loss64(w64, xa, xb, y);
          v[i] = keep;
          const fd = (lp - lm) / (2 * eps);
          expect(Math.abs(g.data[i] - fd), `${g.name}[${i}]: ${g.data[i]} vs ${fd}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd));
        }
      }
      setBackend('wasm');
    });
  }
});
