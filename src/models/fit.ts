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
import type { ModelBase, ModelInput, ModelTarget } from './graph/engine.js';
// DataParallel is typed on Sequential; it uses only the engine's internals, and fit gives it single-input models (singleIO)
import type { Sequential } from './sequential.js';
import { DataParallel } from '../parallel/data-parallel.js';
import { NonFiniteStepError } from './finite-step.js';
import { clampThreads } from '../parallel/cores.js';

/** Options of `model.fit` (Keras names in camelCase). */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the data (the LAST samples, before shuffling, as in Keras) held out for validation. */
  validationSplit?: number;
  /** [x, y], or [x, y, sampleWeight] as in Keras (weights like fit's sampleWeight). */
  validationData?: [ModelInput, ModelTarget] | [ModelInput, ModelTarget, TensorLike];
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
  /** Per-sample weights [N] or per-time-step weights [N, T] (sequence outputs); src/train/sample-weights.ts. */
  sampleWeight?: TensorLike;
  /** { [class]: weight }: each sample's loss weighted by its class (Keras class_weight). */
  classWeight?: Record<number, number>;
  /**
   * Data-parallel training on this many threads (default 1): each batch is split
   * across this thread and threads − 1 workers, gradients summed, one optimizer
   * step here (see src/parallel/data-parallel.ts). The same gradients as one
   * thread up to float rounding; dropout draws differ. Not with stateful layers or tbptt.
   */
  threads?: number;
}
export const FIT_OPTIONS = ['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'verbose', 'callbacks',
  'tbptt', 'seed', 'initialEpoch', 'threads', 'sampleWeight', 'classWeight'] as const;

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

/** Rows [from, to) of every tensor of a list (null stays null). */
const rowsOfList = <T extends Tensor | null>(l: T[], from: number, to: number): T[] => l.map((t) => (t ? sliceRows(t, from, to) : t) as T);

export async function fitLoop(model: ModelBase, xIn: unknown, yIn: unknown, args: FitArgs): Promise<History> {
  const who = `${model.name}.fit`;
  args = checkOptions(args, FIT_OPTIONS, who);
  const common = trainingOptions(model, args, who);
  const fixed = model.fixedBatch();
  let batchSize = intArg(args.batchSize, fixed ?? 32, `${who}: batchSize`);
  if (fixed !== null && batchSize !== fixed) {
    throw new Error(`${who}: this stateful model has a fixed batch size ${fixed}; batchSize must be ${fixed}, got ${batchSize}`);
  }
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new Error(`${who}: validationSplit must be a number in [0, 1), got ${describe(args.validationSplit)}`);
  }

  // all data checks happen before any state changes
  const all = model.checkData(xIn, yIn, 'fit');
  let x = all.x, y = all.y;
  let w = model.rowWeights(args.sampleWeight, args.classWeight, y, who);
  let val: { x: Tensor[]; y: (Tensor | null)[] } | null = null;
  if (args.validationData !== undefined) {
    if (!Array.isArray(args.validationData) || (args.validationData.length !== 2 && args.validationData.length !== 3)) {
      throw new Error(`${who}: validationData must be [x, y] or [x, y, sampleWeight], got ${describe(args.validationData)}`);
    }
    val = model.checkData(args.validationData[0], args.validationData[1], 'fit: validationData');
    if (args.validationData.length === 3) {
      (val as { w?: Tensor | null }).w = model.rowWeights(args.validationData[2], undefined, val.y, `${who}: validationData[2]`);
    }
  } else if (split > 0) {
    const N = x[0].shape[0];
    const at = Math.floor(N * (1 - split));
    if (at <= 0 || at >= N) throw new Error(`${who}: validationSplit ${split} of ${N} samples leaves an empty training or validation set`);
    val = { x: rowsOfList(x, at, N), y: rowsOfList(y, at, N) };
    const wVal = w ? sliceRows(w, at, N) : null;
    x = rowsOfList(x, 0, at);
    y = rowsOfList(y, 0, at);
    if (w) {
      w = sliceRows(w, 0, at);
      (val as { w?: Tensor | null }).w = wVal;
    }
  }
  if (fixed !== null && (x[0].shape[0] % fixed !== 0 || (val && val.x[0].shape[0] % fixed !== 0))) {
    throw new Error(`${who}: this stateful model has a fixed batch size ${fixed}; the number of training (${x[0].shape[0]}) and validation samples must be multiples of it`);
  }
  if (common.tb && x.some((t) => t.rank < 2)) throw new Error(`${who}: tbptt needs inputs with a time axis, got shape [${x.find((t) => t.rank < 2)!.shape}]`);
  if (common.tb && w) throw new Error(`${who}: sampleWeight/classWeight cannot be combined with tbptt yet (per-step weights would need the chunks' slices)`);
  if (common.threads > 1 && w) {
    throw new Error(`${who}: threads: ${common.threads} supports only losses and metrics given by name, with the default maskLoss and no sampleWeight/classWeight (workers rebuild them from names); use threads: 1`);
  }
  const shuffle = args.shuffle ?? true;
  const rng = args.seed !== undefined ? new Rng(intArg(args.seed, 0, `${who}: seed`, 0)) : model.rng;

  const N = x[0].shape[0];
  batchSize = Math.min(batchSize, N);
  const steps = Math.ceil(N / batchSize);
  const order = new Int32Array(N);
  const source: BatchSource = {
    steps,
    *epoch() {
      for (let i = 0; i < N; i++) order[i] = i;
      if (shuffle) rng.shuffle(order);
      for (let b = 0; b < steps; b++) yield { x, y, w, idx: order, from: b * batchSize, to: Math.min(N, (b + 1) * batchSize) };
    },
  };
  const validate = val ? () => {
    if (common.tb) model.resetStates();
    return model.evaluateChecked(val!.x, val!.y, batchSize, (val as { w?: Tensor | null }).w ?? null);
  } : null;
  return runEpochs(model, source, { ...common, who, validate, params: { epochs: common.epochs, batchSize, samples: N, steps } });
}

/** Options fit and fitDataset share, checked before anything runs. */
export interface TrainingOptions {
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  cbs: Callback[];
  tb: { k1: number; k2: number } | null;
  threads: number;
}

export function trainingOptions(model: ModelBase, args: Pick<FitArgs, 'epochs' | 'initialEpoch' | 'verbose' | 'callbacks' | 'tbptt' | 'threads'>, who: string): TrainingOptions {
  const epochs = intArg(args.epochs, 1, `${who}: epochs`);
  const initialEpoch = intArg(args.initialEpoch, 0, `${who}: initialEpoch`, 0);
  const verbose = args.verbose ?? 1;
  if (![0, 1, 2].includes(verbose)) throw new Error(`${who}: verbose must be 0, 1 or 2, got ${describe(args.verbose)}`);
  const cbs: Callback[] = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  cbs.forEach((c, i) => {
    if (!c || typeof c !== 'object') throw new Error(`${who}: callbacks[${i}] must be an object with onEpochEnd/onBatchEnd/… hooks, got ${describe(c)}`);
  });
  let tb: { k1: number; k2: number } | null = null;
  if (args.tbptt !== undefined) {
    const t = args.tbptt;
    if (!t || typeof t !== 'object') throw new Error(`${who}: tbptt must be { k1, k2? }, got ${describe(t)}`);
    const k1 = intArg(t.k1, NaN, `${who}: tbptt.k1`);
    const k2 = intArg(t.k2, k1, `${who}: tbptt.k2`);
    if (k2 > k1) throw new Error(`${who}: tbptt.k2 must be ≤ k1 (gradients through at most the chunk), got k1 = ${k1}, k2 = ${k2}`);
    if (!model.layers.some((l) => l instanceof Recurrent || l instanceof Bidirectional)) throw new Error(`${who}: tbptt needs a recurrent layer`);
    if (model.layers.some((l) => l instanceof Bidirectional || (l instanceof Recurrent && l.goBackwards))) {
      throw new Error(`${who}: tbptt cannot carry state for Bidirectional / goBackwards layers (they read the sequence from its end)`);
    }
    tb = { k1, k2 };
  }
  const threads = intArg(args.threads, 1, `${who}: threads`);
  if (threads > 1 && model.built && !model.singleIO()) {
    throw new Error(`${who}: threads: ${threads} supports models with one input and one output with a loss (workers split a single x and y); use threads: 1`);
  }
  if (threads > 1 && tb) throw new Error(`${who}: threads: ${threads} cannot be combined with tbptt (the carried state would be split across workers); use threads: 1`);
  if (threads > 1 && (!model.loss!.plain || model.metrics.some((m) => !m.plain) || !model.maskLoss)) {
    throw new Error(`${who}: threads: ${threads} supports only losses and metrics given by name, with the default maskLoss and no sampleWeight/classWeight (workers rebuild them from names); use threads: 1`);
  }
  // an activity penalty is a sum over the whole batch's outputs; chunks weighted by their rows would average it
  if (threads > 1 && model.layers.some((l) => l.penalties.activity)) {
    throw new Error(`${who}: threads: ${threads} cannot split a batch for a model with an activityRegularizer (its penalty sums over the whole batch); use threads: 1`);
  }
  if (threads > 1 && model.fixedBatch() !== null) throw new Error(`${who}: threads: ${threads} cannot train a stateful model (its state belongs to fixed batch rows); use threads: 1`);
  return { epochs, initialEpoch, verbose: verbose as 0 | 1 | 2, cbs, tb, threads };
}

/** One batch: rows idx[from..to) of validated x and y. */
export interface BatchRows {
  x: Tensor | Tensor[];
  y: Tensor | (Tensor | null)[];
  /** Per-row sample weights (fit's sampleWeight/classWeight), gathered with the same idx. */
  w?: Tensor | null;
  idx: ArrayLike<number>;
  from: number;
  to: number;
}

/** Where an epoch's batches come from: arrays (fit) or a dataset (fitDataset). */
export interface BatchSource {
  /** Batches per epoch when known (for the progress bar), else null. */
  steps: number | null;
  epoch(epoch: number): Iterable<BatchRows> | AsyncIterable<BatchRows>;
}

export interface EpochLoopOptions extends TrainingOptions {
  who: string;
  /** Validation logs at the end of each epoch (without the val_ prefix), or null. */
  validate: (() => Logs | Promise<Logs>) | null;
  params: History['params'];
}

/** The epoch loop fit and fitDataset share: steps, progress, callbacks, validation, history. */
export async function runEpochs(model: ModelBase, source: BatchSource, o: EpochLoopOptions): Promise<History> {
  const { who, epochs, verbose, cbs, tb } = o;
  const history: History = { epoch: [], history: {}, params: o.params };
  const push = (k: string, v: number) => (history.history[k] ??= []).push(v);
  const threads = await clampThreads(o.threads, who);
  let dp = threads > 1 && model.built ? await DataParallel.forModel(model as Sequential, threads) : null;
  model.stopTraining = false;
  for (const c of cbs) c.setModel?.(model);
  for (const c of cbs) await c.onTrainBegin?.();

  let lastFinite: [number, number] | null = null; // [epoch, batch] of the last applied step, 1-based
  for (let epoch = o.initialEpoch; epoch < epochs; epoch++) {
    for (const c of cbs) await c.onEpochBegin?.(epoch);
    if (verbose > 0) console.log(`Epoch ${epoch + 1}/${epochs}`);
    const steps = source.steps;
    const bar = verbose === 1 && steps ? new ProgressBar({ total: steps }) : null;
    const t0 = now();
    let lossSum = 0, samples = 0, b = 0;
    let acc: Float64Array | null = null;
    let nonFinite = false;
    for await (const { x, y, w, idx, from, to } of source.epoch(epoch)) {
      // created at the first batch: a dataset builds the model from it
      acc ??= model.metricState();
      for (const c of cbs) await c.onBatchBegin?.(b, { batch: b, size: to - from });
      if (threads > 1 && !dp) dp = await DataParallel.forModel(model as Sequential, threads);
      let r: { loss: number; rows: number };
      try {
        r = tb
          ? tbpttBatch(model, x, y, idx, from, to, tb.k1, tb.k2, acc)
          : dp ? await dp.step(first(x), first(y)!, idx, from, to, acc)
            : model.stepChecked(x, y, idx, from, to, true, { metricAcc: acc, weights: w ?? null });
      } catch (e) {
        if (!(e instanceof NonFiniteStepError)) throw e;
        let kept = lastFinite ? `epoch ${lastFinite[0]}, batch ${lastFinite[1]}` : 'from before this fit: none of its steps was applied';
        if (tb) kept += '; truncated BPTT: plus the chunks of this batch before the failing one';
        // callbacks.terminateOnNaN stops training here instead of failing (Keras); the step was not applied either way
        if (cbs.some((c) => (c as { stopsOnNonFiniteLoss?: boolean }).stopsOnNonFiniteLoss)) {
          if (verbose > 0) console.log(`${who}: batch ${b + 1}: ${e.detail}; terminateOnNaN stops training, keeping the weights of the last finite step (${kept})`);
          nonFinite = true;
          model.stopTraining = true;
          const logs: Logs = { ...model.metricLogs(acc), loss: NaN };
          for (const c of cbs) await c.onBatchEnd?.(b, { ...logs, batch: b, size: to - from });
          break;
        }
        throw new Error(`${who}: stopped at epoch ${epoch + 1}, batch ${b + 1}: ${e.detail}. That step was not applied: the model keeps ` +
          `the weights (and optimizer state) of the last finite step (${kept}). Lower the learning rate, set clipNorm, or check the data`);
      }
      lastFinite = [epoch + 1, b + 1];
      lossSum += r.loss * (to - from);
      samples += to - from;
      const logs: Logs = { loss: lossSum / samples, ...model.metricLogs(acc) };
      bar?.update(Math.min(b + 1, steps!), logs);
      for (const c of cbs) await c.onBatchEnd?.(b, { ...logs, batch: b, size: to - from });
      b++;
      await yieldToEventLoop();
      if (model.stopTraining) break; // as Keras: a callback may stop mid-epoch; the epoch's logs cover the batches run
    }
    if (b === 0 && !nonFinite) throw new Error(`${who}: epoch ${epoch + 1} had no batches (a generator object can be iterated once: pass a function returning a new one, or set batchesPerEpoch)`);
    // a non-finite batch makes the epoch's running loss NaN, as Keras logs it
    const logs: Logs = samples && acc && !nonFinite ? { loss: lossSum / samples, ...model.metricLogs(acc) } : { loss: NaN };
    if (o.validate && !nonFinite) {
      const v = await o.validate();
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    const seconds = (now() - t0) / 1000;
    if (bar) bar.done(logs);
    else if (verbose > 0) console.log(`${b}/${steps ?? b} - ${seconds.toFixed(1)}s - ${Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ')}`);
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) push(k, v);
    for (const c of cbs) await c.onEpochEnd?.(epoch, { ...logs });
    if (model.stopTraining) break;
  }
  for (const c of cbs) await c.onTrainEnd?.();
  return history;
}

/** The tensor of a single-input (or single-target) list. */
const first = <T>(v: T | T[]): T => (Array.isArray(v) ? v[0] : v);

const now = () => (globalThis.performance ? performance.now() : Date.now());

/** One batch of truncated BPTT; see the file comment. */
function tbpttBatch(model: ModelBase, x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], order: ArrayLike<number>, from: number, to: number,
                    k1: number, k2: number, acc: Float64Array): { loss: number; rows: number } {
  const B = to - from;
  const xb = (Array.isArray(x) ? x : [x]).map((t) => takeRows(t, order, from, to));
  const yb = (Array.isArray(y) ? y : [y]).map((t) => (t ? takeRows(t, order, from, to) : null));
  const T = xb[0].shape[1];
  if (xb.some((t) => t.shape[1] !== T)) throw new Error(`${model.name}.fit: tbptt needs every input to have the same number of time steps`);
  const ids = rowIndices(B);
  model.resetStates();
  let last = { loss: NaN, rows: 0 };
  for (let c0 = 0; c0 < T; c0 += k1) {
    const c1 = Math.min(T, c0 + k1);
    const g0 = Math.max(c0, c1 - k2);
    if (g0 > c0) model.advanceState(xb.map((t) => sliceTime(t, c0, g0)));
    const xc = xb.map((t) => sliceTime(t, g0, c1));
    // per-step targets (sequence outputs) are cut like the inputs; per-sequence ones stay whole
    const yc = yb.map((t, j) => (t && model.outputShapeOf(j).length >= 3 ? sliceTime(t, g0, c1) : t));
    const isLast = c1 === T;
    last = model.stepChecked(xc, yc, ids, 0, B, true, { carryState: true, metricAcc: isLast ? acc : undefined });
  }
  return last;
}
