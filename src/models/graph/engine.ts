/**
 * The model engine both `Sequential` (a chain) and `Model` (a functional graph) run on: one
 * graph (graph/topology.ts), one execution plan (graph/exec.ts), one MemoryPlan (memory-plan.ts)
 * that owns every byte the model holds in backend memory, in blocks:
 *
 *   weights      params [n] (getWeights() order, each 16-byte aligned) + grads [n], same layout
 *   optimizer    k×[n] optimizer slots, same layout again → one update call
 *   workspace    for the call's input shapes: inputs, every node's activations/caches,
 *                summed gradients, targets, dLoss. Kept while calls fit in it at most ~2× (or
 *                64 MiB) too big, so steady-state steps never allocate; otherwise re-planned for
 *                the call's own shapes (never the element-wise max of history).
 *   state:<layer> recurrent state carried across calls
 *
 * When the selected backend changes (setBackend), the next call moves weights and optimizer
 * state to the new backend's memory. Everything a user gives is validated before anything
 * changes (data.ts), so an error never leaves a model half-updated.
 */
import { checkOptions } from '../../util/options.js';
import { Tensor } from '../../tensor.js';
import { getOptimizer } from '../../optimizers.js';
import { rowIndices } from '../data.js';
import { rowWeights } from '../../train/sample-weights.js';
import { describe, shapeStr } from '../../names.js';
import { fitLoop, type FitArgs, type History } from '../fit.js';
import { fitDatasetLoop, evaluateDatasetLoop, type Dataset, type FitDatasetArgs, type EvaluateDatasetArgs } from '../fit-dataset.js';
import { assertNotFitting, assertReadAllowed, beginFit } from '../guard.js';
import { compileOutputs } from './outputs.js';
import type { WeightValue, CompileArgs, PredictArgs, EvaluateArgs, ModelInput, ModelTarget } from './model-types.js';
import { COMPILE_OPTIONS, PREDICT_OPTIONS, EVALUATE_OPTIONS } from './model-types.js';
import { ModelSteps } from './model-steps.js';

export type { WeightValue, MemoryInfo, LossSpec, CompileArgs, PredictArgs, EvaluateArgs, EvalRun, ModelInput, ModelTarget } from './model-types.js';
export { COMPILE_OPTIONS, PREDICT_OPTIONS, EVALUATE_OPTIONS } from './model-types.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The public API of every model (Sequential, Model): compile, fit, predict, evaluate, … */
export abstract class ModelBase extends ModelSteps {
  /** @internal */
  checkBatchSize(bs: unknown, who: string): number {
    if (!Number.isInteger(bs) || (bs as number) <= 0) throw new Error(`${this.name}.${who}: batchSize must be a positive integer, got ${describe(bs)}`);
    return bs as number;
  }

  /** @internal build from the first batch a dataset yields, as fit builds from x. */
  buildFor(x: unknown): void {
    this.prepare(x);
  }

  /** Gradients of the loss w.r.t. every weight, without updating. */
  computeGradients(xIn: ModelInput, yIn: ModelTarget, args: { training?: boolean } = {}): { loss: number; grads: WeightValue[] } {
    assertNotFitting(this, this.name, 'computeGradients');
    args = checkOptions(args, ['training'], `${this.name}.computeGradients`);
    this.requireCompiled('computeGradients');
    this.prepare(xIn);
    const { x, y } = this.checkData(xIn, yIn, 'computeGradients');
    const end = this.begin('computeGradients');
    try {
      const { loss } = this.stepChecked(x, y, rowIndices(x[0].shape[0]), 0, x[0].shape[0], false, { training: args.training ?? true });
      return { loss, grads: this.readBlock(this.store.grads) };
    } finally {
      end();
    }
  }

  /** Apply gradients (computeGradients' form and order) with the compiled optimizer. */
  applyGradients(grads: WeightValue[]): void {
    assertNotFitting(this, this.name, 'applyGradients');
    this.requireCompiled('applyGradients');
    this.prepare();
    this.checkWeightList(grads, 'applyGradients');
    const be = this.sync();
    this.writeBlock(this.store.grads, grads);
    this.applyStep(be, 0, `${this.name}.applyGradients`);
  }

  /** @internal whether fit may split batches across workers (one input, one trained output). */
  singleIO(): boolean {
    const g = this.graph!;
    return g.inputs.length === 1 && (this.lossOnFirstOnly() || g.outputs.length === 1);
  }

  /**
   * Trains for `epochs` over x, y; yields to the event loop after every batch.
   *
   * @example
   * ```ts
   * const history = await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.2 });
   * ```
   */
  async fit(x: ModelInput, y: ModelTarget, args: FitArgs = {}): Promise<History> {
    const end = beginFit(this, this.name); // synchronous: a second un-awaited fit is refused here
    try {
      this.requireCompiled('fit');
      this.prepare(x);
      const endCall = this.begin('fit'); // names the call in memory errors; sizes the workspace back after
      try {
        return await fitLoop(this, x, y, args);
      } finally {
        endCall();
      }
    } finally {
      end();
    }
  }

  /**
   * Train on a dataset: any iterable or async iterable of `{ xs, ys }` (or `[x, y]`)
   * batches, or a function returning one per epoch. See src/models/fit-dataset.ts.
   */
  async fitDataset(dataset: Dataset, args: FitDatasetArgs = {}): Promise<History> {
    const end = beginFit(this, this.name); // the same busy rule as fit
    try {
      this.requireCompiled('fitDataset');
      const endCall = this.begin('fitDataset');
      try {
        return await fitDatasetLoop(this, dataset, args);
      } finally {
        endCall();
      }
    } finally {
      end();
    }
  }

  /** Mean loss (and metrics) over every batch of a dataset. */
  async evaluateDataset(dataset: Dataset, args: EvaluateDatasetArgs = {}): Promise<Record<string, number>> {
    assertReadAllowed(this, this.name, 'evaluateDataset', this.fixedBatch() !== null);
    this.requireCompiled('evaluateDataset');
    return evaluateDatasetLoop(this, dataset, args);
  }

  /**
   * Sets the optimizer, loss and metrics (names complete in both casings).
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['accuracy'] });
   * ```
   */
  compile(args: CompileArgs): void {
    assertNotFitting(this, this.name, 'compile');
    if (!args || typeof args !== 'object') throw new Error(`${this.name}.compile: expected { optimizer, loss, metrics? }, got ${describe(args)}`);
    args = checkOptions(args, COMPILE_OPTIONS, `${this.name}.compile`);
    if (args.maskLoss !== undefined && typeof args.maskLoss !== 'boolean') {
      throw new Error(`${this.name}.compile: maskLoss must be true or false, got ${describe(args.maskLoss)}`);
    }
    // a Sequential may be compiled before it is built (its loss is on the first output; setGraph pads the rest)
    if (!this.lossOnFirstOnly()) this.prepare();
    const names = this.graph ? this.graph.outputNames : [this.layers[this.layers.length - 1]?.name ?? 'output'];
    const t = compileOutputs(args.loss, args.lossWeights, args.metrics, names, this.lossOnFirstOnly(), `${this.name}.compile`);
    const optimizer = getOptimizer(args.optimizer);
    this.optimizer?.detach();
    this.maskLoss = args.maskLoss ?? true;
    this.training = t;
    const first = t.losses.findIndex((l) => l !== null);
    this.loss = t.losses[first];
    this.metrics = t.metrics[first];
    this.optimizer = optimizer;
    if (this.be) {
      const end = this.begin('compile');
      try { this.placeOptimizer(); } finally { end(); }
    }
  }

  protected requireCompiled(who: string): void {
    if (!this.loss || !this.optimizer || !this.training) throw new Error(`${this.name}.${who}: call model.compile({ optimizer, loss }) first`);
  }

  /** Inference: one tensor per output (a single tensor when the model has one output). */
  predict(xIn: ModelInput, args?: PredictArgs): Tensor | Tensor[] {
    args = checkOptions(args, PREDICT_OPTIONS, `${this.name}.predict`);
    const outer = this.enter('predict');
    try {
      return this.predictChecked(xIn, args);
    } finally {
      this.leave(outer);
    }
  }

  private predictChecked(xIn: ModelInput, args: PredictArgs): Tensor | Tensor[] {
    this.prepare(xIn);
    const xs = this.checkInputs(xIn, `${this.name}.predict`);
    const N = xs[0].shape[0];
    const fixed = this.fixedBatch();
    assertReadAllowed(this, this.name, 'predict', fixed !== null);
    const bs = fixed ?? this.checkBatchSize(args.batchSize ?? 32, 'predict');
    if (fixed && N % fixed !== 0) {
      throw new Error(`${this.name}.predict: this stateful model has a fixed batch size ${fixed}; x has ${N} samples, not a multiple of it`);
    }
    const be = this.sync();
    const ctx = this.ctx(be, false, false);
    const g = this.graph!, exec = this.exec!;
    const outs: { shape: number[]; data: Float32Array }[] = [];
    for (let from = 0; from < N; from += bs) {
      const to = Math.min(N, from + bs);
      this.forwardRows(ctx, xs, null, from, to);
      const f = be.f32();
      for (let i = 0; i < g.outputs.length; i++) {
        const o = exec.acts[g.outputs[i]];
        const row = prod(o.shape) / o.shape[0], at = o.ptr >>> 2, n = (to - from) * row;
        if (n === N * row) { // one batch (o.shape[0] is N): copied out in one step (the per-call cost of a streaming step)
          outs[i] = { shape: o.shape, data: f.slice(at, at + n) };
          continue;
        }
        outs[i] ??= { shape: [N, ...o.shape.slice(1)], data: new Float32Array(N * row) };
        outs[i].data.set(f.subarray(at, at + n), from * row);
      }
    }
    if (outs.length === 1) return new Tensor(outs[0].data, outs[0].shape, 'float32');
    return outs.map((o) => new Tensor(o.data, o.shape, 'float32'));
  }

  /**
   * Mean loss (and metrics) over x, y. Like Keras, the loss is the mean of the batch
   * losses weighted by batch size; `sampleWeight` ([N] or [N, T]) weighs rows as in fit.
   */
  evaluate(xIn: ModelInput, yIn: ModelTarget, args: EvaluateArgs = {}): Record<string, number> {
    args = checkOptions(args, EVALUATE_OPTIONS, `${this.name}.evaluate`);
    this.requireCompiled('evaluate');
    this.prepare(xIn);
    const { x, y } = this.checkData(xIn, yIn, 'evaluate');
    assertReadAllowed(this, this.name, 'evaluate', this.fixedBatch() !== null);
    const w = this.rowWeights(args.sampleWeight, undefined, y, `${this.name}.evaluate`);
    const end = this.begin('evaluate');
    try {
      return this.evaluateChecked(x, y, this.fixedBatch() ?? this.checkBatchSize(args.batchSize ?? 32, 'evaluate'), w);
    } finally {
      end();
    }
  }

  /** One optimizer step on the whole of x, y as one batch. Returns the loss before the step. */
  trainOnBatch(xIn: ModelInput, yIn: ModelTarget): number {
    assertNotFitting(this, this.name, 'trainOnBatch');
    this.requireCompiled('trainOnBatch');
    this.prepare(xIn);
    const { x, y } = this.checkData(xIn, yIn, 'trainOnBatch');
    const N = x[0].shape[0];
    const end = this.begin('trainOnBatch');
    try {
      return this.stepChecked(x, y, rowIndices(N), 0, N, true,
        { where: () => `${this.name}.trainOnBatch: on this batch (${N} samples, x ${x.map((t) => shapeStr(t.shape)).join(', ')})` }).loss;
    } finally {
      end();
    }
  }

  /**
   * Save as a TensorFlow.js layers model: 'file://dir' (Node), 'indexeddb://name',
   * 'downloads://name', an http(s) URL (POST), or an IOHandler.
   */
  async save(target: import('../../io/router.js').UrlOrHandler, opts: import('../../io/save-model.js').SaveOptions = {}): Promise<import('../../io/artifacts.js').SaveResult> {
    const { saveModel } = await import('../../io/save-model.js');
    return saveModel(this as never, target, opts);
  }

  /** Keras/tfjs-layers topology (what model.json's modelTopology holds). */
  abstract toJSON(): Record<string, unknown>;
}
