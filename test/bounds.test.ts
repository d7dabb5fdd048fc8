/**
 * Defect 10: no resource bounds. threads: 200 started 199 workers on 2 cores;
 * text.toCategorical([0, 1e9]) tried to build 8 GB and padSequences with
 * maxlen 1e9 4 GB. Now fit clamps threads to the hardware threads with a
 * warning, and the array builders refuse outputs above 2^31 − 1 elements or
 * 2 GiB before allocating anything.
 */
import { describe, it, expect, vi } from 'vitest';
import { availableParallelism } from 'node:os';
import { Sequential, layers, tensor, text } from '../dist/src/index.js';

describe('defect 10: resource bounds', () => {
  it('text.toCategorical refuses an output above 2 GiB, naming the shape and the limit', () => {
    expect(() => text.toCategorical([0, 1e9])).toThrow(/toCategorical: the one-hot output would have shape \[2, 1000000001\] = 2\.000e\+9 elements \(7\.5 GiB\); the limit is 2147483647 elements and 2 GiB per array/);
    expect(() => text.toCategorical([0, 1], 2 ** 29)).toThrow(/2 GiB/);                // 2 × 2^29 floats = 4 GiB
    expect(text.toCategorical([0, 3]).shape).toEqual([2, 4]);                           // small ones are untouched
  });

  it('text.padSequences refuses an output above 2 GiB', () => {
    expect(() => text.padSequences([[1, 2]], { maxlen: 1e9 })).toThrow(/padSequences: the padded output would have shape \[1, 1000000000\].*3\.7 GiB/);
    expect(() => text.padSequences([[1], [2], [3]], { maxlen: 2 ** 29 })).toThrow(/2 GiB/);
    expect(text.padSequences([[1, 2]], { maxlen: 3 }).shape).toEqual([1, 3]);
  });

  it('fit clamps threads to the hardware threads, with a warning, and trains', async () => {
    const hw = availableParallelism();
    const m = new Sequential([layers.lstm({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 1 })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = await m.fit(tensor(new Float32Array(8 * 4 * 2).fill(0.5), [8, 4, 2]), tensor(new Float32Array(8).fill(1), [8, 1]),
        { verbose: 0, threads: hw + 198, batchSize: 8 });
      expect(Number.isFinite(h.history.loss[0])).toBe(true);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`fit: threads: ${hw + 198} is more than this machine's ${hw} hardware threads; using threads: ${hw}`)));
      const pool = (m as unknown as { parallel: { threads: number } | null }).parallel; // internal member
      expect(pool === null ? 1 : pool.threads).toBe(hw);
    } finally {
      warn.mockRestore();
      m.dispose();
    }
  });
});
