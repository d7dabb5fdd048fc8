/**
 * Issue 13 item 4: learning-rate schedules (Keras 3 formulas) and any (step) => lr
 * function driving the optimizer step by step; the callbacks reduceLROnPlateau,
 * modelCheckpoint, csvLogger, learningRateScheduler, terminateOnNaN; and
 * resume-from-checkpoint (save with includeOptimizer → io.loadModel → fit)
 * bit-identical to an uninterrupted run on both backends.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, Sequential, layers, optimizers, callbacks, io, setBackend } from '../src/index.js';
import { BACKENDS, seeded, t, identityModel } from './helpers/train.js';

beforeAll(async () => { await init(); });

const { schedules } = optimizers;

describe('schedules', () => {
  it('exponential / inverse-time / piecewise / cosine (with warmup) follow the Keras 3 formulas', () => {
    const e = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    const es = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    const it_ = schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 4, decayRate: 2 });
    const pw = schedules.piecewiseConstantDecay({ boundaries: [3, 7], values: [1, 0.5, 0.1] });
    const cos = schedules.cosineDecay({ initialLearningRate: 0.2, decaySteps: 8, alpha: 0.1 });
    const warm = schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 5 });
    for (const s of [0, 1, 5, 10, 15, 23]) {
      expect(e.at(s)).toBeCloseTo(0.1 * 0.5 ** (s / 10), 14);
      expect(es.at(s)).toBeCloseTo(0.1 * 0.5 ** Math.floor(s / 10), 14);
      expect(it_.at(s)).toBeCloseTo(0.1 / (1 + 2 * s / 4), 14);
      expect(pw.at(s)).toBe(s <= 3 ? 1 : s <= 7 ? 0.5 : 0.1);
      expect(cos.at(s)).toBeCloseTo(0.2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, 8) / 8)) + 0.1), 14);
      const g = Math.min(s, 15);
      expect(warm.at(s)).toBeCloseTo(g < 5 ? g / 5 : 0.5 * (1 + Math.cos(Math.PI * Math.min(g - 5, 10) / 10)), 14);
    }
  });

  it('the optimizer uses schedule(step) at each step: SGD with a function rate = hand-computed steps', () => {
    const lrs: number[] = [];
    const f = (s: number) => { lrs.push(s); return 0.5 / (1 + s); };
    const m = identityModel(2, { loss: 'mse' });
    m.compile({ optimizer: optimizers.sgd({ learningRate: f }), loss: 'mse' });
    const x = t([1, 2, 3, 4], [2, 2]), y = t([0, 0, 0, 0], [2, 2]);
    let b = [0, 0];
    const W = [[1, 0], [0, 1]];
    const X = [[1, 2], [3, 4]];
    for (let s = 0; s < 3; s++) {
      // mse gradient w.r.t. bias: Σ_rows 2(p − y)/(C·N), p = x·W + b (W changes too: track it)
      const P = X.map((r) => [0, 1].map((j) => r[0] * W[0][j] + r[1] * W[1][j] + b[j]));
      const gb = [0, 1].map((j) => P.reduce((a, r) => a + (2 * r[j]) / 4, 0));
      const gW = [0, 1].map((i) => [0, 1].map((j) => P.reduce((a, r, n) => a + (2 * r[j] * X[n][i]) / 4, 0)));
      const lr = 0.5 / (1 + s);
      b = b.map((v, j) => v - lr * gb[j]);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) W[i][j] -= lr * gW[i][j];
      m.trainOnBatch(x, y);
    }
    Array.from(m.getWeights()[1].data).forEach((v, j) => expect(Math.abs(v - b[j])).toBeLessThan(1e-5));
    expect(lrs.slice(-3)).toEqual([0, 1, 2]);
  });

  it('bad schedule options throw with names', () => {
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(/exponentialDecay: decaySteps/);
    expect(() => schedules.piecewiseConstantDecay({ boundaries: [1], values: [1] })).toThrow(/one more entry/);
    expect(() => optimizers.adam({ learningRate: () => -1 })).toThrow(/learningRate function returned -1 at step 0/);
    expect(() => optimizers.adam({ lr: 0.1 } as never)).toThrow(/learningRate/);
  });
});

function regressor(seed = 5) {
  const m = new Sequential([layers.lstm({ units: 4, inputShape: [6, 2] }), layers.dense({ units: 1 })], { seed });
  return m;
}
const X = t(seeded(24 * 6 * 2, 51, -1, 1), [24, 6, 2]);
const Y = t(seeded(24, 52, -1, 1), [24, 1]);

describe('callbacks', () => {
  it('reduceLROnPlateau: factor after `patience` epochs without improvement, cooldown, minLr (Keras rule)', () => {
    const opt = { learningRate: 1, schedule: null };
    const cb = callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.2, minDelta: 0 });
    cb.setModel!({ stopTraining: false, getWeights: () => [], setWeights: () => {}, optimizer: opt });
    cb.onTrainBegin!();
    const seq = [5, 4, 4, 4, 4, 4, 4, 4, 4, 3];
    const lrs: number[] = [];
    seq.forEach((v, e) => { cb.onEpochEnd!(e, { val_loss: v }); lrs.push(opt.learningRate); });
    // Keras' on_epoch_end: e0 best 5, e1 best 4, e2 wait 1, e3 wait 2 → 0.5 (cooldown 1); e4 leaves the cooldown
    // in the same call (counter 1 → 0, wait 0) and counts wait 1; e5 wait 2 → 0.25; e6 wait 1; e7 → max(0.125, minLr 0.2);
    // e8 wait 1; e9 improves
    expect(lrs).toEqual([1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]);
    const cb2 = callbacks.reduceLROnPlateau({ factor: 0.1, patience: 0, minLr: 0.3 });
    const o2 = { learningRate: 1, schedule: null };
    cb2.setModel!({ stopTraining: false, getWeights: () => [], setWeights: () => {}, optimizer: o2 });
    cb2.onTrainBegin!();
    cb2.onEpochEnd!(0, { val_loss: 1 }); cb2.onEpochEnd!(1, { val_loss: 1 });
    expect(o2.learningRate).toBe(0.3);
  });

  it('reduceLROnPlateau changes the rate the optimizer uses in fit', async () => {
    const m = regressor();
    const opt = optimizers.sgd({ learningRate: 0.1 });
    m.compile({ optimizer: opt, loss: 'mse' });
    await m.fit(X, Y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5, minDelta: 10 })] });
    // patience 0: epoch 0 sets the best, epochs 1 and 2 do not improve by minDelta → two reductions
    expect(opt.learningRate).toBeCloseTo(0.1 * 0.5 ** 2, 12);
  });

  it('learningRateScheduler sets lr = f(epoch, lr) at each epoch start', async () => {
    const m = regressor();
    const opt = optimizers.sgd({ learningRate: 0.1 });
    m.compile({ optimizer: opt, loss: 'mse' });
    const seen: number[] = [];
    await m.fit(X, Y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [callbacks.learningRateScheduler((e, lr) => (e === 0 ? lr : lr * 0.1)), { onEpochEnd: () => { seen.push(opt.learningRate); } }] });
    expect(seen.map((v) => +v.toPrecision(12))).toEqual([0.1, 0.01, 0.001]);
  });

  it('modelCheckpoint writes per-epoch paths from the pattern, and with saveBestOnly only on improvement; csvLogger writes Keras rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    try {
      const m = regressor();
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
      const all = callbacks.modelCheckpoint({ filepath: `file://${dir}/e{epoch:02d}-{val_loss:.3f}` });
      const vals: number[] = [];
      const best = callbacks.modelCheckpoint({ filepath: `file://${dir}/best`, monitor: 'val_mae', saveBestOnly: true });
      const csv = callbacks.csvLogger({ filename: join(dir, 'log.csv') });
      const h = await m.fit(X, Y, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0, callbacks: [all, best, csv, { onEpochEnd: (_e, l) => { vals.push(l!.val_mae); } }] });
      expect(all.saved).toEqual([1, 2, 3].map((e, i) => `file://${dir}/e${String(e).padStart(2, '0')}-${h.history.val_loss[i].toFixed(3)}`));
      for (const p of all.saved) expect(existsSync(join(p.slice(7), 'model.json'))).toBe(true);
      let bestSoFar = Infinity;
      const improved = vals.filter((v) => (v < bestSoFar ? ((bestSoFar = v), true) : false)).length;
      expect(best.saved).toHaveLength(improved);
      const lines = readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae');
      expect(lines[2].split(',').map(Number)).toEqual([1, h.history.loss[1], h.history.mae[1], h.history.val_loss[1], h.history.val_mae[1]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('terminateOnNaN stops fit at the first non-finite loss instead of throwing (without it, fit throws)', async () => {
    let calls = 0;
    const nanAt3 = { name: 'nan_at_3', value: () => (++calls >= 3 ? NaN : 1), gradient: (_y: Float64Array, _p: Float64Array, out: Float64Array) => { out.fill(0); } };
    const mk = () => { const m = identityModel(2, { loss: nanAt3 }); return m; };
    const x = t(seeded(16, 1), [8, 2]), y = t(seeded(16, 2), [8, 2]);
    calls = 0;
    await expect(mk().fit(x, y, { epochs: 2, batchSize: 1, verbose: 0, shuffle: false })).rejects.toThrow(/the loss is NaN/);
    calls = 0;
    const term = callbacks.terminateOnNaN();
    const h = await mk().fit(x, y, { epochs: 2, batchSize: 1, verbose: 0, shuffle: false, callbacks: [term] });
    expect(h.epoch).toEqual([0]);
    expect(term.terminatedAt).toEqual({ batch: 2 }); // batchSize 1: the third row's loss is the third batch's
  });
});

describe('resume from a checkpoint with optimizer state: bit-identical to an uninterrupted run', () => {
  for (const b of BACKENDS) {
    for (const [label, mkOpt] of [
      ['adam + exponentialDecay', () => optimizers.adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.7 }) })],
      ['sgd momentum nesterov + weightDecay', () => optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
      ['rmsprop centered', () => optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 })],
    ] as const) {
      it(`${label} (${b})`, async () => {
        setBackend(b);
        const dir = mkdtempSync(join(tmpdir(), 'resume-'));
        try {
          const go = () => { const m = regressor(9); m.compile({ optimizer: mkOpt(), loss: 'mse', metrics: ['mae'] }); return m; };
          const a = go();
          await a.fit(X, Y, { epochs: 2, batchSize: 5, verbose: 0, seed: 1 });
          await a.save(`file://${dir}`, { includeOptimizer: true });
          await a.fit(X, Y, { epochs: 2, batchSize: 5, verbose: 0, seed: 2 });
          const r = await io.loadModel(`file://${dir}/model.json`);
          const h = await r.fit(X, Y, { epochs: 2, batchSize: 5, verbose: 0, seed: 2 });
          const wa = a.getWeights(), wr = r.getWeights();
          wa.forEach((w, i) => expect(Buffer.from(wr[i].data.buffer).equals(Buffer.from(w.data.buffer))).toBe(true));
          expect(h.history.mae).toHaveLength(2);
          // without the optimizer state the continuation differs (the state matters)
          await a.save(`file://${dir}/plain`);
          const p = await io.loadModel(`file://${dir}/plain/model.json`);
          p.compile({ optimizer: mkOpt(), loss: 'mse' });
          await p.fit(X, Y, { epochs: 1, batchSize: 5, verbose: 0, seed: 2 });
          expect(Buffer.from(p.getWeights()[0].data.buffer).equals(Buffer.from(a.getWeights()[0].data.buffer))).toBe(false);
        } finally {
          setBackend('wasm');
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  it('a function learning rate cannot be saved with includeOptimizer (named error); a corrupt optimizer group is refused', async () => {
    const m = regressor();
    m.compile({ optimizer: optimizers.sgd({ learningRate: () => 0.1 }), loss: 'mse' });
    await expect(m.save(io.withSaveHandler(async () => ({}) as never), { includeOptimizer: true })).rejects.toThrow(/learning rate is a plain function/);
    await expect(m.save(io.withSaveHandler(async () => ({}) as never), { includeOptimiser: true } as never)).rejects.toThrow(/includeOptimiser/);
  });
});
