/**
 * A stateful RNN's gradient when its step starts from a carried state.
 *
 * Inference reads the carried state in place as h0/c0 (no copy: the per-call cost of a
 * streaming step), training copies it first, because the carried state is overwritten with
 * the final state before the backward reads h0 again. This checks the training side: a
 * predict carries a state, then computeGradients on the next chunk must match float64 central
 * differences of the same two chunks (reference: test/helpers/keras64.ts), on both backends.
 */
import { describe, expect, it } from 'vitest';
import { Sequential, layers, setBackend, tensor, type Tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';

const B = 2, T = 3, I = 2, H = 3;

const seq = (x: Float32Array): Seq =>
  Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(x.subarray((b * T + t) * I, (b * T + t + 1) * I))));

type State = { h: number[][]; c: number[][] };

const spec = (kind: 'lstm' | 'gru', w: Map<string, Float64Array>): RnnSpec => ({
  kind, units: H, act: 'tanh', rec: 'sigmoid', resetAfter: kind === 'gru',
  kernel: w.get('rnn/kernel')!, recurrent: w.get('rnn/recurrent_kernel')!, bias: w.get('rnn/bias')!,
});

/** The final state over x1 from zeros: what the predict leaves carried. */
function carriedAfter(kind: 'lstm' | 'gru', w: Map<string, Float64Array>, x1: Seq): State {
  const carried: State = { h: [], c: [] };
  refRnn(spec(kind, w), x1, null, false, false, null, carried);
  return carried;
}

/**
 * MSE of Dense(1)(rnn(x2)) where the rnn starts from `carried`. The carried state is an input
 * of the step (truncated BPTT: no gradient flows into the chunk before), so it stays fixed
 * while the weights are perturbed.
 */
function loss64(kind: 'lstm' | 'gru', w: Map<string, Float64Array>, carried: State, x2: Seq, y: number[]): number {
  const spec1 = spec(kind, w);
  const last = refRnn(spec1, x2, null, false, false, kind === 'lstm' ? carried : { h: carried.h }) as number[][];
  const k = w.get('out/kernel')!, bias = w.get('out/bias')![0];
  let sum = 0;
  for (let b = 0; b < B; b++) sum += (last[b].reduce((s, v, j) => s + v * k[j], bias) - y[b]) ** 2;
  return sum / B;
}

describe('stateful RNN: computeGradients from a carried state matches finite differences', () => {
  for (const kind of ['lstm', 'gru'] as const) {
    for (const be of ['wasm', 'js'] as const) {
      it(`${kind} ${be}: a predict carries the state, the next chunk's gradients match float64 central differences`, () => {
        setBackend(be);
        const rnn = kind === 'lstm' ? layers.lstm : layers.gru;
        const m = new Sequential([
          rnn({ units: H, stateful: true, batchInputShape: [B, T, I], name: 'rnn' }),
          layers.dense({ units: 1, name: 'out' }),
        ]);
        m.compile({ optimizer: 'sgd', loss: 'mse' });
        const rng = new Rng(7);
        const r = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
        m.setWeights(m.getWeights().map((w) => ({ ...w, data: r(w.data.length).map((v) => v * 0.8) })));
        const x1 = r(B * T * I), x2 = r(B * T * I), y = r(B);
        m.predict(tensor(x1, [B, T, I])) as Tensor; // carries the final state over x1
        const { loss, grads } = m.computeGradients(tensor(x2, [B, T, I]), tensor(y, [B, 1]));
        const w64 = new Map(m.getWeights().map((w) => [w.name, Float64Array.from(w.data)]));
        const ys = Array.from(y), s1 = carriedAfter(kind, w64, seq(x1)), s2 = seq(x2);
        expect(loss).toBeCloseTo(loss64(kind, w64, s1, s2, ys), 5);
        const eps = 1e-6;
        for (const g of grads) {
          const v = w64.get(g.name)!;
          for (let i = 0; i < v.length; i++) {
            const keep = v[i];
            v[i] = keep + eps; const lp = loss64(kind, w64, s1, s2, ys);
            v[i] = keep - eps; const lm = loss64(kind, w64, s1, s2, ys);
            v[i] = keep;
            const fd = (lp - lm) / (2 * eps);
            const err = Math.abs(g.data[i] - fd) / Math.max(Math.abs(fd), 1e-2);
            expect(err, `${g.name}[${i}]: ${g.data[i]} vs ${fd}`).toBeLessThan(2e-3);
          }
        }
        m.dispose();
        setBackend('wasm');
      });
    }
  }
});
