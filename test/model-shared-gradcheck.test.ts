/**
 * Issue 14 acceptance 2: float64 finite differences through a shared layer, a merge layer and
 * initialState in one functional model, on both backends.
 *
 *   a, b: [B, T, I] → enc = LSTM(H, returnState) shared:  [ya, ha, ca] = enc(a), [yb, hb, cb] = enc(b)
 *   dec  = GRU(H) on b, initialState = [add([ha, hb])]
 *   out  = Dense(1)(concatenate([dec, ca]))               loss = MSE(out, y)
 *
 * The reference is the same graph written in float64 here (refRnn: Keras LSTM/GRU in float64);
 * its loss is differentiated by central differences over every weight.
 */
import { describe, expect, it } from 'vitest';
import { Model, input, layers, setBackend, tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';

const B = 3, T = 4, I = 2, H = 3;

function build(): Model {
  const a = input({ shape: [T, I], name: 'a' }), b = input({ shape: [T, I], name: 'b' });
  const enc = layers.lstm({ units: H, returnState: true, name: 'enc' });
  const [, ha, ca] = enc.apply(a) as any;
  const [, hb] = enc.apply(b) as any;
  const h0 = layers.add({ name: 'sum' }).apply([ha, hb]);
  const dec = layers.gru({ units: H, name: 'dec', resetAfter: true }).apply(b, { initialState: [h0] }) as any;
  const out = layers.dense({ units: 1, name: 'out' }).apply(layers.concatenate({ name: 'cat' }).apply([dec, ca]));
  return new Model({ inputs: [a, b], outputs: out });
}

/** The same graph in float64; w: weights by name. */
function loss64(w: Map<string, Float64Array>, xa: Seq, xb: Seq, y: number[]): number {
  const spec = (p: string, kind: 'lstm' | 'gru'): RnnSpec => ({
    kind, units: H, act: 'tanh', rec: 'sigmoid', resetAfter: kind === 'gru',
    kernel: w.get(`${p}/kernel`)!, recurrent: w.get(`${p}/recurrent_kernel`)!, bias: w.get(`${p}/bias`)!,
  });
  const fa = { h: [] as number[][], c: [] as number[][] }, fb = { h: [] as number[][], c: [] as number[][] };
  refRnn(spec('enc', 'lstm'), xa, null, false, false, null, fa);
  refRnn(spec('enc', 'lstm'), xb, null, false, false, null, fb);
  const h0 = fa.h.map((r, i) => r.map((v, j) => v + fb.h[i][j]));
  const dec = refRnn(spec('dec', 'gru'), xb, null, false, false, { h: h0 }) as number[][];
  const k = w.get('out/kernel')!, bias = w.get('out/bias')![0];
  let sum = 0;
  for (let i = 0; i < B; i++) {
    const feats = [...dec[i], ...fa.c[i]];
    const o = feats.reduce((s, v, j) => s + v * k[j], bias);
    sum += (o - y[i]) ** 2;
  }
  return sum / B;
}

describe('finite differences through a shared LSTM, add, concatenate and a GRU initialState', () => {
  for (const be of ['wasm', 'js'] as const) {
    it(`${be}: every weight gradient matches float64 central differences`, () => {
      setBackend(be);
      const m = build();
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      const rng = new Rng(21);
      const r = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
      const xa = r(B * T * I), xb = r(B * T * I), y = r(B);
      // weights drawn here (not the initializers), so the biases are not zero
      m.setWeights(m.getWeights().map((w) => ({ ...w, data: r(w.data.length).map((v) => v * 0.6) })));
      const { loss, grads } = m.computeGradients([tensor(xa, [B, T, I]), tensor(xb, [B, T, I])], tensor(y, [B, 1]));
      const seq = (x: Float32Array): Seq => Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(x.subarray((b * T + t) * I, (b * T + t + 1) * I))));
      const w64 = new Map(m.getWeights().map((w) => [w.name, Float64Array.from(w.data)]));
      const ys = Array.from(y);
      expect(loss).toBeCloseTo(loss64(w64, seq(xa), seq(xb), ys), 5);
      expect(grads.map((g) => g.name).sort()).toEqual(['dec/bias', 'dec/kernel', 'dec/recurrent_kernel', 'enc/bias', 'enc/kernel', 'enc/recurrent_kernel', 'out/bias', 'out/kernel']);
      const eps = 1e-6;
      for (const g of grads) {
        const v = w64.get(g.name)!;
        for (let i = 0; i < v.length; i++) {
          const keep = v[i];
          v[i] = keep + eps; const lp = loss64(w64, seq(xa), seq(xb), ys);
          v[i] = keep - eps; const lm = loss64(w64, seq(xa), seq(xb), ys);
          v[i] = keep;
          const fd = (lp - lm) / (2 * eps);
          const err = Math.abs(g.data[i] - fd) / Math.max(Math.abs(fd), 1e-2);
          expect(err, `${g.name}[${i}]: ${g.data[i]} vs ${fd}`).toBeLessThan(2e-3);
        }
      }
      setBackend('wasm');
    });
  }
});
