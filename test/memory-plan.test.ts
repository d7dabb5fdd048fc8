/**
 * One memory plan per model (src/models/memory-plan.ts), on both backends:
 *
 * - defect 1: a model whose blocks sit across and above 2 GiB computes
 *   bit-identically to the same model placed low (forward, gradients, one Adam
 *   step; Embedding → GRU → SimpleRNN → LSTM → Dense: every recurrent kernel).
 *   Filler blocks push the model up; the test checks its own precondition from
 *   memoryInfo()'s offsets.
 * - defect 2: a call that cannot fit throws an error naming the model, the call,
 *   the shape and the bytes needed and available; nothing stays allocated, the
 *   model and a new model keep working.
 * - defect 4: the workspace is planned for the call's shape, not the element-wise
 *   max of every shape seen; a large one-off call gives its workspace back.
 * - memoryInfo() prints the map: regions tile their blocks without overlap.
 *
 * Runs in its own process (vitest pool 'forks'), so the heap starts nearly empty.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, setBackend } from '../src/index.js';
import { backend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import { Rng } from '../src/util/random.js';
import { refRnn, type Seq } from './helpers/keras64.js';

const GiB2 = 2 ** 31;
const MiB = 2 ** 20;

function randomTensor(rng: Rng, shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), shape);
}

describe('defect 1: past 2 GiB of backend memory results stay right', () => {
  for (const name of ['wasm', 'js'] as const) {
    it(`${name}: a model placed across and above 2 GiB computes bit-identically to the same model placed low`, async () => {
      setBackend(name);
      const be: Backend = backend();
      const rng = new Rng(5);
      const B = 32, T = 40, I = 8;
      const x = tensor(Int32Array.from({ length: B * T }, () => rng.int(50)), [B, T], 'int32');
      const y = randomTensor(rng, [B, T, 3]);
      // every recurrent kernel, embedding, dense and Adam, forward and backward
      const make = () => {
        const m = new Sequential([
          layers.embedding({ inputDim: 50, outputDim: I, inputLength: T }),
          layers.gru({ units: 12, returnSequences: true }),
          layers.simpleRNN({ units: 10, returnSequences: true }),
          layers.lstm({ units: 16, returnSequences: true }),
          layers.dense({ units: 3 }),
        ], { seed: 9 });
        m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
        return m;
      };
      const run = () => {
        const m = make();
        const out = (m.predict(x, { batchSize: B }) as { data: Float32Array }).data;
        const { loss, grads } = m.computeGradients(x, y);
        const loss2 = m.trainOnBatch(x, y);
        const after = m.getWeights().map((w) => w.data);
        const regions = m.memoryInfo().regions;
        m.dispose();
        return { out, loss, grads: grads.map((g) => g.data), loss2, after, regions };
      };
      const lo = (r: { offset: number }) => r.offset;
      const hi = (r: { offset: number; bytes: number }) => r.offset + r.bytes;

      // yield between phases: each blocks the thread for seconds (2 GiB zero-fills, the JS backend's copy)
      const tick = () => new Promise((r) => setTimeout(r, 0));
      // across: filler up to 256 KiB below 2 GiB, so the ~2 MiB workspace straddles 2^31
      const probe = be.alloc(64);
      const filler1 = be.alloc(GiB2 - MiB / 4 - probe - 64);
      await tick();
      const across = run();
      await tick();
      expect(across.regions.some((r) => lo(r) < GiB2 && hi(r) > GiB2), 'some region straddles 2^31').toBe(true);
      // above: everything past 2 GiB + 16 MiB
      const filler2 = be.alloc(17 * MiB);
      const above = run();
      await tick();
      expect(Math.min(...above.regions.map(lo)), 'every region above 2^31').toBeGreaterThan(GiB2);
      be.free(filler2);
      be.free(filler1);
      be.free(probe);
      const low = run();
      expect(Math.max(...low.regions.map(hi)), 'every region below 2^31').toBeLessThan(GiB2);

      for (const r of [across, above]) {
        expect(r.out).toEqual(low.out);
        expect(r.loss).toBe(low.loss);
        r.grads.forEach((g, i) => expect(g).toEqual(low.grads[i]));
        expect(r.loss2).toBe(low.loss2);
        r.after.forEach((w, i) => expect(w).toEqual(low.after[i]));
      }
      expect(low.grads.some((g) => g.some((v) => v !== 0))).toBe(true);
    }, 240_000);
  }
});

describe('defect 2: running out of memory while planning fails cleanly', () => {
  for (const name of ['wasm', 'js'] as const) {
    it(`${name}: the error names model, call, shape, bytes needed and available; nothing stays allocated; every model keeps working`, async () => {
      setBackend(name);
      const be = backend();
      const model = new Sequential([
        layers.embedding({ inputDim: 1000, outputDim: 64 }),
        layers.lstm({ units: 64 }),
        layers.dense({ units: 1 }),
      ], { name: 'oom_model', seed: 2 });
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const ids = (n: number, t: number) => tensor(Int32Array.from({ length: n * t }, (_, i) => (i * 7919) % 1000), [n, t], 'int32');
      const small = ids(4, 200), ySmall = tensor(new Float32Array(4).fill(0.5), [4, 1]);
      const before = model.trainOnBatch(small, ySmall);
      const used0 = be.heapUsedBytes();
      await new Promise((r) => setTimeout(r, 0));

      // [100000, 200] ids: the LSTM cache alone is 100000·200·6·64·4 bytes ≈ 30 GB > 4 GiB
      let err: Error | null = null;
      try {
        model.trainOnBatch(ids(100000, 200), tensor(new Float32Array(100000), [100000, 1]));
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(Error);
      const msg = err!.message;
      expect(msg).toContain('oom_model.trainOnBatch');
      expect(msg).toContain('[100000, 200]');
      expect(msg).toMatch(/needs \d+ bytes/);
      expect(msg).toMatch(/\d+ bytes .*available/);
      expect(msg).toContain('lstm'); // the largest regions are named after their layer
      // nothing stays allocated: the failed call freed the old workspace too, and placed nothing
      expect(be.heapUsedBytes()).toBeLessThanOrEqual(used0);
      // the model keeps working, with the same numbers as a new model given its weights
      const w = model.getWeights();
      const fresh = new Sequential([
        layers.embedding({ inputDim: 1000, outputDim: 64 }),
        layers.lstm({ units: 64 }),
        layers.dense({ units: 1 }),
      ], { seed: 77 });
      fresh.build([null, 200]);
      fresh.setWeights(w);
      expect((model.predict(small) as { data: Float32Array }).data).toEqual((fresh.predict(small) as { data: Float32Array }).data);
      const l1 = model.trainOnBatch(small, ySmall);
      expect(Number.isFinite(l1) && Number.isFinite(before)).toBe(true);
      expect(model.getWeights()[2].data).not.toEqual(w[2].data);
      fresh.dispose();
      model.dispose();
    });

    it(`${name}: weights that cannot fit in 4 GiB are refused before anything is allocated (or initialized)`, () => {
      setBackend(name);
      const be = backend();
      const used0 = be.heapUsedBytes();
      const m = new Sequential([layers.embedding({ inputDim: 2 ** 26, outputDim: 8, inputLength: 2 })], { name: 'huge_table' });
      expect(() => m.predict(tensor(new Int32Array(2), [1, 2], 'int32'))).toThrow(/huge_table\.predict: out of memory planning 'weights'.*needs 4294967\d+ bytes/);
      expect(be.heapUsedBytes()).toBe(used0);
      // another model in the process is unaffected
      const ok = new Sequential([layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })]);
      expect(Array.from((ok.predict(tensor([[1, 2, 3]])) as { data: Float32Array }).data)).toEqual([6, 6]);
      ok.dispose();
    });
  }
});

describe('defect 2: a call that would fit in 4 GiB but not in what is left', () => {
  it('wasm: refused with the bytes available; freeing memory makes the same call work', async () => {
    setBackend('wasm');
    const be = backend();
    const m = new Sequential([layers.dense({ units: 1, inputShape: [1024], kernelInitializer: 'ones', name: 'wide' })], { name: 'squeezed' });
    m.predict(tensor(new Float32Array(1024), [1, 1024]));
    const filler = be.alloc(3.5 * 2 ** 30);
    const used0 = be.heapUsedBytes();
    // [140000, 1024] floats: a 547 MiB input region, more than the < 500 MiB left
    const N = 140000;
    const x = tensor(new Float32Array(N * 1024).fill(1 / 1024), [N, 1024]);
    await new Promise((r) => setTimeout(r, 0));
    expect(() => m.predict(x, { batchSize: N })).toThrow(
      /squeezed\.predict: out of memory planning 'workspace' for input \[140000, 1024\]: needs \d+ bytes .*has \d+ bytes \(\d+\.\d+ MiB\) available in one block \(the memory cannot exceed 4294967296 bytes\)/);
    expect(be.heapUsedBytes()).toBeLessThanOrEqual(used0);
    be.free(filler);
    await new Promise((r) => setTimeout(r, 0));
    const out = (m.predict(x, { batchSize: N }) as { data: Float32Array }).data;
    expect(out.length).toBe(N);
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[N - 1]).toBeCloseTo(1, 5);
    m.dispose();
  });
});

describe('defect 4: the workspace is sized to the call, not to history', () => {
  for (const name of ['wasm', 'js'] as const) {
    it(`${name}: predict([64, 10, 1]) then predict([1, 70000, 1]) plans for [1, 70000, 1] and matches a float64 LSTM`, () => {
      setBackend(name);
      const be = backend();
      const H = 8;
      const m = new Sequential([layers.lstm({ units: H, inputShape: [null, 1] })], { seed: 4 });
      const rng = new Rng(8);
      m.predict(randomTensor(rng, [64, 10, 1]));
      const used0 = be.heapUsedBytes();
      const T = 70000;
      const xs = Float32Array.from({ length: T }, (_, t) => Math.sin(t / 50));
      const out = (m.predict(tensor(xs, [1, T, 1])) as { data: Float32Array }).data;
      // [1, 70000]: cache 70000·6·8·4 B ≈ 13 MiB; 64 × 70000 would be ≈ 860 MiB
      expect(be.heapUsedBytes() - used0).toBeLessThan(32 * MiB);
      expect(m.memoryInfo().lastWorkspace!.shape).toEqual([1, T, 1]);
      const [kernel, recurrent, bias] = m.getWeights().map((w) => w.data);
      const seq: Seq = [Array.from(xs, (v) => [v])];
      const ref = refRnn({ kind: 'lstm', units: H, act: 'tanh', rec: 'sigmoid', resetAfter: false, kernel, recurrent, bias }, seq, null, false, false) as number[][];
      for (let j = 0; j < H; j++) expect(Math.abs(out[j] - ref[0][j])).toBeLessThan(1e-4);
      m.dispose();
    });

    it(`${name}: a large one-off call gives its workspace back when it ends; a repeated shape keeps it`, () => {
      setBackend(name);
      const be = backend();
      const K = 4096;
      const m = new Sequential([layers.dense({ units: 1, inputShape: [K] })], { seed: 4 });
      m.predict(tensor(new Float32Array(K), [1, K]));
      const used0 = be.heapUsedBytes();
      // [5000, 4096] in one batch: an 78 MiB input region, more than the 64 MiB kept after a one-off call
      const big = tensor(new Float32Array(5000 * K), [5000, K]);
      m.predict(big, { batchSize: 5000 });
      expect(m.memoryInfo().lastWorkspace!.bytes).toBeGreaterThan(78 * MiB);
      expect(be.heapUsedBytes()).toBeLessThanOrEqual(used0);
      expect(m.memoryInfo().text).toContain(`workspace released; last planned for [5000, ${K}]`);
      // the same large shape twice in a row: the second call keeps it (a training loop's steady state)
      m.predict(big, { batchSize: 5000 });
      expect(be.heapUsedBytes() - used0).toBeGreaterThan(78 * MiB);
      m.dispose();
      expect(be.heapUsedBytes()).toBeLessThan(used0);
    });
  }
});

describe('memoryInfo() prints the plan', () => {
  it('lists weights, optimizer slots, workspace and state regions with offsets that tile their blocks; summary() ends with the planned bytes', () => {
    setBackend('wasm');
    const m = new Sequential([
      layers.lstm({ name: 'lstm', units: 5, stateful: true, batchInputShape: [2, 3, 4] }),
      layers.dense({ name: 'dense', units: 2 }),
    ], { name: 'mapped', seed: 1 });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    m.trainOnBatch(tensor(new Float32Array(24), [2, 3, 4]), tensor(new Float32Array(4), [2, 2]));
    const info = m.memoryInfo();
    const names = info.regions.map((r) => `${r.block}:${r.name}`);
    for (const n of ['weights:params', 'weights:grads', 'optimizer:Adam/m', 'optimizer:Adam/v', 'workspace:input',
      'workspace:lstm/cache', 'workspace:lstm/work', 'workspace:dense/Y', 'workspace:targets', 'workspace:dLoss', 'state:lstm:lstm/h', 'state:lstm:lstm/c']) {
      expect(names).toContain(n);
    }
    // params [n] and grads [n]: n = 4·20 + 5·20 + 20 + 5·2 + 2 = 212 floats, 16-byte aligned per weight
    const params = info.regions.find((r) => r.name === 'params')!;
    expect(params.bytes).toBeGreaterThanOrEqual(212 * 4);
    // regions never overlap and add up to the planned bytes
    const sorted = info.regions.slice().sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].offset).toBeGreaterThanOrEqual(sorted[i - 1].offset + sorted[i - 1].bytes);
    expect(sorted.every((r) => r.offset % 64 === 0)).toBe(true);
    expect(info.regions.reduce((a, r) => a + r.bytes, 0)).toBe(info.plannedBytes);
    expect(String(info)).toMatch(/mapped memory plan: .* on the wasm backend/);
    expect(String(info)).toMatch(/lstm\/cache\s+\d+ B {2}@ \d+/);
    const ws = info.lastWorkspace!;
    expect(ws.shape).toEqual([2, 3, 4]);
    const last = m.summary().trim().split('\n').at(-1)!;
    expect(last).toMatch(/^Planned memory: .*workspace .* for input \[2, 3, 4\] \(training\)\)$/);
    m.dispose();
    expect(m.memoryInfo().plannedBytes).toBe(0);
  });
});
