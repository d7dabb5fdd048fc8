/**
 * Sequential: a stack of layers with the Keras workflow (compile / fit /
 * evaluate / predict …). Its MemoryPlan (memory-plan.ts) owns every byte it
 * holds in backend memory, in blocks:
 *
 *   weights      params [n] (getWeights() order, each 16-byte aligned) + grads [n], same layout
 *   optimizer    k×[n] optimizer slots, same layout again → one update call
 *   workspace    for the call's shape: input, every layer's activations/caches,
 *                targets, dLoss. Kept while calls fit in it at most ~2× (or 64 MiB)
 *                too big, so steady-state steps never allocate; otherwise re-planned
 *                for the call's own shape (never the element-wise max of history).
 *   state:<layer> recurrent state carried across calls
 *
 * When the selected backend changes (setBackend), the next call moves weights
 * and optimizer state to the new backend's memory.
 */
import { checkOptions } from '../util/options.js';
import type { PredictOutput } from './output-types.js';
import type { LossIdentifier, MetricIdentifier, OptimizerIdentifier } from '../util/identifiers.js';
import { backend } from '../backend/index.js';
import type { Backend } from '../backend/types.js';
import { Layer, type Workspace, type Act, type Ctx, type ParamStore, type Shape } from '../layers/layer.js';
import { MemoryPlan, fmtBytes, type RegionInfo } from './memory-plan.js';
import { drawInitialValues } from '../initializers/draw.js';
import { initializerBackend } from '../initializers.js';
import { Embedding } from '../layers/embedding.js';
import { Recurrent } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { Rng } from '../util/random.js';
import { nextSeed } from '../util/seed.js';
import { getLoss, takeLoss, type Loss, type CustomLossSpec } from '../losses.js';
import { resolveMetric, updateMetrics, newMetricState, metricResults, type Metric } from '../metrics.js';
import { weightPenalty, activityPenalty, addInto, applyConstraints, hasWeightPenalties, hasConstraints } from '../train/penalties.js';
import { applyWeightDecay } from '../optimizers/weight-decay.js';
import { getOptimizer, type Optimizer } from '../optimizers.js';
import { checkX, checkY, gatherRows, rowIndices, stackError, type InputSpec, type TargetSpec } from './data.js';
import { rowWeights } from '../train/sample-weights.js';
import { summaryTable } from './summary.js';
import { describe, shapeStr } from '../names.js';
import { fitLoop, type FitArgs, type History } from './fit.js';
import type { DataParallel } from '../parallel/data-parallel.js';
import { fitDatasetLoop, evaluateDatasetLoop, type Dataset, type FitDatasetArgs, type EvaluateDatasetArgs } from './fit-dataset.js';

/** Running sums of one evaluation. */
export interface EvalRun { lossSum: number; samples: number; acc: Float64Array }
import { assertNotFitting, assertReadAllowed, beginFit, claimLayer, releaseLayers } from './guard.js';
import { applyFiniteStep } from './finite-step.js';

/** One weight as `getWeights` returns it: Keras/TensorFlow.js name, shape and a float32 copy. */
export interface WeightValue {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What model.memoryInfo() returns. */
export interface MemoryInfo {
  backend: string | null;
  /** Bytes the backend's heap hands out now (all models). */
  heapUsedBytes: number;
  /** Size of the backend's memory. */
  memoryBytes: number;
  /** Bytes this model's plan holds now. */
  plannedBytes: number;
  /** Every region: block, name, absolute byte offset, bytes. */
  regions: RegionInfo[];
  /** The last workspace planned (also after it was released). */
  lastWorkspace: { shape: number[]; training: boolean; bytes: number } | null;
  /** The printed map. */
  text: string;
  toString(): string;
}

/** Options of the {@link Sequential} constructor. */
export interface SequentialArgs {
  name?: string;
  /** Seed for initializers, shuffling and dropout (default: from setSeed(), else random). */
  seed?: number;
}
export const SEQUENTIAL_OPTIONS = ['name', 'seed'] as const;

/** Options of `model.compile`: optimizer (name or instance), loss name, metric names. */
export interface CompileArgs {
  optimizer: OptimizerIdentifier | Optimizer;
  /** A name ('mae', 'huber' …), { name, ...options } or a custom { name?, value, gradient } (src/losses/resolve.ts). */
  loss: LossIdentifier | CustomLossSpec | Record<string, unknown>;
  /** Names or { name, ...options } (src/metrics/resolve.ts). */
  metrics?: (MetricIdentifier | Record<string, unknown>)[];
  /**
   * Default true: a padding mask reaching the output (Embedding maskZero → recurrent
   * returnSequences) leaves masked steps out of the loss and metrics, as Keras does.
   * false: the TensorFlow.js behaviour (every step counts), which the fixtures record.
   */
  maskLoss?: boolean;
}
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics', 'maskLoss'] as const;
/** Options of predict and evaluate. */
export interface PredictArgs { batchSize?: number }
export const PREDICT_OPTIONS = ['batchSize'] as const;
/** Options of evaluate: `sampleWeight` ([N] or [N, T]) weighs rows as in fit. */
export interface EvaluateArgs { batchSize?: number; sampleWeight?: TensorLike }
export const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight'] as const;

interface Placed {
  layer: Layer;
  name: string;
  shape: number[];
  size: number;
  offset: number;
}

const ALIGN_FLOATS = 4;
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** A workspace bigger than the call needs is kept while it is at most 2× or this much larger. */
const WORKSPACE_SLACK_BYTES = 64 * 2 ** 20;

let modelCounter = 0;

/**
 * A linear stack of layers (Keras `Sequential`).
 *
 * The type parameter is the layer tuple given to the constructor; it only types
 * `predict`'s result (see {@link PredictOutput}).
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   layers.lstm({ units: 32, inputShape: [10, 3] }),
 *   layers.dense({ units: 1, activation: 'sigmoid' }),
 * ]);
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export class Sequential<L extends readonly Layer[] = readonly Layer[]> {
  name: string;
  readonly layers: Layer[] = [];
  /** Set by callbacks (e.g. earlyStopping) to end fit() after the current epoch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  loss: Loss | null = null;
  metrics: Metric[] = [];
  /** compile({ maskLoss }). */
  maskLoss = true;
  /** @internal */ rng: Rng;
  /** @internal the data-parallel training workers (fit's `threads`), kept between fits. */
  parallel: DataParallel | null = null;

  private inputShape: Shape | null = null;
  private placed: Placed[] = [];
  private nParams = 0;
  private be: Backend | null = null;
  private store: ParamStore = { params: 0, grads: 0 };
  /** Owner of every block this model holds in `be` (null while nothing is placed). */
  private plan: MemoryPlan | null = null;
  /** The workspace block's shape, mode and layer flags; wsKey = the last call's (shape, mode) it served. */
  private wsCap: number[] = [];
  private wsTraining = false;
  private wsNeedDx = '';
  private wsKey = '';
  private wsLast: { shape: number[]; training: boolean; trainable: boolean[] } | null = null;
  /** The workspace key at the end of the previous public call (a repeated shape keeps its workspace). */
  private lastCallKey = '';
  /** The public call running now (named in out-of-memory errors). */
  private call = '';
  /** Shape and bytes of the last workspace planned (summary()). */
  private lastPlanned: { shape: number[]; training: boolean; bytes: number } | null = null;
  /** Float counts of each layer's state block. */
  private stateSizes = new Map<Layer, { floats: number[]; ptrs: number[] }>();
  /** Optimizer state waiting for the next placement (a backend move whose placement failed). */
  private pendingOpt: ReturnType<Optimizer['snapshot']> | undefined;
  private inBuf = 0;
  private tgtBuf = 0;
  private dPBuf = 0;
  /** Every layer's output of the last forward (activity regularizers read them). */
  private outs: Act[] = [];
  /** Activity-regularizer gradients of the last training forward, per layer index. */
  private activityGrads: (Float32Array | null)[] = [];
  /** Initial weights before the first placement (host copies). */
  private pending: Float32Array[] | null = null;

  constructor(layers: readonly [...L] = [] as unknown as L, args: SequentialArgs = {}) {
    args = checkOptions(args, SEQUENTIAL_OPTIONS, 'Sequential');
    this.name = args.name ?? (modelCounter++ === 0 ? 'sequential' : `sequential_${modelCounter - 1}`);
    this.rng = new Rng(args.seed ?? nextSeed());
    if (!Array.isArray(layers)) throw new Error(`Sequential: expected an array of layers, got ${describe(layers)}`);
    try {
      for (const l of layers) this.add(l);
    } catch (e) {
      releaseLayers(this, this.layers); // a model that failed to construct owns nothing
      throw e;
    }
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new Error(`${this.name}.add: expected a layer (layers.lstm(…), layers.dense(…) …), got ${describe(layer)}`);
    if (this.placed.length) throw new Error(`${this.name}.add: the model is already built; add layers before the first call`);
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`${this.name}.add: a layer named '${layer.name}' is already in the model`);
    const prev = this.layers[this.layers.length - 1];
    if (prev instanceof Recurrent && prev.returnState) {
      throw new Error(`${this.name}.add: '${prev.name}' has returnState: true, so it must be the last layer`);
    }
    if (prev instanceof Bidirectional && prev.multiOutput) {
      throw new Error(`${this.name}.add: '${prev.name}' has several outputs (mergeMode null or returnState), so it must be the last layer`);
    }
    claimLayer(layer, this, this.name);
    this.layers.push(layer);
    return this;
  }

  // ---------------------------------------------------------------- building

  get built(): boolean {
    return this.placed.length > 0 || (this.inputShape !== null && this.layers.every((l) => l.built));
  }

  /** Build for an input shape incl. batch (default: the first layer's inputShape/batchInputShape). */
  build(inputShape?: Shape): void {
    if (this.inputShape) return;
    if (!this.layers.length) throw new Error(`${this.name}: add at least one layer before building`);
    const s0 = inputShape ?? this.layers[0].batchInputShape;
    if (!s0) {
      throw new Error(`${this.name}: the input shape is unknown: give the first layer inputShape (or batchInputShape), or call fit/predict with data first`);
    }
    let s: Shape = s0.slice();
    for (const [i, l] of this.layers.entries()) {
      try {
        l.build(s);
      } catch (e) {
        throw stackError(e, this.layers[i - 1], l, s);
      }
      s = l.outputShape!;
    }
    this.inputShape = s0.slice();
    this.layers.forEach((l, i) => {
      const prev = this.layers[i - 1];
      if (l instanceof Recurrent) l.inputEmbedding = prev instanceof Embedding ? prev : null;
    });
    const specs: Placed[] = [];
    let off = 0;
    for (const l of this.layers) {
      for (const w of l.weightSpecs()) {
        const size = prod(w.shape);
        specs.push({ layer: l, name: `${l.name}/${w.name}`, shape: w.shape, size, offset: off });
        off += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
      }
    }
    this.placed = specs;
    this.nParams = Math.max(off, ALIGN_FLOATS);
  }

  /**
   * Initial values, drawn in getWeights() order from the model's stream, unless weights were given.
   * Initializer scratch is a transient block of the model's plan (a plan of its own before the weights are placed).
   */
  private initialValues(): Float32Array[] {
    if (!this.pending) {
      const weights = this.layers.flatMap((l) => l.weightSpecs().map((w) => ({ name: `${l.name}/${w.name}`, shape: w.shape, init: w.init })));
      const plan = this.plan ?? new MemoryPlan(initializerBackend(), this);
      try {
        this.pending = drawInitialValues(weights, this.rng, plan, { call: `${this.name}.${this.call || 'initialize'}`, shape: [] });
      } finally {
        if (plan !== this.plan) plan.dispose();
      }
    }
    return this.pending;
  }

  /** @internal set weights on a freshly built model without ever running its initializers (loading). */
  setWeightsNoInit(list: readonly WeightValue[]): void {
    this.checkWeightList(list, 'loadWeights');
    if (this.be) throw new Error(`${this.name}: setWeightsNoInit is only for models that have not run yet`);
    this.pending = list.map((w) => Float32Array.from(w.data));
  }

  /** Build from the first data seen when no input shape was declared (time left free). */
  private buildFromData(x: TensorLike): void {
    if (this.inputShape) return;
    if (this.layers[0]?.batchInputShape) return this.build();
    const shape = (x as { shape?: number[] }).shape ?? (x instanceof Tensor ? x.shape : null);
    let s: number[] | null = shape ?? null;
    if (!s && Array.isArray(x)) {
      s = [];
      let cur: unknown = x;
      while (Array.isArray(cur)) { s.push(cur.length); cur = cur[0]; }
    }
    if (!s) throw new Error(`${this.name}: cannot infer the input shape from x (${describe(x)})`);
    const free: Shape = [null, ...s.slice(1)];
    if (free.length >= 2 && this.layers[0] instanceof Recurrent || this.layers[0] instanceof Bidirectional) free[1] = null;
    this.build(free);
  }

  private inputSpec(): InputSpec {
    const first = this.layers[0];
    return {
      shape: this.inputShape!,
      ids: first instanceof Embedding ? { layer: first.name, inputDim: first.inputDim } : null,
    };
  }

  private outputShape(): Shape {
    return this.layers[this.layers.length - 1].outputShape!;
  }

  private targetSpec(): TargetSpec {
    return { shape: this.outputShape(), sparse: this.loss!.sparse, lossName: this.loss!.keras };
  }

  // ---------------------------------------------------- backend placement

  /** The backend for this call; moves weights and optimizer state if the selection changed. */
  private sync(): Backend {
    const be = backend();
    if (this.be === be) return be;
    if (this.be) {
      this.pending = this.readWeights().map((w) => w.data);
      if (this.optimizer && this.optimizer.isAttachedTo(this.be, this.nParams)) this.pendingOpt = this.optimizer.snapshot();
      this.release();
    }
    const plan = new MemoryPlan(be, this);
    let values: Float32Array[];
    try {
      let params = 0, grads = 0;
      plan.place('weights', { call: `${this.name}.${this.call || 'call'}`, shape: [] }, (ws) => {
        params = ws.alloc(this.nParams, 'params');
        grads = ws.alloc(this.nParams, 'grads');
      });
      this.plan = plan;
      this.be = be;
      this.store.params = params;
      this.store.grads = grads;
      // initializers run only once the weights are known to fit (their scratch is a transient block of this plan)
      values = this.initialValues();
      if (this.optimizer) this.placeOptimizer(this.pendingOpt);
    } catch (e) {
      plan.dispose();
      this.plan = null;
      this.be = null;
      throw e;
    }
    const f = be.f32();
    this.placed.forEach((p, i) => f.set(values[i], (this.store.params >>> 2) + p.offset));
    this.pending = null;
    this.pendingOpt = undefined;
    let i = 0;
    for (const l of this.layers) {
      const n = l.weightSpecs().length;
      l.bind(this.store, this.placed.slice(i, i + n).map((p) => p.offset));
      i += n;
    }
    return be;
  }

  /** The optimizer's slots: one 'optimizer' block of slotCount() × [nParams] floats. */
  private placeOptimizer(state?: ReturnType<Optimizer['snapshot']>): void {
    const opt = this.optimizer!, plan = this.plan!, n = this.nParams, names = opt.slotNames();
    plan.release('optimizer');
    let slots: number[] = [];
    if (opt.slotCount() > 0) {
      plan.place('optimizer', { call: `${this.name}.${this.call || 'call'}`, shape: [] }, (ws) => {
        ws.owner = opt.className;
        slots = names.map((name) => ws.alloc(n, name));
      });
    }
    opt.attach(this.be!, n, slots, state);
  }

  /** Free everything this model holds in backend memory (weights are kept as host copies). */
  dispose(): void {
    assertNotFitting(this, this.name, 'dispose');
    this.parallel?.close();
    this.parallel = null;
    if (!this.be) return;
    this.pending = this.readWeights().map((w) => w.data);
    this.release();
  }

  private release(): void {
    const be = this.be!;
    for (const l of this.layers) l.releaseState(be);
    this.optimizer?.detach();
    this.plan?.dispose();
    this.plan = null;
    this.forgetWorkspace();
    this.stateSizes.clear();
    this.store.params = this.store.grads = 0;
    this.be = null;
  }

  /** The steady-state test, allocation-free: same shape, mode and trainable flags as the last call. */
  private sameAsLastCall(shape: number[], training: boolean): boolean {
    const c = this.wsLast;
    if (!c || c.training !== training || c.shape.length !== shape.length) return false;
    for (let i = 0; i < shape.length; i++) if (c.shape[i] !== shape[i]) return false;
    for (let i = 0; i < this.layers.length; i++) if (this.layers[i].trainable !== c.trainable[i]) return false;
    return true;
  }

  private forgetWorkspace(): void {
    this.wsLast = null;
    this.wsCap = [];
    this.wsKey = '';
    this.wsNeedDx = '';
  }

  /** Reserves the workspace regions for inputs of `shape` (batch first). */
  private layout(shape: number[], training: boolean, needDx: boolean[]): (ws: Workspace) => void {
    return (ws) => {
      this.inBuf = ws.alloc(prod(shape), 'input');
      let s = shape.slice();
      this.layers.forEach((l, i) => {
        ws.owner = l.name;
        l.plan(ws, s, training, needDx[i]);
        s = l.computeOutputShape(s) as number[];
      });
      ws.owner = '';
      const outN = prod(s);
      this.tgtBuf = ws.alloc(outN, 'targets');
      this.dPBuf = training ? ws.alloc(outN, 'dLoss') : 0;
    };
  }

  /**
   * Make sure the workspace fits inputs of `shape` (batch first). Sized to the call: an
   * existing workspace is reused only while it is at most 2× (or 64 MiB) larger than this
   * call needs; otherwise it is re-planned for this shape — or for the union with the
   * previous shape when that costs as little (alternating shapes: a last partial batch,
   * validation batches, truncated-BPTT chunks), so steady state never re-plans.
   */
  private workspace(be: Backend, shape: number[], training: boolean): void {
    const plan = this.plan!;
    if (this.sameAsLastCall(shape, training) && plan.has('workspace')) return;
    const needDx = this.needDx(), nd = needDx.join();
    const key = `${shape.join('x')}/${training ? 't' : 'i'}/${nd}`;
    this.wsLast = { shape: shape.slice(), training, trainable: this.layers.map((l) => l.trainable) };
    const need = plan.measure(this.layout(shape, training, needDx));
    const cheap = (bytes: number) => bytes <= Math.max(2 * need, need + WORKSPACE_SLACK_BYTES);
    const sameRank = this.wsCap.length === shape.length && this.wsNeedDx === nd && plan.has('workspace');
    if (sameRank && shape.every((d, i) => d <= this.wsCap[i]) && (!training || this.wsTraining) && cheap(plan.bytes('workspace'))) {
      plan.replay('workspace');
      this.wsKey = key;
      return;
    }
    let cap = shape.slice(), tr = training;
    if (sameRank) {
      const u = shape.map((d, i) => Math.max(d, this.wsCap[i])), ut = training || this.wsTraining;
      if (cheap(plan.measure(this.layout(u, ut, needDx)))) { cap = u; tr = ut; }
    }
    try {
      plan.place('workspace', { call: `${this.name}.${this.call || 'call'}`, shape: cap }, this.layout(cap, tr, needDx), cap[0]);
    } catch (e) {
      this.forgetWorkspace();
      throw e;
    }
    this.wsCap = cap;
    this.wsTraining = tr;
    this.wsNeedDx = nd;
    this.wsKey = key;
    this.lastPlanned = { shape: cap, training: tr, bytes: plan.bytes('workspace') };
  }

  /**
   * Start of a public call (names it in errors); returns the function that ends it. A
   * one-off call whose workspace is large gives it back when it ends; a shape repeated
   * from the previous call keeps it (the steady state of a training loop).
   */
  private begin(call: string): () => void {
    const outer = this.call;
    this.call = call;
    return () => {
      this.call = outer;
      if (outer) return; // nested (a predict from a fit callback): the outer call decides
      const plan = this.plan;
      if (plan && plan.bytes('workspace') > WORKSPACE_SLACK_BYTES && this.wsKey !== this.lastCallKey) {
        plan.release('workspace');
        this.lastCallKey = this.wsKey;
        this.forgetWorkspace();
        return;
      }
      this.lastCallKey = this.wsKey;
    };
  }

  private ctx(be: Backend, training: boolean, grad: boolean, carryState = false): Ctx {
    return { be, k: be.k, training, grad, rng: this.rng, carryState, state: (l, floats) => this.stateRegions(l, floats) };
  }

  /** A layer's persistent state regions ('state:<layer>' block), placed on first use or when the sizes change. */
  private stateRegions(layer: Layer, floats: number[]): number[] {
    const had = this.stateSizes.get(layer);
    if (had && had.floats.length === floats.length && had.floats.every((n, i) => n === floats[i])) return had.ptrs;
    const name = `state:${layer.name}`;
    const plan = this.plan!;
    this.stateSizes.delete(layer);
    plan.place(name, { call: `${this.name}.${this.call || 'call'}`, shape: [] }, (ws) => {
      ws.owner = layer.name;
      floats.forEach((n, i) => ws.alloc(n, floats.length === 1 ? 'h' : ['h', 'c'][i] ?? `s${i}`));
    });
    const ptrs = plan.pointers(name);
    this.stateSizes.set(layer, { floats: floats.slice(), ptrs });
    return ptrs;
  }

  /** Copy rows of x into the input buffer and run every layer. */
  private forwardRows(ctx: Ctx, x: Tensor, idx: ArrayLike<number>, from: number, to: number): Act {
    const B = to - from;
    const shape = [B, ...x.shape.slice(1)];
    this.workspace(ctx.be, shape, ctx.grad);
    const view = x.dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
    gatherRows(x, idx, from, to, view, this.inBuf >>> 2);
    let a: Act = { ptr: this.inBuf, shape, mask: 0 };
    this.outs = [];
    for (const l of this.layers) {
      a = l.forward(ctx, a);
      this.outs.push(a);
    }
    return a;
  }

  /**
   * Loss (and dLoss into dPBuf when training) for the last forward's output `out` and target rows,
   * with sample weights and the output mask (src/losses/reduce.ts), plus the layers' regularization
   * penalties (src/train/penalties.ts). `rows` is the loss's denominator (valid rows under a mask):
   * batches and data-parallel chunks combine exactly when weighted by it.
   */
  private lossRows(ctx: Ctx, out: Act, y: Tensor, idx: ArrayLike<number>, from: number, to: number, withGrad: boolean,
                   w: Tensor | null): { loss: number; rows: number; cols: number; weights: Float32Array | null } {
    const cols = out.shape[out.shape.length - 1];
    const rows = prod(out.shape) / cols;
    const view = y.dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
    gatherRows(y, idx, from, to, view, this.tgtBuf >>> 2);
    let weights: Float32Array | null = null;
    if (w) {
      weights = new Float32Array(rows);
      gatherRows(w, idx, from, to, weights, 0);
    }
    const mask = this.maskLoss && out.mask ? ctx.be.f32().slice(out.mask >>> 2, (out.mask >>> 2) + rows) : null;
    const r = takeLoss({ be: ctx.be, loss: this.loss!, P: out.ptr, Y: this.tgtBuf, dP: withGrad ? this.dPBuf : 0, rows, cols, weights, mask });
    const loss = r.loss + this.penalties(ctx.be, withGrad);
    const mw = mask && weights ? weights.map((v, i) => v * mask[i]) : mask ?? weights;
    return { loss, rows: r.count, cols, weights: mw };
  }

  /** Weight and activity regularization: the penalty; with withGrad, the activity gradients (backwardAll adds them). */
  private penalties(be: Backend, withGrad: boolean): number {
    const w = hasWeightPenalties(this.placed) ? weightPenalty(this.placed, be.f32(), this.store.params >>> 2, -1) : 0;
    const a = activityPenalty(this.layers, this.outs, be.f32(), withGrad);
    this.activityGrads = a.grads;
    return w + a.value;
  }

  private backwardAll(ctx: Ctx): void {
    let d = this.dPBuf;
    const needDx = this.needDx();
    for (let i = this.layers.length - 1; i >= 0; i--) {
      if (this.activityGrads[i]) addInto(ctx.be.f32(), d >>> 2, this.activityGrads[i]!);
      d = this.layers[i].backward(ctx, d, needDx[i]);
      if (!needDx[i]) break; // nothing below has trainable weights
    }
  }

  /** One optimizer step on the grads block, then the layers' weight constraints (Keras: after every step). */
  private optimizerStep(): void {
    const opt = this.optimizer!;
    if (opt.weightDecay) {
      const ranges = this.placed.map((p) => ({ offset: p.offset, size: p.size, trainable: p.layer.trainable }));
      applyWeightDecay(ranges, this.be!.f32(), this.store.params >>> 2, opt.weightDecay, opt.nextLearningRate());
    }
    opt.apply(this.store.params, this.store.grads);
    if (hasConstraints(this.placed)) applyConstraints(this.placed, this.be!.f32(), this.store.params >>> 2);
  }

  /**
   * Layer i needs the gradient w.r.t. its input only if some earlier layer has
   * trainable weights (a frozen Embedding below an LSTM saves the LSTM's dX product).
   */
  private needDx(): boolean[] {
    let below = false;
    return this.layers.map((l) => {
      const need = below;
      below ||= l.trainable && l.weightSpecs().length > 0;
      return need;
    });
  }

  private zeroGrads(be: Backend): void {
    be.f32().fill(0, this.store.grads >>> 2, (this.store.grads >>> 2) + this.nParams);
  }

  /** Add this batch to the metrics' streaming state (`weights`: sample weight × mask per row, or null). */
  private metricScores(be: Backend, out: Act, y: Tensor, idx: ArrayLike<number>, from: number, to: number,
                       acc: Float64Array, weights: Float32Array | null): void {
    if (!this.metrics.length) return;
    const cols = out.shape[out.shape.length - 1];
    const rows = prod(out.shape) / cols;
    const pred = be.f32().slice(out.ptr >>> 2, (out.ptr >>> 2) + rows * cols);
    const rowT = y.size / y.shape[0];
    const tgt = y.dtype === 'int32' ? new Int32Array((to - from) * rowT) : new Float32Array((to - from) * rowT);
    gatherRows(y, idx, from, to, tgt, 0);
    updateMetrics(this.metrics, acc, pred, tgt, weights, rows, cols);
  }

  /** @internal zeroed streaming state for the compiled metrics. */
  metricState(): Float64Array {
    return newMetricState(this.metrics, this.outputCols());
  }

  /** @internal logs entries of a metric state. */
  metricLogs(state: Float64Array): Record<string, number> {
    return metricResults(this.metrics, state, this.outputCols());
  }

  private outputCols(): number {
    const s = this.outputShape();
    return s[s.length - 1] as number;
  }

  // ---------------------------------------------------------------- public

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
    const loss = getLoss(args.loss);
    const optimizer = getOptimizer(args.optimizer);
    if (args.metrics !== undefined && !Array.isArray(args.metrics)) {
      throw new Error(`${this.name}.compile: metrics must be an array like ['accuracy'], got ${describe(args.metrics)}`);
    }
    const metrics = (args.metrics ?? []).map((m) => resolveMetric(m, loss));
    const names = metrics.map((m) => m.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`${this.name}.compile: metric '${dup}' is listed twice`);
    this.optimizer?.detach();
    this.maskLoss = args.maskLoss ?? true;
    this.loss = loss;
    this.optimizer = optimizer;
    this.metrics = metrics;
    if (this.be) {
      const end = this.begin('compile');
      try { this.placeOptimizer(); } finally { end(); }
    }
  }

  private requireCompiled(who: string): void {
    if (!this.loss || !this.optimizer) throw new Error(`${this.name}.${who}: call model.compile({ optimizer, loss }) first`);
    // Keras applies a loss to every output of a multi-output model; a Sequential takes its loss on the
    // first output only, which would leave the backward layer of mergeMode null untrained: refuse it
    const last = this.layers[this.layers.length - 1];
    if (last instanceof Bidirectional && last.mergeMode === null) {
      throw new Error(`${this.name}.${who}: '${last.name}' has mergeMode null (two outputs), and a loss on the first output alone would never train its backward layer; ` +
        `use mergeMode 'concat' | 'sum' | 'mul' | 'ave' to train (predict works with null), or build a model with one loss per output when the functional API is available`);
    }
  }

  /**
   * Inference. Returns one tensor, or [output, ...states] when the last layer has returnState
   * (and the return type says which, see {@link PredictOutput}).
   *
   * @example
   * ```ts
   * const p = model.predict(x);   // Tensor
   * p.data[0];
   * ```
   */
  predict(xIn: TensorLike, args: PredictArgs = {}): PredictOutput<L> {
    args = checkOptions(args, PREDICT_OPTIONS, `${this.name}.predict`);
    const end = this.begin('predict');
    try {
      return this.predictChecked(xIn, args);
    } finally {
      end();
    }
  }

  private predictChecked(xIn: TensorLike, args: PredictArgs): PredictOutput<L> {
    this.buildFromData(xIn);
    this.build();
    const x = checkX(xIn, this.inputSpec(), `${this.name}.predict`);
    const N = x.shape[0];
    const fixed = this.fixedBatch();
    assertReadAllowed(this, this.name, 'predict', fixed !== null);
    const bs = fixed ?? this.checkBatchSize(args.batchSize ?? 32, 'predict');
    if (fixed && N % fixed !== 0) {
      throw new Error(`${this.name}.predict: this stateful model has a fixed batch size ${fixed}; x has ${N} samples, not a multiple of it`);
    }
    const be = this.sync();
    const ctx = this.ctx(be, false, false);
    const last = this.layers[this.layers.length - 1];
    const outs: { shape: number[]; data: Float32Array }[] = [];
    const idx = rowIndices(N);
    for (let from = 0; from < N; from += bs) {
      const to = Math.min(N, from + bs);
      const a = this.forwardRows(ctx, x, idx, from, to);
      const acts = [a, ...last.extraOutputs()];
      const f = be.f32();
      acts.forEach((o, i) => {
        const row = prod(o.shape) / o.shape[0];
        if (!outs[i]) outs[i] = { shape: [N, ...o.shape.slice(1)], data: new Float32Array(N * row) };
        outs[i].data.set(f.subarray(o.ptr >>> 2, (o.ptr >>> 2) + (to - from) * row), from * row);
      });
    }
    const tensors = outs.map((o) => new Tensor(o.data, o.shape, 'float32'));
    return (tensors.length === 1 ? tensors[0] : tensors) as PredictOutput<L>;
  }

  /**
   * Mean loss (and metrics) over x, y. Like Keras, the loss is the mean of the batch
   * losses weighted by batch size; `sampleWeight` ([N] or [N, T]) weighs rows as in fit.
   */
  evaluate(xIn: TensorLike, yIn: TensorLike, args: EvaluateArgs = {}): Record<string, number> {
    args = checkOptions(args, EVALUATE_OPTIONS, `${this.name}.evaluate`);
    this.requireCompiled('evaluate');
    this.buildFromData(xIn);
    this.build();
    const x = checkX(xIn, this.inputSpec(), `${this.name}.evaluate`);
    const y = checkY(yIn, x.shape[0], this.targetSpec(), `${this.name}.evaluate`);
    assertReadAllowed(this, this.name, 'evaluate', this.fixedBatch() !== null);
    const w = this.rowWeights(args.sampleWeight, undefined, y, `${this.name}.evaluate`);
    const end = this.begin('evaluate');
    try {
      return this.evaluateChecked(x, y, this.fixedBatch() ?? this.checkBatchSize(args.batchSize ?? 32, 'evaluate'), w);
    } finally {
      end();
    }
  }

  /** @internal per-row weights from fit/evaluate's sampleWeight / classWeight (src/train/sample-weights.ts). */
  rowWeights(sampleWeight: unknown, classWeight: unknown, y: Tensor, who: string): Tensor | null {
    const out = this.outputShape();
    const R = out.length >= 3 ? y.shape[1] : 1;
    return rowWeights(sampleWeight, classWeight, y, this.loss!.sparse, this.outputCols(), R, who);
  }

  /** @internal evaluate on validated data. */
  evaluateChecked(x: Tensor, y: Tensor, bs: number, w: Tensor | null = null): Record<string, number> {
    const run = this.evalBegin();
    const N = x.shape[0];
    const idx = rowIndices(N);
    for (let from = 0; from < N; from += bs) this.evalRows(run, x, y, idx, from, Math.min(N, from + bs), w);
    return this.evalEnd(run);
  }

  /** @internal running sums of one evaluation (evaluate, validation, evaluateDataset's batches). */
  evalBegin(): EvalRun {
    return { lossSum: 0, samples: 0, acc: this.metricState() };
  }

  /** @internal add rows idx[from..to) of validated x, y (and row weights w) to an evaluation. */
  evalRows(run: EvalRun, x: Tensor, y: Tensor, idx: ArrayLike<number>, from: number, to: number, w: Tensor | null = null): void {
    const be = this.sync();
    const ctx = this.ctx(be, false, false);
    const out = this.forwardRows(ctx, x, idx, from, to);
    const { loss, weights } = this.lossRows(ctx, out, y, idx, from, to, false, w);
    run.lossSum += loss * (to - from); // Keras: the mean of the batch losses weighted by batch size
    run.samples += to - from;
    this.metricScores(be, out, y, idx, from, to, run.acc, weights);
  }

  /** @internal the evaluation's mean loss and metrics. */
  evalEnd(run: EvalRun): Record<string, number> {
    return { loss: run.lossSum / run.samples, ...this.metricLogs(run.acc) };
  }

  /** One optimizer step on the whole of x, y as one batch. Returns the loss before the step. */
  trainOnBatch(xIn: TensorLike, yIn: TensorLike): number {
    assertNotFitting(this, this.name, 'trainOnBatch');
    this.requireCompiled('trainOnBatch');
    this.buildFromData(xIn);
    this.build();
    const x = checkX(xIn, this.inputSpec(), `${this.name}.trainOnBatch`);
    const y = checkY(yIn, x.shape[0], this.targetSpec(), `${this.name}.trainOnBatch`);
    const end = this.begin('trainOnBatch');
    try {
      return this.stepChecked(x, y, rowIndices(x.shape[0]), 0, x.shape[0], true,
        { where: `${this.name}.trainOnBatch: on this batch (${x.shape[0]} samples, x ${shapeStr(x.shape)})` }).loss;
    } finally {
      end();
    }
  }

  /** @internal forward + backward (+ update) on validated rows idx[from..to). */
  stepChecked(x: Tensor, y: Tensor, idx: ArrayLike<number>, from: number, to: number, update: boolean,
              opts: { training?: boolean; carryState?: boolean; metricAcc?: Float64Array; weights?: Tensor | null; where?: string } = {}): { loss: number; rows: number } {
    const be = this.sync();
    const ctx = this.ctx(be, opts.training ?? true, true, opts.carryState ?? false);
    this.zeroGrads(be);
    const out = this.forwardRows(ctx, x, idx, from, to);
    const { loss, rows, weights } = this.lossRows(ctx, out, y, idx, from, to, true, opts.weights ?? null);
    if (opts.metricAcc) this.metricScores(be, out, y, idx, from, to, opts.metricAcc, weights);
    this.backwardAll(ctx);
    // after backward: the layers' kernels write their weight gradients, the penalty's adds to them
    if (hasWeightPenalties(this.placed)) weightPenalty(this.placed, be.f32(), this.store.params >>> 2, this.store.grads >>> 2);
    if (update) this.applyStep(be, loss, opts.where ?? `${this.name}.fit`);
    return { loss, rows };
  }

  /** Gradients of the loss w.r.t. every weight, without updating. */
  computeGradients(xIn: TensorLike, yIn: TensorLike, args: { training?: boolean } = {}): { loss: number; grads: WeightValue[] } {
    assertNotFitting(this, this.name, 'computeGradients');
    args = checkOptions(args, ['training'], `${this.name}.computeGradients`);
    this.requireCompiled('computeGradients');
    this.buildFromData(xIn);
    this.build();
    const x = checkX(xIn, this.inputSpec(), `${this.name}.computeGradients`);
    const y = checkY(yIn, x.shape[0], this.targetSpec(), `${this.name}.computeGradients`);
    const end = this.begin('computeGradients');
    try {
      const { loss } = this.stepChecked(x, y, rowIndices(x.shape[0]), 0, x.shape[0], false, { training: args.training ?? true });
      return { loss, grads: this.readBlock(this.store.grads) };
    } finally {
      end();
    }
  }

  /** Apply gradients (computeGradients' form and order) with the compiled optimizer. */
  applyGradients(grads: WeightValue[]): void {
    assertNotFitting(this, this.name, 'applyGradients');
    this.requireCompiled('applyGradients');
    this.build();
    this.checkWeightList(grads, 'applyGradients');
    const be = this.sync();
    this.writeBlock(this.store.grads, grads);
    this.applyStep(be, 0, `${this.name}.applyGradients`);
  }

  /**
   * One optimizer step over the whole block (weight decay, the update rule, then the layers'
   * constraints), applied only if everything stays finite (finite-step.ts).
   */
  private applyStep(be: Backend, loss: number, where: string): void {
    applyFiniteStep({
      be, params: this.store.params, grads: this.store.grads, n: this.nParams, optimizer: this.optimizer!,
      update: () => this.optimizerStep(),
      weightAt: (i) => this.placed.find((p) => i >= p.offset && i < p.offset + p.size)?.name ?? `element ${i}`,
    }, loss, where);
  }

  // ---------------------------------------- data-parallel training (src/parallel)

  /** @internal floats in the params (and grads) block: one flat layout, the same in every replica. */
  paramFloats(): number {
    this.build();
    return this.nParams;
  }

  /** @internal where each weight sits in the params block (floats); optimizer slots share it. */
  paramLayout(): { name: string; shape: number[]; offset: number; size: number }[] {
    this.build();
    return this.placed.map((p) => ({ name: p.name, shape: p.shape.slice(), offset: p.offset, size: p.size }));
  }

  /** @internal copy the whole params block into dst. */
  readParams(dst: Float32Array): void {
    const be = this.sync(), p = this.store.params >>> 2;
    dst.set(be.f32().subarray(p, p + this.nParams));
  }

  /** @internal overwrite the whole params block (a replica taking the caller's weights). */
  writeParams(src: Float32Array): void {
    const be = this.sync();
    be.f32().set(src.subarray(0, this.nParams), this.store.params >>> 2);
  }

  /** @internal copy the whole grads block into dst. */
  readGrads(dst: Float32Array): void {
    const be = this.sync(), g = this.store.grads >>> 2;
    dst.set(be.f32().subarray(g, g + this.nParams));
  }

  /** @internal grads ← w0·grads + Σ w·g (other chunks' gradients), then one optimizer step. */
  applyCombined(w0: number, parts: { w: number; g: Float32Array }[], loss = 0): void {
    const be = this.sync(), g0 = this.store.grads >>> 2, n = this.nParams;
    const G = be.f32().subarray(g0, g0 + n);
    if (parts.length === 1) {
      const a = parts[0].g, w = parts[0].w;
      for (let i = 0; i < n; i++) G[i] = w0 * G[i] + w * a[i];
    } else {
      for (let i = 0; i < n; i++) G[i] *= w0;
      for (const { w, g } of parts) for (let i = 0; i < n; i++) G[i] += w * g[i];
    }
    this.applyStep(be, loss, `${this.name}.fit`);
  }

  /**
   * Trains for `epochs` over x, y; yields to the event loop after every batch.
   *
   * @example
   * ```ts
   * const history = await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.2 });
   * ```
   */
  async fit(x: TensorLike, y: TensorLike, args: FitArgs = {}): Promise<History> {
    const end = beginFit(this, this.name); // synchronous: a second un-awaited fit is refused here
    try {
      this.requireCompiled('fit');
      this.buildFromData(x);
      this.build();
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

  /** @internal build from the first batch a dataset yields, as fit builds from x. */
  buildFor(x: TensorLike): void {
    this.buildFromData(x);
    this.build();
  }

  /** @internal for fit */
  checkData(xIn: TensorLike, yIn: TensorLike, who: string): { x: Tensor; y: Tensor } {
    const x = checkX(xIn, this.inputSpec(), `${this.name}.${who}`);
    const y = checkY(yIn, x.shape[0], this.targetSpec(), `${this.name}.${who}`);
    return { x, y };
  }

  /** @internal */
  checkBatchSize(bs: unknown, who: string): number {
    if (!Number.isInteger(bs) || (bs as number) <= 0) throw new Error(`${this.name}.${who}: batchSize must be a positive integer, got ${describe(bs)}`);
    return bs as number;
  }

  /** Fixed batch size of a stateful model, else null. */
  fixedBatch(): number | null {
    const stateful = this.layers.some((l) => l instanceof Recurrent && l.stateful);
    return stateful && this.inputShape && this.inputShape[0] !== null ? (this.inputShape[0] as number) : null;
  }

  /** Zero the state of stateful layers. */
  resetStates(): void {
    if (!this.be) return;
    for (const l of this.layers) l.resetStates(this.be);
  }

  /** @internal run validated x forward in inference mode, carrying recurrent state (truncated BPTT). */
  advanceState(x: Tensor): void {
    const be = this.sync();
    this.forwardRows(this.ctx(be, false, false, true), x, rowIndices(x.shape[0]), 0, x.shape[0]);
  }

  // ---------------------------------------------------------------- weights

  /** Every weight, in Keras order, as copies. */
  getWeights(): WeightValue[] {
    this.build();
    if (!this.be) {
      const v = this.initialValues();
      return this.placed.map((p, i) => ({ name: p.name, shape: p.shape.slice(), data: v[i].slice() }));
    }
    return this.readWeights();
  }

  private readWeights(): WeightValue[] {
    return this.readBlock(this.store.params);
  }

  private readBlock(base: number): WeightValue[] {
    const f = this.be!.f32();
    return this.placed.map((p) => ({ name: p.name, shape: p.shape.slice(), data: f.slice((base >>> 2) + p.offset, (base >>> 2) + p.offset + p.size) }));
  }

  private writeBlock(base: number, list: WeightValue[]): void {
    const f = this.be!.f32();
    this.placed.forEach((p, i) => f.set(list[i].data, (base >>> 2) + p.offset));
  }

  private checkWeightList(list: unknown, who: string): asserts list is readonly WeightValue[] {
    if (!Array.isArray(list)) throw new Error(`${this.name}.${who}: expected an array of { name, shape, data }, got ${describe(list)}`);
    if (list.length !== this.placed.length) {
      throw new Error(`${this.name}.${who}: expected ${this.placed.length} weights (${this.placed.map((p) => p.name).join(', ')}), got ${list.length}`);
    }
    list.forEach((w, i) => {
      const p = this.placed[i];
      const data = (w as WeightValue)?.data;
      const shape = (w as WeightValue)?.shape;
      if (!data || typeof (data as ArrayLike<number>).length !== 'number') {
        throw new Error(`${this.name}.${who}: weight ${i} (${p.name}): data must be a Float32Array or number array, got ${describe(data)}`);
      }
      if (shape && shapeStr(shape) !== shapeStr(p.shape)) {
        throw new Error(`${this.name}.${who}: weight ${i} (${p.name}) must have shape ${shapeStr(p.shape)}, got ${shapeStr(shape)}`);
      }
      if (data.length !== p.size) {
        throw new Error(`${this.name}.${who}: weight ${i} (${p.name}) must have ${p.size} values (shape ${shapeStr(p.shape)}), got ${data.length}`);
      }
      for (let j = 0; j < data.length; j++) {
        if (!Number.isFinite(data[j])) throw new Error(`${this.name}.${who}: weight ${i} (${p.name}) contains ${data[j]} at index ${j}`);
      }
    });
  }

  /** Same form and order as getWeights(). Validates everything before writing anything. */
  setWeights(list: WeightValue[]): void {
    assertNotFitting(this, this.name, 'setWeights');
    this.build();
    this.checkWeightList(list, 'setWeights');
    const values = list.map((w) => Float32Array.from(w.data));
    if (!this.be) {
      this.pending = values;
      return;
    }
    this.writeBlock(this.store.params, list.map((w, i) => ({ ...w, data: values[i] })));
  }

  /** Number of weights (floats) in the model. */
  countParams(): number {
    this.build();
    return this.placed.reduce((a, p) => a + p.size, 0);
  }

  /** Weight names in getWeights() order. */
  weightNames(): string[] {
    this.build();
    return this.placed.map((p) => p.name);
  }

  /** Keras-style table of layers, output shapes and parameter counts. */
  summary(lineLength = 65): string {
    this.build();
    const counts = new Map<Layer, number>();
    for (const p of this.placed) counts.set(p.layer, (counts.get(p.layer) ?? 0) + p.size);
    return `${summaryTable(this.name, this.layers, (l) => counts.get(l) ?? 0, lineLength)}\n${this.plannedBytesLine()}`;
  }

  /** Keras/tfjs-layers topology (what model.json's modelTopology holds). */
  toJSON(): Record<string, unknown> {
    this.build();
    const configs = this.layers.map((l, i) => {
      const c = l.toConfig();
      if (i === 0 && !('batch_input_shape' in c.config) && this.inputShape) {
        c.config.batch_input_shape = this.inputShape;
        c.config.dtype = 'float32';
      }
      return c;
    });
    const last = this.layers[this.layers.length - 1];
    const nOut = 1 + last.extraOutputShapes().length;
    if (nOut > 1) return functionalTopology(this.name, this.inputShape!, configs, last.name, nOut);
    return {
      class_name: 'Sequential',
      config: { name: this.name, layers: configs },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    };
  }

  /**
   * Save as a TensorFlow.js layers model: 'file://dir' (Node), 'indexeddb://name',
   * 'downloads://name', an http(s) URL (POST), or an IOHandler.
   */
  async save(target: import('../io/router.js').UrlOrHandler, opts: import('../io/save-model.js').SaveOptions = {}): Promise<import('../io/artifacts.js').SaveResult> {
    const { saveModel } = await import('../io/save-model.js');
    return saveModel(this, target, opts);
  }

  /**
   * The model's memory plan: every block and region it holds in backend memory (bytes, absolute
   * byte offsets), plus the backend's totals. `String(info)` / `info.text` is the printed map.
   */
  memoryInfo(): MemoryInfo {
    const plan = this.plan;
    const last = this.lastPlanned;
    const lines = [plan ? plan.toString(`${this.name} memory plan`) : `${this.name} memory plan: nothing placed (no call yet, or disposed)`];
    if (last && !plan?.has('workspace')) {
      lines.push(`  workspace released; last planned for ${shapeStr(last.shape)} (${last.training ? 'training' : 'inference'}): ${fmtBytes(last.bytes)}`);
    }
    const text = lines.join('\n');
    return {
      backend: this.be?.name ?? null,
      heapUsedBytes: this.be?.heapUsedBytes() ?? 0,
      memoryBytes: this.be?.memoryBytes() ?? 0,
      plannedBytes: plan?.totalBytes() ?? 0,
      regions: plan?.regions() ?? [],
      lastWorkspace: last ? { shape: last.shape.slice(), training: last.training, bytes: last.bytes } : null,
      text,
      toString: () => text,
    };
  }

  /** Bytes of the weights, optimizer and state blocks plus the last planned workspace. */
  private plannedBytesLine(): string {
    const plan = this.plan;
    const fixed = plan ? plan.totalBytes() - plan.bytes('workspace') : 0;
    const last = this.lastPlanned;
    if (!plan && !last) return 'Planned memory: none yet (placed at the first call)';
    const ws = last ? `, workspace ${fmtBytes(last.bytes)} for input ${shapeStr(last.shape)} (${last.training ? 'training' : 'inference'})` : '';
    return `Planned memory: ${fmtBytes(fixed + (last?.bytes ?? 0))} (weights/optimizer/state ${fmtBytes(fixed)}${ws})`;
  }
}

/** A single-chain functional Model (tfjs form) for models whose last layer returns its state. */
function functionalTopology(name: string, inputShape: Shape, configs: { class_name: string; config: Record<string, unknown> }[], lastName: string, nOut: number) {
  const layers: Record<string, unknown>[] = [{
    name: 'input', class_name: 'InputLayer',
    config: { batch_input_shape: inputShape, dtype: 'float32', sparse: false, name: 'input' }, inbound_nodes: [],
  }];
  let prev = 'input';
  for (const c of configs) {
    const config = { ...c.config };
    delete config.batch_input_shape;
    delete config.dtype;
    const layerName = config.name as string;
    layers.push({ name: layerName, class_name: c.class_name, config, inbound_nodes: [[[prev, 0, 0, {}]]] });
    prev = layerName;
  }
  return {
    class_name: 'Model',
    config: {
      name, layers, input_layers: [['input', 0, 0]],
      output_layers: Array.from({ length: nOut }, (_, i) => [lastName, 0, i]),
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}
