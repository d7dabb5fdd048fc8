/**
 * Browser-only: real Keras files (shared/fixtures/keras-real) loaded over HTTP
 * with io.loadModel('http://…/model.keras' | '…/model.h5') in Chromium
 * reproduce their case outputs on both backends (fflate and jsfive loaded
 * lazily in the page).
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'fs';
import { io, tensor, setBackend, type Tensor } from '../../src/index.js';

const fixtureUrl = (path: string) => new URL(`/__fixtures__/${path}`, location.origin).href;
interface Arr { shape: number[]; dtype: 'float32' | 'int32'; data: number[] }
interface Case { file: string; input: Arr; output: Arr; tolerance: number; realistic?: { input: Arr; output: Arr } }
const cases = readdirSync('../shared/fixtures/keras-real/cases').filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(`../shared/fixtures/keras-real/cases/${f}`, 'utf8') as string) as Case);

function worst(y: Tensor, want: Arr): number {
  expect(y.shape).toEqual(want.shape);
  let w = 0;
  for (let i = 0; i < want.data.length; i++) w = Math.max(w, Math.abs(y.data[i] - Math.fround(want.data[i])));
  return w;
}

describe('Keras files over HTTP in Chromium', () => {
  it('has the cases', () => expect(cases.length).toBeGreaterThanOrEqual(6));
  for (const c of cases) {
    for (const backend of ['wasm', 'js'] as const) {
      it(`${c.file} (${backend}): output within ${c.tolerance}`, async () => {
        setBackend(backend);
        try {
          const m = await io.loadModel(fixtureUrl(`keras-real/${c.file}`));
          const x = (a: Arr) => tensor(a.dtype === 'int32' ? Int32Array.from(a.data) : Float32Array.from(a.data), a.shape, a.dtype);
          expect(worst(m.predict(x(c.input)) as Tensor, c.output)).toBeLessThanOrEqual(c.tolerance);
          if (c.realistic) expect(worst(m.predict(x(c.realistic.input)) as Tensor, c.realistic.output)).toBeLessThanOrEqual(c.tolerance);
        } finally { setBackend('wasm'); }
      });
    }
  }
  it('a missing Keras URL gives a clear error', async () => {
    await expect(io.loadModel(fixtureUrl('keras-real/files/nope.keras'))).rejects.toThrow(/nope\.keras: HTTP 404/);
  });
});
