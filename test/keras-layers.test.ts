/**
 * Masking and TimeDistributed(Dense): forward and weight gradients on both
 * backends against float64 references written here (central differences of
 * a float64 loss), and a tfjs round trip (saved here, loaded by TensorFlow.js,
 * same predictions).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init, setBackend, Sequential, layers, tensor, io } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

const B = 3, T = 5, F = 2, H = 3;

/** x [B, T, F] with whole steps equal to the mask value (b=0: t=1,3; b=1: t=4; b=2: none) and one partial match (b=2, t=2). */
function maskedInput(maskValue: number, rng: Rng): Float32Array {
  const x = rng.floats(B * T * F, -1, 1);
  const set = (b: number, t: number, v: number[]) => v.forEach((val, j) => { x[(b * T + t) * F + j] = val; });
  set(0, 1, [maskValue, maskValue]); set(0, 3, [maskValue, maskValue]); set(1, 4, [maskValue, maskValue]);
  set(2, 2, [maskValue, 0.5]); // one feature differs: not masked
  return x;
}

/** float64: Masking(maskValue) -> SimpleRNN(H, tanh, last output; masked steps keep h) -> Dense(1); MSE against y. */
function maskedRnnLoss(x: Float32Array, y: Float32Array, maskValue: number, w: Float64Array[]): number {
  const [K, U, bR, D, bD] = w;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * F;
      let masked = true;
      for (let j = 0; j < F; j++) if (x[row + j] !== maskValue) masked = false;
      if (masked) continue;
      const z = new Float64Array(H);
      for (let u = 0; u < H; u++) {
        let s = bR[u];
        for (let j = 0; j < F; j++) s += x[row + j] * K[j * H + u];
        for (let v = 0; v < H; v++) s += h[v] * U[v * H + u];
        z[u] = Math.tanh(s);
      }
      h = z;
    }
    let o = bD[0];
    for (let u = 0; u < H; u++) o += h[u] * D[u];
    loss += (o - y[b]) ** 2;
  }
  return loss / B;
}

/** central differences of `loss` over every element of every weight, in float64. */
function finiteDiff(ws: Float64Array[], loss: (w: Float64Array[]) => number, eps = 1e-6): Float64Array[] {
  return ws.map((p) => {
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i];
      p[i] = keep + eps; const lp = loss(ws);
      p[i] = keep - eps; const lm = loss(ws);
      p[i] = keep;
      g[i] = (lp - lm) / (2 * eps);
    }
    return g;
  });
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0, s = 1e-3;
  for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
};

describe('Masking', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`forward and gradients match a float64 reference with central differences (${backend})`, () => {
      setBackend(backend);
      try {
        const rng = new Rng(5);
        const maskValue = -2;
        const x = maskedInput(maskValue, rng), y = rng.floats(B, -1, 1);
        const m = new Sequential([
          layers.masking({ maskValue, inputShape: [T, F] }),
          layers.simpleRNN({ units: H }),
          layers.dense({ units: 1 }),
        ]);
        m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
        const ws = m.getWeights().map((w) => Float64Array.from(w.data));
        const pred = m.predict(tensor(x, [B, T, F])) as { data: Float32Array };
        const want = maskedRnnLoss(x, y, maskValue, ws);
        let got = 0;
        for (let b = 0; b < B; b++) got += (pred.data[b] - y[b]) ** 2;
        expect(Math.abs(got / B - want)).toBeLessThan(1e-5);
        const { loss, grads } = m.computeGradients(tensor(x, [B, T, F]), tensor(y, [B, 1]));
        expect(Math.abs(loss - want)).toBeLessThan(1e-5);
        const fd = finiteDiff(ws, (w) => maskedRnnLoss(x, y, maskValue, w));
        grads.forEach((g, k) => expect(maxRel(g.data, fd[k]), `${g.name}`).toBeLessThan(1e-3));
      } finally { setBackend('wasm'); }
    });
  }

  it('a masked step contributes nothing: changing its features (all = maskValue kept) leaves output and gradients unchanged', () => {
    const rng = new Rng(9);
    const x = maskedInput(0, rng);
    const m = new Sequential([layers.masking({ inputShape: [T, F] }), layers.lstm({ units: H }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const a = (m.predict(tensor(x, [B, T, F])) as { data: Float32Array }).data;
    // drop the masked steps altogether: the same sample without them gives the same output (b = 0: steps 1 and 3)
    const kept = [0, 2, 4].flatMap((t) => [x[t * F], x[t * F + 1]]);
    const single = new Sequential([layers.lstm({ units: H, inputShape: [3, F] }), layers.dense({ units: 1 })]);
    single.setWeights(m.getWeights().map((w) => ({ ...w, name: w.name })));
    const b0 = (single.predict(tensor(Float32Array.from(kept), [1, 3, F])) as { data: Float32Array }).data[0];
    expect(Math.abs(a[0] - b0)).toBeLessThan(1e-6);
  });
});

/** float64: TimeDistributed(Dense(N, tanh)) over [B, T, F]; mean squared error against y [B, T, N]. */
function tdLoss(x: Float32Array, y: Float32Array, N: number, w: Float64Array[]): number {
  const [W, b] = w;
  let s = 0;
  for (let r = 0; r < B * T; r++) for (let n = 0; n < N; n++) {
    let z = b[n];
    for (let j = 0; j < F; j++) z += x[r * F + j] * W[j * N + n];
    s += (Math.tanh(z) - y[r * N + n]) ** 2;
  }
  return s / (B * T * N);
}

describe('TimeDistributed(Dense)', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`forward and gradients match a float64 reference with central differences (${backend})`, () => {
      setBackend(backend);
      try {
        const rng = new Rng(3), N = 4;
        const x = rng.floats(B * T * F, -1, 1), y = rng.floats(B * T * N, -1, 1);
        const m = new Sequential([layers.timeDistributed({ layer: layers.dense({ units: N, activation: 'tanh' }), inputShape: [T, F] })]);
        m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
        expect(m.getWeights().map((w) => w.name)).toEqual([`${m.layers[0].name}/kernel`, `${m.layers[0].name}/bias`]);
        const ws = m.getWeights().map((w) => Float64Array.from(w.data));
        const { loss, grads } = m.computeGradients(tensor(x, [B, T, F]), tensor(y, [B, T, N]));
        expect(Math.abs(loss - tdLoss(x, y, N, ws))).toBeLessThan(1e-6);
        const fd = finiteDiff(ws, (w) => tdLoss(x, y, N, w));
        grads.forEach((g, k) => expect(maxRel(g.data, fd[k]), g.name).toBeLessThan(1e-3));
      } finally { setBackend('wasm'); }
    });
  }

  it('rejects a wrapped layer that is not Dense, naming it', () => {
    expect(() => layers.timeDistributed({ layer: layers.lstm({ units: 2 }) as never })).toThrow(/layer must be a dense layer.*got LSTM/);
  });
});

describe('tfjs round trip: Masking -> LSTM -> TimeDistributed(Dense)', () => {
  it('saved here, loaded by TensorFlow.js: same predictions; and loaded back here', async () => {
    const rng = new Rng(21);
    const x = maskedInput(0, rng);
    const m = new Sequential([
      layers.masking({ maskValue: 0, inputShape: [T, F] }),
      layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'hardSigmoid' }),
      layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'softmax' }) }),
    ]);
    const ours = (m.predict(tensor(x, [B, T, F])) as { data: Float32Array }).data;
    const dir = mkdtempSync(join(tmpdir(), 'keras-layers-'));
    try {
      await m.save(`file://${dir}`);
      const t = await tfjsLoadSaved(dir);
      const theirs = (t.predict(tf.tensor3d(x, [B, T, F])) as tf.Tensor).dataSync();
      // tfjs keeps the previous output at masked steps (as Keras with zero_output_for_mask=false)
      expect(maxRel(ours, theirs)).toBeLessThan(1e-5);
      const back = await io.loadModel(`file://${dir}/model.json`);
      const again = (back.predict(tensor(x, [B, T, F])) as { data: Float32Array }).data;
      expect(Array.from(again)).toEqual(Array.from(ours));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('options of the new factories', () => {
  it('unknown keys throw with the camelCase suggestion (checkOptions)', () => {
    expect(() => layers.masking({ mask_value: 1 } as never)).toThrow(/mask_value.*maskValue/);
    expect(() => layers.timeDistributed({ layer: layers.dense({ units: 1 }), mergeMode: 'sum' } as never)).toThrow(/mergeMode/);
    expect(() => layers.masking({ maskValue: NaN })).toThrow(/maskValue must be a finite number/);
  });
});
