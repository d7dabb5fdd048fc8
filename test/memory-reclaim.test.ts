/**
 * defect 3: models dropped without dispose() give their memory back. Each
 * model's MemoryPlan is registered with a FinalizationRegistry that holds only
 * its block list; once the model is unreachable and collected, the blocks are
 * freed. 2 000 models built, run once and dropped keep the backend heap and
 * memory flat (gc is exposed for the test, as in model-memory.test.ts).
 */
import { describe, it, expect } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Sequential, layers, tensor, setBackend } from '../src/index.js';
import { backend } from '../src/backend/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collect, then let the finalizers' callbacks run (they are queued as tasks). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
}

describe('defect 3: models dropped without dispose() are reclaimed', () => {
  for (const name of ['wasm', 'js'] as const) {
    it(`${name}: 2 000 Embedding → LSTM → Dense models, each run once and dropped, keep the heap flat`, async () => {
      setBackend(name);
      const be = backend();
      const x = tensor(Int32Array.from({ length: 2 * 12 }, (_, i) => (i * 31) % 500), [2, 12], 'int32');
      const once = () => {
        const m = new Sequential([
          layers.embedding({ inputDim: 500, outputDim: 16 }),
          layers.lstm({ units: 16 }),
          layers.dense({ units: 1 }),
        ]);
        return (m.predict(x) as { data: Float32Array }).data[0];
      };
      for (let i = 0; i < 100; i++) once();
      await collect();
      const used0 = be.heapUsedBytes(), mem0 = be.memoryBytes();
      // one model holds ≈ 2 × (500·16 + 16·64 + 16·64 + 64 + 17) floats + its workspace ≈ 90 KB: 2 000 would be ≈ 180 MB
      let peak = 0;
      for (let i = 0; i < 2000; i++) {
        expect(Number.isFinite(once())).toBe(true);
        if (i % 100 === 99) {
          await collect();
          peak = Math.max(peak, be.heapUsedBytes() - used0);
        }
      }
      await collect();
      expect(be.heapUsedBytes() - used0, 'heap bytes still held after 2 000 dropped models').toBeLessThan(2 ** 20);
      expect(peak, 'heap growth between collections').toBeLessThan(16 * 2 ** 20);
      // the memory may grow by a few pages (first-fit fragmentation); unreclaimed it would grow by ≈ 180 MB
      expect(be.memoryBytes() - mem0).toBeLessThan(4 * 2 ** 20);
    }, 120_000);
  }
});
