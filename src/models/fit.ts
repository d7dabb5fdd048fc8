/**
 * The training loop behind model.fit(): a plain loop a reader can follow —
 * for each epoch: shuffle → for each batch: forward → loss → backward →
 * clip → step → callbacks → yield to the event loop; then validation,
 * history and epoch callbacks.
 *
 * Truncated BPTT (`tbptt: { k1, k2 }`, the PyTorch recipe): each batch starts
 * from a zero state and is walked in chunks of k1 time steps. The recurrent
 * state is carried from chunk to chunk but detached (no gradient flows into
 * the previous chunk). In each chunk the first k1 − k2 steps only advance the
 * state; the last k2 steps are run with gradients, the loss is taken on that
 * chunk's output (per-sequence targets: the sequence's label, as in the
 * recipe; per-step targets: the chunk's steps) and the optimizer steps once.
 * So weights update every k1 steps with gradients through the last k2 ≤ k1.
 * The batch loss reported is the last chunk's (it has seen the whole sequence).
 */
import { checkOptions } from '../util/options.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { Callback, Logs } from '../callbacks.js';
import { Rng } from '../util/random.js';
import { ProgressBar } from '../util/progress.js';
import { Recurrent } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { describe } from '../names.js';
import { sliceRows, sliceTime, takeRows, rowIndices } from './data.js';
import type { Sequential } from './sequential.js';
import { DataParallel } from '../parallel/data-parallel.js';

/** Options of `model.fit` (Keras names in camelCase). */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the data (the LAST samples, before shuffling, as in Keras) held out for validation. */
  validationSplit?: number;
  validationData?: [TensorLike, TensorLike];
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** 0 silent, 1 progress bar (live on a terminal, one line per epoch otherwise), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  /** Truncated backpropagation through time; see the file comment. k2 defaults to k1. */
  tbptt?: { k1: number; k2?: number };
  /** Seed for this fit's shuffling (default: the model's stream). */
  seed?: number;
  initialEpoch?: number;
  /**
   * Data-parallel training on this many threads (default 1): each batch is split
   * across this thread and threads − 1 workers, gradients summed, one optimizer
   * step here (see src/parallel/data-parallel.ts). The same gradients as one
   * thread up to float rounding; dropout draws differ. Not with stateful layers or tbptt.
   */
  threads?: number;
}
export const FIT_OPTIONS = ['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'verbose', 'callbacks',
  'tbptt', 'seed', 'initialEpoch', 'threads'] as const;

/** What `fit` returns: per-epoch values in `history` (`loss`, `accuracy`, `val_loss`, `val_accuracy`). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  params: { epochs: number; batchSize: number; samples: number; steps: number };
}

const yieldToEventLoop: () => Promise<void> = (() => {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return () => new Promise<void>((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === 'function') {
    return () => new Promise<void>((r) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => { ch.port1.close(); r(); };
      ch.port2.postMessage(0);
    });
  }
  return () => new Promise<void>((r) => setTimeout(r, 0));
})();

function intArg(v: unknown, def: number, what: string, min = 1): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${describe(v)}`);
  return v as number;
}

export async function fitLoop(model: Sequential, xIn: TensorLike, yIn: TensorLike, args: FitArgs): Promise<History> {
  const who = `${model.name}.fit`;
  args = checkOptions(args, FIT_OPTIONS, who);
  const epochs = intArg(args.epochs, 1, `${who}: epochs`);
  const initialEpoch = intArg(args.initialEpoch, 0, `${who}: initialEpoch`, 0);
  const fixed = model.fixedBatch();
  let batchSize = intArg(args.batchSize, fixed ?? 32, `${who}: batchSize`);
  if (fixed !== null && batchSize !== fixed) {
    throw new Error(`${who}: this stateful model has a fixed batch size ${fixed}; batchSize must be ${fixed}, got ${batchSize}`);
  }
  const verbose = args.verbose ?? 1;
  if (![0, 1, 2].includes(verbose)) throw new Error(`${who}: verbose must be 0, 1 or 2, got ${describe(args.verbose)}`);
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new Error(`${who}: validationSplit must be a number in [0, 1), got ${describe(args.validationSplit)}`);
  }
  const cbs: Callback[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  cbs.forEach((c, i) => {
    if (!c || typeof c !== 'object') throw new Error(`${who}: callbacks[${i}] must be an object with onEpochEnd/onBatchEnd/… hooks, got ${describe(c)}`);
  });

  // all data checks happen before any state changes
  const all = model.checkData(xIn, yIn, 'fit');
  let x = all.x, y = all.y;
  let val: { x: Tensor; y: Tensor } | null = null;
  if (args.validationData !== undefined) {
    if (!Array.isArray(args.validationData) || args.validationData.length !== 2) {
      throw new Error(`${who}: validationData must be [x, y], got ${describe(args.validationData)}`);
    }
    val = model.checkData(args.validationData[0], args.validationData[1], 'fit: validationData');
  } else if (split > 0) {
    const N = x.shape[0];
    const at = Math.floor(N * (1 - split));
    if (at <= 0 || at >= N) throw new Error(`${who}: validationSplit ${split} of ${N} samples leaves an empty training or validation set`);
    val = { x: sliceRows(x, at, N), y: sliceRows(y, at, N) };
    x = sliceRows(x, 0, at);
    y = sliceRows(y, 0, at);
  }
  if (fixed !== null && (x.shape[0] % fixed !== 0 || (val && val.x.shape[0] % fixed !== 0))) {
    throw new Error(`${who}: this stateful model has a fixed batch size ${fixed}; the number of training (${x.shape[0]}) and validation samples must be multiples of it`);
  }
  let tb: { k1: number; k2: number } | null = null;
  if (args.tbptt !== undefined) {
    const t = args.tbptt;
    if (!t || typeof t !== 'object') throw new Error(`${who}: tbptt must be { k1, k2? }, got ${describe(t)}`);
    const k1 = intArg(t.k1, NaN, `${who}: tbptt.k1`);
    const k2 = intArg(t.k2, k1, `${who}: tbptt.k2`);
    if (k2 > k1) throw new Error(`${who}: tbptt.k2 must be ≤ k1 (gradients through at most the chunk), got k1 = ${k1}, k2 = ${k2}`);
    if (x.rank < 2) throw new Error(`${who}: tbptt needs inputs with a time axis, got shape [${x.shape}]`);
    if (!model.layers.some((l) => l instanceof Recurrent || l instanceof Bidirectional)) throw new Error(`${who}: tbptt needs a recurrent layer`);
    if (model.layers.some((l) => l instanceof Bidirectional || (l instanceof Recurrent && l.goBackwards))) {
      throw new Error(`${who}: tbptt cannot carry state for Bidirectional / goBackwards layers (they read the sequence from its end)`);
    }
    tb = { k1, k2 };
  }
  const threads = intArg(args.threads, 1, `${who}: threads`);
  if (threads > 1 && tb) throw new Error(`${who}: threads: ${threads} cannot be combined with tbptt (the carried state would be split across workers); use threads: 1`);
  if (threads > 1 && fixed !== null) throw new Error(`${who}: threads: ${threads} cannot train a stateful model (its state belongs to fixed batch rows); use threads: 1`);
  const shuffle = args.shuffle ?? true;
  const rng = args.seed !== undefined ? new Rng(intArg(args.seed, 0, `${who}: seed`, 0)) : model.rng;

  const N = x.shape[0];
  batchSize = Math.min(batchSize, N);
  const steps = Math.ceil(N / batchSize);
  const history: History = { epoch: [], history: {}, params: { epochs, batchSize, samples: N, steps } };
  const push = (k: string, v: number) => (history.history[k] ??= []).push(v);
  const dp = threads > 1 ? await DataParallel.forModel(model, threads) : null;
  model.stopTraining = false;
  for (const c of cbs) c.setModel?.(model);
  for (const c of cbs) await c.onTrainBegin?.();

  const order = new Int32Array(N);
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    for (const c of cbs) await c.onEpochBegin?.(epoch);
    for (let i = 0; i < N; i++) order[i] = i;
    if (shuffle) rng.shuffle(order);
    if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
    const bar = verbose === 1 ? new ProgressBar({ total: steps }) : null;
    const t0 = now();
    let lossSum = 0, rowsSum = 0, samples = 0;
    const acc = model.metrics.map(() => 0);
    for (let b = 0; b < steps; b++) {
      const from = b * batchSize, to = Math.min(N, from + batchSize);
      for (const c of cbs) await c.onBatchBegin?.(b, { batch: b, size: to - from });
      const r = tb
        ? tbpttBatch(model, x, y, order, from, to, tb.k1, tb.k2, acc)
        : dp ? await dp.step(x, y, order, from, to, acc)
          : model.stepChecked(x, y, order, from, to, true, { metricAcc: acc });
      lossSum += r.loss * (to - from);
      samples += to - from;
      rowsSum += r.rows;
      const logs: Logs = { loss: lossSum / samples };
      model.metrics.forEach((m, i) => { logs[m.name] = acc[i] / rowsSum; });
      if (!Number.isFinite(r.loss)) {
        throw new Error(`${who}: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or set clipNorm`);
      }
      bar?.update(b + 1, logs);
      for (const c of cbs) await c.onBatchEnd?.(b, { ...logs, batch: b, size: to - from });
      await yieldToEventLoop();
      if (model.stopTraining) break; // as Keras: a callback may stop mid-epoch; the epoch's logs cover the batches run
    }
    const logs: Logs = { loss: lossSum / samples };
    model.metrics.forEach((m, i) => { logs[m.name] = acc[i] / rowsSum; });
    if (val) {
      if (tb) model.resetStates();
      const v = model.evaluateChecked(val.x, val.y, batchSize);
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    const seconds = (now() - t0) / 1000;
    if (bar) bar.done(logs);
    else if (verbose === 2) console.log(`${steps}/${steps} - ${seconds.toFixed(1)}s - ${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}`);
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) push(k, v);
    for (const c of cbs) await c.onEpochEnd?.(epoch, { ...logs });
    if (model.stopTraining) break;
  }
  for (const c of cbs) await c.onTrainEnd?.();
  return history;
}

const now = () => (globalThis.performance ? performance.now() : Date.now());

/** One batch of truncated BPTT; see the file comment. */
function tbpttBatch(model: Sequential, x: Tensor, y: Tensor, order: Int32Array, from: number, to: number,
                    k1: number, k2: number, acc: number[]): { loss: number; rows: number } {
  const B = to - from;
  const xb = takeRows(x, order, from, to);
  const yb = takeRows(y, order, from, to);
  const T = x.shape[1];
  const perStep = model.layers[model.layers.length - 1].outputShape!.length >= 3;
  const ids = rowIndices(B);
  model.resetStates();
  let last = { loss: NaN, rows: 0 };
  for (let c0 = 0; c0 < T; c0 += k1) {
    const c1 = Math.min(T, c0 + k1);
    const g0 = Math.max(c0, c1 - k2);
    if (g0 > c0) model.advanceState(sliceTime(xb, c0, g0));
    const xc = sliceTime(xb, g0, c1);
    const yc = perStep ? sliceTime(yb, g0, c1) : yb;
    const isLast = c1 === T;
    last = model.stepChecked(xc, yc, ids, 0, B, true, { carryState: true, metricAcc: isLast ? acc : undefined });
  }
  return last;
}
