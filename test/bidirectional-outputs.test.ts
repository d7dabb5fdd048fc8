/**
 * Bidirectional with mergeMode null (two outputs) and an inner layer with
 * returnState: outputs against the float64 Keras reference (helpers/keras64:
 * refRnn / refBidi), the LSTM cell state against a standalone returnState
 * layer, gradients of the model loss (on the first output) against float64
 * central differences, on both backends; save → TensorFlow.js → same outputs;
 * save → load here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init, setBackend, Sequential, layers, tensor, io, type Tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { refBidi, refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';
import { rel } from './helpers/gradcheck.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const B = 2, T = 4, F = 3, U = 3;
const r = new Rng(11);
const xs: Seq = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: F }, () => r.uniform(-1, 1))));
const X = tensor(xs);

function bidi(kind: 'lstm' | 'gru', mergeMode: 'concat' | null, returnSequences: boolean, returnState: boolean, seed = 5) {
  const inner = kind === 'lstm' ? layers.lstm({ units: U, returnSequences, returnState }) : layers.gru({ units: U, returnSequences, returnState });
  const m = new Sequential([layers.bidirectional({ layer: inner, mergeMode, inputShape: [T, F] })], { seed });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}
function specs(m: Sequential, kind: 'lstm' | 'gru', w = m.getWeights().map((v) => v.data as ArrayLike<number>)): [RnnSpec, RnnSpec] {
  const s = (o: number): RnnSpec => ({ kind, units: U, act: 'tanh', rec: 'sigmoid', resetAfter: true, kernel: w[o], recurrent: w[o + 1], bias: w[o + 2] });
  return [s(0), s(3)];
}
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const close = (got: ArrayLike<number>, want: number[], what: string) => {
  expect(got.length, what).toBe(want.length);
  want.forEach((v, i) => expect(Math.abs(got[i] - v), `${what}[${i}]`).toBeLessThan(2e-6));
};

for (const be of ['js', 'wasm'] as const) {
  describe(`Bidirectional outputs (${be})`, () => {
    beforeAll(() => setBackend(be));

    for (const seq of [true, false]) {
      it(`mergeMode null: [forward, backward in input time order] (returnSequences ${seq})`, () => {
        const m = bidi('lstm', null, seq, false);
        const out = m.predict(X) as Tensor[];
        expect(out.length).toBe(2);
        const [f, b] = specs(m, 'lstm');
        close(out[0].data, flat(refRnn(f, xs, null, false, seq)), 'forward');
        const back = refRnn(b, xs, null, true, seq);
        close(out[1].data, flat(seq ? (back as Seq).map((row) => [...row].reverse()) : back), 'backward');
        // concat of the two is what mergeMode concat outputs
        const c = bidi('lstm', 'concat', seq, false);
        c.setWeights(m.getWeights());
        close((c.predict(X) as Tensor).data, flat(refBidi(f, b, xs, null, seq, 'concat')), 'concat');
      });
    }

    it('returnState: [merged, h_f, c_f, h_b, c_b] for LSTM; [forward, backward, h_f, h_b] for GRU with mergeMode null', () => {
      const m = bidi('lstm', 'concat', true, true);
      const out = m.predict(X) as Tensor[];
      expect(out.map((t) => t.shape)).toEqual([[B, T, 2 * U], [B, U], [B, U], [B, U], [B, U]]);
      const [f, b] = specs(m, 'lstm');
      close(out[0].data, flat(refBidi(f, b, xs, null, true, 'concat')), 'merged');
      close(out[1].data, flat(refRnn(f, xs, null, false, false)), 'h_f');
      close(out[3].data, flat(refRnn(b, xs, null, true, false)), 'h_b');
      // c: a standalone LSTM with returnState and the same weights (the lstm_state fixture checks that path)
      const w = m.getWeights();
      for (const [k, off, back] of [[2, 0, false], [4, 3, true]] as const) {
        const s = new Sequential([layers.lstm({ units: U, returnState: true, goBackwards: back, inputShape: [T, F] })]);
        s.setWeights(w.slice(off, off + 3).map((v, i) => ({ ...v, name: s.weightNames()[i] })));
        close(out[k].data, Array.from((s.predict(X) as Tensor[])[2].data), `c ${back ? 'backward' : 'forward'}`);
      }
      const g = bidi('gru', null, false, true);
      const go = g.predict(X) as Tensor[];
      expect(go.map((t) => t.shape)).toEqual([[B, U], [B, U], [B, U], [B, U]]);
      const [gf, gb] = specs(g, 'gru');
      close(go[2].data, flat(refRnn(gf, xs, null, false, false)), 'gru h_f');
      close(go[3].data, flat(refRnn(gb, xs, null, true, false)), 'gru h_b');
    });

    it('training a mergeMode null model throws (a loss on the first output would never train the backward layer)', () => {
      const m = bidi('lstm', null, true, false, 9);
      const y = tensor(new Array(B * T * U).fill(0.5), [B, T, U]);
      expect(() => m.computeGradients(X, y)).toThrow(/mergeMode null \(two outputs\).*never train its backward layer/);
      expect(() => m.trainOnBatch(X, y)).toThrow(/mergeMode null/);
      expect(() => m.evaluate(X, y)).toThrow(/mergeMode null/);
    });

    for (const [mode, state] of [['concat', true]] as const) {
      it(`gradients of the loss on the first output match float64 differences (mergeMode ${mode}, returnState ${state})`, () => {
        const m = bidi('lstm', mode, true, state, 9);
        const ydim = 2 * U;
        const y = tensor(Array.from({ length: B * T * ydim }, (_, i) => Math.sin(i)), [B, T, ydim]);
        const w64 = m.getWeights().map((v) => Float64Array.from(v.data));
        const loss = () => {
          const [f, b] = specs(m, 'lstm', w64);
          const p = flat(refBidi(f, b, xs, null, true, mode));
          return p.reduce((s, v, i) => s + (v - y.data[i]) ** 2, 0) / p.length;
        };
        const { grads } = m.computeGradients(X, y);
        const rng = new Rng(4), eps = 1e-5;
        w64.forEach((arr, wi) => {
          for (let s = 0; s < 6; s++) {
            const j = rng.int(arr.length), keep = arr[j];
            arr[j] = keep + eps; const lp = loss();
            arr[j] = keep - eps; const lm = loss();
            arr[j] = keep;
            const fd = (lp - lm) / (2 * eps);
            const g = grads[wi].data[j];
            expect(rel(g, fd), `${grads[wi].name}[${j}] ${g} vs ${fd}`).toBeLessThan(1e-3);
          }
        });
      });
    }
  });
}

describe('Bidirectional outputs in files', () => {
  it('mergeMode null + returnState saves as a functional model that TensorFlow.js loads with the same outputs, and loads back here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-bidi-'));
    try {
      const m = bidi('lstm', null, true, true);
      const ours = m.predict(X) as Tensor[];
      expect(ours.length).toBe(6);
      await m.save(`file://${dir}`);
      const t = await tfjsLoadSaved(dir);
      const theirs = t.predict(tf.tensor(xs)) as tf.Tensor[];
      expect(theirs.length).toBe(6);
      theirs.forEach((tt, k) => {
        expect(tt.shape).toEqual(ours[k].shape);
        const d = tt.dataSync();
        ours[k].data.forEach((v, i) => expect(Math.abs(v - d[i]), `output ${k}[${i}]`).toBeLessThan(1e-5));
      });
      const back = await io.loadModel(`file://${dir}/model.json`);
      const again = back.predict(X) as Tensor[];
      again.forEach((o, k) => expect(Array.from(o.data)).toEqual(Array.from(ours[k].data)));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('a layer with several outputs must be last', () => {
    const b = layers.bidirectional({ layer: layers.lstm({ units: 2, returnSequences: true }), mergeMode: null, name: 'bb', inputShape: [3, 2] });
    expect(() => new Sequential([b, layers.dense({ units: 1 })])).toThrow(/'bb' has several outputs \(mergeMode null or returnState\), so it must be the last layer/);
  });
});
