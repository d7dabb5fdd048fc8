/**
 * model.fitDataset / model.evaluateDataset: training and evaluation on data
 * that arrives batch by batch — any iterable or async iterable of `{ xs, ys }`
 * (or `[x, y]`) batches, e.g. a generator, `data.timeseriesDataset(…)`, or a
 * function returning a fresh one for each epoch. Only one batch is held at a
 * time, so memory stays bounded by the batch, not the dataset.
 *
 * Training runs through fit's epoch loop (runEpochs in fit.ts): the same steps,
 * progress bar, callbacks, history, validation and `threads`. Each batch is
 * validated like fit's data (shapes, dtypes, finite values, token ids) before
 * the step that uses it, so a bad batch stops training with an error naming it;
 * the steps already taken stay taken, as in Keras.
 *
 * Epochs: without `batchesPerEpoch` an epoch is one pass over the dataset, and
 * each epoch starts a new pass (the dataset must be re-iterable: an array, an
 * object with [Symbol.iterator] / [Symbol.asyncIterator], or a function; a
 * generator *object* runs once). With `batchesPerEpoch` (tfjs' name, Keras'
 * steps_per_epoch) an epoch is that many batches and one pass continues across
 * epochs, starting a new pass when it runs out — the form for endless generators.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import type { Callback, Logs } from '../callbacks.js';
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';
import { rowIndices } from './data.js';
import { runEpochs, trainingOptions, type BatchRows, type BatchSource, type History } from './fit.js';
import type { ModelBase, ModelInput, ModelTarget } from './graph/engine.js';

export type DatasetBatch = { xs: ModelInput; ys: ModelTarget } | readonly [ModelInput, ModelTarget];
export type DatasetIterable = Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>;
/** A dataset: an (async) iterable of batches, or a function returning one (called once per pass). */
export type Dataset = DatasetIterable | (() => DatasetIterable);

export interface FitDatasetArgs {
  epochs?: number;
  /** Batches per epoch (Keras steps_per_epoch); default: one full pass per epoch. */
  batchesPerEpoch?: number;
  /** [x, y] arrays, or a dataset (anything but an array) evaluated at the end of every epoch. */
  validationData?: [ModelInput, ModelTarget] | Dataset;
  /** With a validation dataset: batches to evaluate per epoch (default: one full pass). */
  validationBatches?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  initialEpoch?: number;
  threads?: number;
  tbptt?: { k1: number; k2?: number };
}

export interface EvaluateDatasetArgs {
  /** Evaluate at most this many batches (default: one full pass). */
  batches?: number;
}

const FIT_KEYS = ['epochs', 'batchesPerEpoch', 'validationData', 'validationBatches', 'verbose', 'callbacks', 'initialEpoch', 'threads', 'tbptt'] as const;

type Pull = () => Promise<IteratorResult<DatasetBatch>>;

/** A new pass over the dataset, as an async `next`. */
function openPass(ds: Dataset, who: string): Pull {
  const it = typeof ds === 'function' ? ds() : ds;
  const a = (it as AsyncIterable<DatasetBatch>)?.[Symbol.asyncIterator];
  if (typeof a === 'function') {
    const iter = a.call(it);
    return () => iter.next();
  }
  const s = (it as Iterable<DatasetBatch>)?.[Symbol.iterator];
  if (typeof s === 'function') {
    const iter = s.call(it);
    return async () => iter.next();
  }
  throw new Error(`${who}: the dataset must be an iterable or async iterable of { xs, ys } batches, or a function returning one, got ${describe(it)}`);
}

function isDatasetLike(v: unknown): boolean {
  return typeof v === 'function' || (v != null && typeof v === 'object' && !Array.isArray(v) &&
    (typeof (v as Record<symbol, unknown>)[Symbol.iterator] === 'function' || typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'));
}

function intOpt(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${what} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

/** One batch item → validated tensors (building the model from the first one). */
function checkBatch(model: ModelBase, item: DatasetBatch, where: string): { x: Tensor[]; y: (Tensor | null)[] } {
  let xs: ModelInput | undefined, ys: ModelTarget | undefined;
  if (Array.isArray(item) && item.length === 2) [xs, ys] = item as [ModelInput, ModelTarget];
  else if (item && typeof item === 'object' && 'xs' in item && 'ys' in item) ({ xs, ys } = item as { xs: ModelInput; ys: ModelTarget });
  else throw new Error(`${where}: expected a batch { xs, ys } or [x, y], got ${describe(item)}`);
  model.buildFor(xs);
  const d = model.checkData(xs, ys, where.slice(model.name.length + 1));
  const fixed = model.fixedBatch();
  if (fixed !== null && d.x[0].shape[0] !== fixed) {
    throw new Error(`${where}: this stateful model has a fixed batch size ${fixed}; the batch has ${d.x[0].shape[0]} samples`);
  }
  return d;
}

export async function fitDatasetLoop(model: ModelBase, dataset: Dataset, args: FitDatasetArgs): Promise<History> {
  const who = `${model.name}.fitDataset`;
  const o = checkOptions(args, FIT_KEYS, who);
  if (model.layers[0]?.batchInputShape) model.buildFor(undefined); // a declared (stateful) batch shape is known before any data
  const common = trainingOptions(model, o, who);
  const perEpoch = intOpt(o.batchesPerEpoch, `${who}: batchesPerEpoch`);
  const valBatches = intOpt(o.validationBatches, `${who}: validationBatches`);
  const vd = o.validationData;
  if (vd !== undefined && !(Array.isArray(vd) && vd.length === 2) && !isDatasetLike(vd)) {
    throw new Error(`${who}: validationData must be [x, y] or a dataset, got ${describe(vd)}`);
  }
  if (valBatches !== undefined && !isDatasetLike(vd)) throw new Error(`${who}: validationBatches needs validationData to be a dataset`);
  if (!isDatasetLike(dataset)) openPass(dataset, who); // throws the message naming what was given, before training starts
  let valArrays: { x: Tensor[]; y: (Tensor | null)[] } | null = null;
  const checkValArrays = () => {
    if (Array.isArray(vd) && !valArrays) valArrays = model.checkData(vd[0], vd[1], 'fitDataset: validationData');
  };
  if (model.built) checkValArrays();

  const params: History['params'] = { epochs: common.epochs, batchSize: NaN, samples: NaN, steps: perEpoch ?? NaN };
  let pull: Pull | null = null;
  let batch = 0;
  const lenHint = typeof (dataset as { length?: unknown }).length === 'number' && typeof dataset !== 'function'
    ? (dataset as unknown as { length: number }).length : null;
  const source: BatchSource = {
    steps: perEpoch ?? lenHint,
    async *epoch(epoch: number): AsyncGenerator<BatchRows> {
      if (!perEpoch) pull = openPass(dataset, who);
      pull ??= openPass(dataset, who);
      let n = 0, samples = 0;
      while (perEpoch === undefined || n < perEpoch) {
        let r = await pull!();
        if (r.done && perEpoch !== undefined && n > 0) {
          pull = openPass(dataset, who); // the pass ended mid-epoch: start the next one
          r = await pull();
        }
        if (r.done) {
          if (perEpoch !== undefined) throw new Error(`${who}: the dataset ran out after ${n} of ${perEpoch} batches in epoch ${epoch + 1} and a new pass yielded nothing (a generator object runs once: pass a function returning a new generator)`);
          break;
        }
        const { x, y } = checkBatch(model, r.value, `${who}: batch ${n + 1} of epoch ${epoch + 1}`);
        if (batch++ === 0) {
          checkValArrays();
          if (common.tb && x[0].rank < 2) throw new Error(`${who}: tbptt needs inputs with a time axis, got shape [${x[0].shape}]`);
          params.batchSize = x[0].shape[0];
        }
        n++;
        samples += x[0].shape[0];
        yield { x, y, idx: rowIndices(x[0].shape[0]), from: 0, to: x[0].shape[0] };
      }
      if (Number.isNaN(params.samples)) { params.samples = samples; params.steps = n; }
      if (source.steps === null && n > 0) source.steps = n; // the bar knows the length from the second epoch on
    },
  };
  const validate = vd === undefined ? null : async (): Promise<Logs> => {
    if (common.tb) model.resetStates();
    // validation batches as large as the training batches (Keras: validation_batch_size defaults to batch_size)
    if (valArrays) return model.evaluateChecked(valArrays.x, valArrays.y, model.fixedBatch() ?? params.batchSize);
    return evaluateDatasetLoop(model, vd as Dataset, { batches: valBatches }, `${who}: validationData`);
  };
  return runEpochs(model, source, { ...common, who, validate, params });
}

export async function evaluateDatasetLoop(model: ModelBase, dataset: Dataset, args: EvaluateDatasetArgs,
                                          who = `${model.name}.evaluateDataset`): Promise<Record<string, number>> {
  const o = checkOptions(args, ['batches'], who);
  const limit = intOpt(o.batches, `${who}: batches`) ?? Infinity;
  const pull = openPass(dataset, who);
  const run = model.evalBegin();
  let n = 0;
  while (n < limit) {
    const r = await pull();
    if (r.done) break;
    const { x, y } = checkBatch(model, r.value, `${who}: batch ${n + 1}`);
    model.evalRows(run, x, y, rowIndices(x[0].shape[0]), 0, x[0].shape[0]);
    n++;
  }
  if (n === 0) throw new Error(`${who}: the dataset yielded no batches`);
  return model.evalEnd(run);
}


