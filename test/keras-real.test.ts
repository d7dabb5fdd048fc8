/**
 * Real Keras files (../shared/fixtures/keras-real: Keras 3 `.keras`, Keras 2 /
 * tf.keras `.h5`) load from file:// and from bytes and reproduce the case's
 * `output` (independent numpy implementation of the Keras equations) within
 * its tolerance, on both backends; `realistic` blocks too.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { init, io, tensor, setBackend } from '../src/index.js';
import type { Sequential } from '../src/models/sequential.js';
import type { Model } from '../src/models/graph/model.js';

const DIR = resolve('../shared/fixtures/keras-real');
interface Arr { shape: number[]; dtype: string; data: number[] }
interface Case { file: string; format: string; keras_version: string; input: Arr; output: Arr; tolerance: number; realistic?: { input: Arr; output: Arr } }
const cases = readdirSync(`${DIR}/cases`).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(`${DIR}/cases/${f}`, 'utf8')) as Case);

const toTensor = (a: Arr) => tensor(a.dtype === 'int32' ? Int32Array.from(a.data) : Float32Array.from(a.data), a.shape, a.dtype as 'float32' | 'int32');

function maxAbs(model: Sequential | Model, a: { input: Arr; output: Arr }): number {
  const y = model.predict(toTensor(a.input)) as { shape: number[]; data: Float32Array };
  expect(y.shape).toEqual(a.output.shape);
  let worst = 0;
  for (let i = 0; i < a.output.data.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - Math.fround(a.output.data[i])));
  return worst;
}

beforeAll(async () => { await init(); });

describe('Keras files from real Keras (keras-real fixtures)', () => {
  it('has the six files', () => expect(cases.length).toBeGreaterThanOrEqual(6));
  for (const c of cases) {
    describe(c.file, () => {
      for (const backend of ['wasm', 'js'] as const) {
        it(`file:// on ${backend}: output within ${c.tolerance}`, async () => {
          setBackend(backend);
          try {
            const m = await io.loadModel(`file://${DIR}/${c.file}`);
            expect(maxAbs(m, c)).toBeLessThanOrEqual(c.tolerance);
            if (c.realistic) expect(maxAbs(m, c.realistic)).toBeLessThanOrEqual(c.tolerance);
          } finally { setBackend('wasm'); }
        }, 60_000);
      }
      it('from bytes (Uint8Array and ArrayBuffer): same output', async () => {
        const bytes = readFileSync(`${DIR}/${c.file}`);
        const m1 = await io.fromKeras(new Uint8Array(bytes));
        expect(maxAbs(m1, c)).toBeLessThanOrEqual(c.tolerance);
        const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        const m2 = await io.fromKeras(ab);
        expect(maxAbs(m2, c)).toBeLessThanOrEqual(c.tolerance);
      }, 60_000);
    });
  }
});

describe('a loaded Keras model trains further and saves in the tfjs format that TensorFlow.js loads', () => {
  for (const c of cases) {
    it(`${c.file}: fit 2 steps, save, tfjs predicts the same`, async () => {
      const tf = await import('@tensorflow/tfjs');
      const { tfjsLoadSaved } = await import('./helpers/tfjs.js');
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      await tf.setBackend('cpu');
      const m = await io.loadModel(`file://${DIR}/${c.file}`);
      const x = toTensor(c.input);
      const before = m.getWeights().map((w) => Float32Array.from(w.data));
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const y = tensor(Float32Array.from(c.output.data, (v, i) => v + (i % 2 ? 0.1 : -0.1)), c.output.shape);
      await m.fit(x, y, { epochs: 2, batchSize: c.input.shape[0], verbose: 0 });
      const after = m.getWeights();
      expect(after.some((w, k) => w.data.some((v, i) => v !== before[k][i]))).toBe(true);
      const ours = (m.predict(x) as { data: Float32Array }).data;
      const dir = mkdtempSync(`${tmpdir()}/keras-real-`);
      try {
        await m.save(`file://${dir}`);
        const again = (await io.loadModel(`file://${dir}/model.json`)).predict(x) as { data: Float32Array };
        expect(Array.from(again.data)).toEqual(Array.from(ours));
        const resetAfter = JSON.stringify(m.toJSON()).includes('"reset_after":true');
        if (resetAfter) {
          // TensorFlow.js has no reset_after=true GRU (the Keras default since 2.3): it refuses the file, loudly.
          await expect(tfjsLoadSaved(dir)).rejects.toThrow(/reset_after/);
          return;
        }
        const t = await tfjsLoadSaved(dir);
        const xt = c.input.dtype === 'int32' ? tf.tensor(c.input.data, c.input.shape, 'int32') : tf.tensor(c.input.data, c.input.shape);
        const theirs = (t.predict(xt) as import('@tensorflow/tfjs').Tensor).dataSync();
        let worst = 0;
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        expect(worst).toBeLessThanOrEqual(1e-4);
      } finally { rmSync(dir, { recursive: true, force: true }); }
    }, 120_000);
  }
});

describe('model.weights.npz (Keras 3 weights_format npz: pickled dicts written by real numpy 1.x and 2.x)', () => {
  const c = cases.find((k) => k.file.endsWith('obaiz_gru.keras'))!;
  for (const tag of ['1', '2']) {
    it(`obaiz_gru with numpy ${tag}.x npz weights reproduces the case output on both backends`, async () => {
      for (const backend of ['wasm', 'js'] as const) {
        setBackend(backend);
        try {
          const m = await io.loadModel(`file://${resolve(`test/fixtures-keras/obaiz_gru_npz${tag}.keras`)}`);
          expect(maxAbs(m, c)).toBeLessThanOrEqual(c.tolerance);
        } finally { setBackend('wasm'); }
      }
    });
  }
});
