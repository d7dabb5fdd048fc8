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
import { backend } from '../../backend/index.js';
import type { Backend } from '../../backend/types.js';
import type { Layer, Act, Ctx, ParamStore, Shape } from '../../layers/layer.js';
import { MemoryPlan, fmtBytes, type RegionInfo } from '../memory-plan.js';
import { Embedding } from '../../layers/embedding.js';
import { Recurrent } from '../../layers/recurrent.js';
import { Tensor, type TensorLike } from '../../tensor.js';
import { Rng } from '../../util/random.js';
import { takeLoss, type Loss } from '../../losses.js';
import type { Metric } from '../../metrics.js';
import { weightPenalty, activityPenalty, addInto, applyConstraints, hasWeightPenalties, hasConstraints } from '../../train/penalties.js';
import { applyWeightDecay } from '../../optimizers/weight-decay.js';
import { getOptimizer, type Optimizer } from '../../optimizers.js';
import { checkX, checkY, gatherRows, rowIndices, type InputSpec, type TargetSpec } from '../data.js';
import { rowWeights } from '../../train/sample-weights.js';
import { describe, shapeStr } from '../../names.js';
import { fitLoop, type FitArgs, type History } from '../fit.js';
import type { DataParallel } from '../../parallel/data-parallel.js';
import { fitDatasetLoop, evaluateDatasetLoop, type Dataset, type FitDatasetArgs, type EvaluateDatasetArgs } from '../fit-dataset.js';
import { assertNotFitting, assertReadAllowed, beginFit } from '../guard.js';
import { applyFiniteStep } from '../finite-step.js';
import { ExecPlan } from './exec.js';
import type { Graph } from './topology.js';
import { compileOutputs, outputMetricState, updateOutput, outputLogs, type OutputTraining } from './outputs.js';
import type { LossIdentifier, MetricIdentifier, OptimizerIdentifier } from '../../util/identifiers.js';
import type { CustomLossSpec } from '../../losses.js';

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
  /** The last workspace planned (also after it was released); shape: the first input's. */
  lastWorkspace: { shape: number[]; training: boolean; bytes: number } | null;
  /** The printed map. */
  text: string;
  toString(): string;
}

/** One loss for every output, or (functional models) one per output: an array, or a record by output name (null: no loss). */
export type LossSpec = LossIdentifier | CustomLossSpec | Record<string, unknown>;
/** Options of `model.compile`: optimizer (name or instance), loss, metrics. */
export interface CompileArgs {
  optimizer: OptimizerIdentifier | Optimizer;
  /** A name ('mae', 'huber' …), { name, ...options } or a custom { name?, value, gradient } (src/losses/resolve.ts); per output: an array or a record by output name. */
  loss: LossSpec | (LossSpec | null)[];
  /** Names or { name, ...options } (src/metrics/resolve.ts); per output: an array of lists or a record by output name. */
  metrics?: (MetricIdentifier | Record<string, unknown>)[] | (MetricIdentifier | Record<string, unknown>)[][] | Record<string, (MetricIdentifier | Record<string, unknown>)[]>;
  /** Per-output weights of the total loss (Keras loss_weights): an array or a record by output name; default 1. */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Default true: a padding mask reaching the output (Embedding maskZero → recurrent
   * returnSequences) leaves masked steps out of the loss and metrics, as Keras does.
   * false: the TensorFlow.js behaviour (every step counts), which the fixtures record.
   */
  maskLoss?: boolean;
}
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics', 'lossWeights', 'maskLoss'] as const;
/** Options of predict and evaluate. */
export interface PredictArgs { batchSize?: number }
export const PREDICT_OPTIONS = ['batchSize'] as const;
/** Options of evaluate: `sampleWeight` ([N] or [N, T]) weighs rows as in fit. */
export interface EvaluateArgs { batchSize?: number; sampleWeight?: TensorLike }
export const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight'] as const;

/** Running sums of one evaluation. */
export interface EvalRun { lossSum: number; samples: number; acc: Float64Array }

/** x for a model: one tensor, one per input (array), or a record by input name. */
export type ModelInput = TensorLike | TensorLike[] | Record<string, TensorLike>;
/** y: one tensor, one per output (array; null for an output without a loss), or a record by output name. */
export type ModelTarget = TensorLike | (TensorLike | null)[] | Record<string, TensorLike>;

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

/**
 * Layers shared between models (Keras: inference encoder/decoder models built from a trained
 * model's layers). A layer's weights live in one model's block at a time: the model that used
 * it last ("holder"). A model about to use or read a layer held elsewhere copies the live
 * values into its own block and binds the layer to it, so every model sees the latest weights.
 * Each model keeps its own optimizer state.
 */
const holders = new WeakMap<Layer, ModelBase>();

const isTensorObject = (v: unknown): boolean => v instanceof Tensor || (v !== null && typeof v === 'object' && !Array.isArray(v) && 'data' in v && 'shape' in v);

export abstract class ModelBase {
  name: string;
  readonly layers: Layer[] = [];
  /** Set by callbacks (e.g. earlyStopping) to end fit() after the current epoch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  /** The loss of the first output that has one (what a single-output model trains). */
  loss: Loss | null = null;
  /** The metrics of that output. */
  metrics: Metric[] = [];
  /** compile({ maskLoss }). */
  maskLoss = true;
  /** @internal */ rng: Rng;
  /** @internal the data-parallel training workers (fit's `threads`), kept between fits. */
  parallel: DataParallel | null = null;

  /** @internal the graph, once built. */
  protected graph: Graph | null = null;
  protected exec: ExecPlan | null = null;
  private training: OutputTraining | null = null;
  private placed: Placed[] = [];
  private nParams = 0;
  private be: Backend | null = null;
  private store: ParamStore = { params: 0, grads: 0 };
  /** Owner of every block this model holds in `be` (null while nothing is placed). */
  private plan: MemoryPlan | null = null;
  /** The workspace block's shapes, mode and flags; wsKey = the last call's (shapes, mode) it served. */
  private wsCap: number[][] = [];
  private wsTraining = false;
  private wsNeedDx = '';
  private wsKey = '';
  private wsLast: { shapes: number[][]; training: boolean; trainable: boolean[] } | null = null;
  /** The workspace key at the end of the previous public call (a repeated shape keeps its workspace). */
  private lastCallKey = '';
  /** The public call running now (named in out-of-memory errors). */
  private call = '';
  /** Shape and bytes of the last workspace planned (summary()). */
  private lastPlanned: { shape: number[]; training: boolean; bytes: number } | null = null;
  /** Float counts of each layer view's state block. */
  private stateSizes = new Map<Layer, { floats: number[]; ptrs: number[] }>();
  /** Optimizer state waiting for the next placement (a backend move whose placement failed). */
  private pendingOpt: ReturnType<Optimizer['snapshot']> | undefined;
  /** Activity-regularizer gradients of the last training forward, per node. */
  private activityGrads: (Float32Array | null)[] = [];
  /** Initial weights before the first placement (host copies). */
  private pending: Float32Array[] | null = null;
  /** Input shapes of the current call (reused while they repeat). */
  private callShapes: number[][] = [];
  /** Indices into `placed` of each layer's weights. */
  private layerPlaced = new Map<Layer, number[]>();

  constructor(name: string, seed: number) {
    this.name = name;
    this.rng = new Rng(seed);
  }

  // ---------------------------------------------------------------- building

  /** Build the graph if it is not built yet (Sequential: from x's shape when no input shape was declared). */
  protected abstract prepare(x?: unknown): void;
  /** Which outputs take a loss: a Sequential trains its first output only. */
  protected abstract lossOnFirstOnly(): boolean;

  get built(): boolean {
    return this.graph !== null;
  }

  /** Place the graph's weights (called once the graph is known). */
  protected setGraph(g: Graph): void {
    const specs: Placed[] = [];
    let off = 0;
    for (const l of g.layers) {
      for (const w of l.weightSpecs()) {
        const size = prod(w.shape);
        specs.push({ layer: l, name: `${l.name}/${w.name}`, shape: w.shape, size, offset: off });
        off += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
      }
    }
    this.layerPlaced = new Map(g.layers.map((l) => [l, specs.map((p, i) => (p.layer === l ? i : -1)).filter((i) => i >= 0)]));
    this.graph = g;
    const t = this.training;
    if (t) {
      // compiled before it was built: the outputs after the first take no loss
      for (let j = t.losses.length; j < g.outputs.length; j++) { t.losses.push(null); t.weights.push(1); t.metrics.push([]); }
    }
    this.exec = new ExecPlan(g, g.outputs.map((_, j) => !this.lossOnFirstOnly() || j === 0));
    this.placed = specs;
    this.nParams = Math.max(off, ALIGN_FLOATS);
  }

  /** Initial values, drawn in getWeights() order from the model's stream, unless weights were given. */
  private initialValues(): Float32Array[] {
    if (!this.pending) {
      const values: Float32Array[] = [];
      for (const l of this.graph!.layers) for (const w of l.weightSpecs()) values.push(w.init.init(w.shape, this.rng));
      this.pending = values;
    }
    return this.pending;
  }

  /** @internal set weights on a freshly built model without ever running its initializers (loading). */
  setWeightsNoInit(list: readonly WeightValue[]): void {
    this.checkWeightList(list, 'loadWeights');
    if (this.be) throw new Error(`${this.name}: setWeightsNoInit is only for models that have not run yet`);
    this.pending = list.map((w) => Float32Array.from(w.data));
  }

  /** Input names (in order). */
  get inputNames(): string[] {
    this.prepare();
    return this.graph!.inputs.map((i) => i.layer.name);
  }

  /** Output names (in order): losses, metrics and targets may be given by these names. */
  get outputNames(): string[] {
    this.prepare();
    return this.graph!.outputNames.slice();
  }

  private inputSpecs(): InputSpec[] {
    const g = this.graph!;
    return g.inputs.map((inp) => {
      // int32 token ids when the input feeds an Embedding (the smallest inputDim bounds them)
      let ids: InputSpec['ids'] = null;
      for (const c of g.tensors[inp.tensor].consumers) {
        const l = g.nodes[c.node].layer;
        if (l instanceof Embedding && (!ids || l.inputDim < ids.inputDim)) ids = { layer: l.name, inputDim: l.inputDim };
      }
      return { shape: g.tensors[inp.tensor].shape, ids };
    });
  }

  /** @internal output j's shape (incl. batch). */
  outputShapeOf(j: number): Shape {
    const g = this.graph!;
    return g.tensors[g.outputs[j]].shape;
  }

  private targetSpec(j: number): TargetSpec {
    const l = this.training!.losses[j]!;
    return { shape: this.outputShapeOf(j), sparse: l.sparse, lossName: l.keras };
  }

  // ---------------------------------------------------- backend placement

  /** The backend for this call; moves weights and optimizer state if the selection changed. */
  private sync(): Backend {
    const be = backend();
    if (this.be === be) {
      const layers = this.graph!.layers;
      for (let i = 0; i < layers.length; i++) if (layers[i].store !== this.store) this.takeShared();
      return be;
    }
    if (this.be) {
      this.pending = this.readWeights().map((w) => w.data);
      if (this.optimizer && this.optimizer.isAttachedTo(this.be, this.nParams)) this.pendingOpt = this.optimizer.snapshot();
      this.release();
    }
    const plan = new MemoryPlan(be, this);
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
      if (this.optimizer) this.placeOptimizer(this.pendingOpt);
    } catch (e) {
      plan.dispose();
      this.plan = null;
      this.be = null;
      throw e;
    }
    // initializers run only once the weights are known to fit
    const values = this.initialValues();
    const f = be.f32();
    this.placed.forEach((p, i) => f.set(values[i], (this.store.params >>> 2) + p.offset));
    this.pending = null;
    this.pendingOpt = undefined;
    this.takeShared();
    return be;
  }

  /** @internal host copies of `layer`'s weights as this model holds them (its block, else its pending values). */
  layerValues(layer: Layer): Float32Array[] {
    const idx = this.layerPlaced.get(layer) ?? [];
    if (this.be) {
      const f = this.be.f32(), base = this.store.params >>> 2;
      return idx.map((i) => f.slice(base + this.placed[i].offset, base + this.placed[i].offset + this.placed[i].size));
    }
    const v = this.initialValues();
    return idx.map((i) => v[i].slice());
  }

  /**
   * Become the holder of every layer of this model: take the live values of layers another
   * model holds, and bind every layer to this model's block when it is placed (see `holders`).
   */
  private takeShared(): void {
    for (const l of this.graph!.layers) {
      const h = holders.get(l);
      const idx = this.layerPlaced.get(l)!;
      if (h && h !== this) {
        const vals = h.layerValues(l);
        if (this.be) {
          const f = this.be.f32(), base = this.store.params >>> 2;
          idx.forEach((i, j) => f.set(vals[j], base + this.placed[i].offset));
        } else {
          const v = this.initialValues();
          idx.forEach((i, j) => { v[i] = vals[j]; });
        }
      }
      holders.set(l, this);
      if (this.be && l.store !== this.store) l.bind(this.store, idx.map((i) => this.placed[i].offset));
    }
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
    for (const v of this.exec!.views) v.releaseState(be);
    this.optimizer?.detach();
    this.plan?.dispose();
    this.plan = null;
    this.forgetWorkspace();
    this.stateSizes.clear();
    this.store.params = this.store.grads = 0;
    this.be = null;
  }

  /** The steady-state test, allocation-free: same shapes, mode and trainable flags as the last call. */
  private sameAsLastCall(shapes: number[][], training: boolean): boolean {
    const c = this.wsLast;
    if (!c || c.training !== training || c.shapes.length !== shapes.length) return false;
    for (let k = 0; k < shapes.length; k++) {
      const a = c.shapes[k], b = shapes[k];
      if (a.length !== b.length) return false;
      for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
    }
    const layers = this.graph!.layers;
    for (let i = 0; i < layers.length; i++) if (layers[i].trainable !== c.trainable[i]) return false;
    return true;
  }

  private forgetWorkspace(): void {
    this.wsLast = null;
    this.wsCap = [];
    this.wsKey = '';
    this.wsNeedDx = '';
  }

  /**
   * Make sure the workspace fits inputs of `shapes` (batch first). Sized to the call: an
   * existing workspace is reused only while it is at most 2× (or 64 MiB) larger than this
   * call needs; otherwise it is re-planned for these shapes — or for the union with the
   * previous shapes when that costs as little (alternating shapes: a last partial batch,
   * validation batches, truncated-BPTT chunks), so steady state never re-plans.
   */
  private workspace(shapes: number[][], training: boolean): void {
    const plan = this.plan!, exec = this.exec!;
    if (this.sameAsLastCall(shapes, training) && plan.has('workspace')) {
      if (exec.clobbered()) plan.replay('workspace'); // a layer shared with another model was laid out there since
      return;
    }
    exec.refresh();
    const nd = exec.needDxKey();
    const key = `${shapes.map((s) => s.join('x')).join('+')}/${training ? 't' : 'i'}/${nd}`;
    this.wsLast = { shapes: shapes.map((s) => s.slice()), training, trainable: this.graph!.layers.map((l) => l.trainable) };
    const need = plan.measure(exec.layout(shapes, training));
    const cheap = (bytes: number) => bytes <= Math.max(2 * need, need + WORKSPACE_SLACK_BYTES);
    const sameRank = this.wsCap.length === shapes.length && shapes.every((s, k) => s.length === this.wsCap[k].length) &&
      this.wsNeedDx === nd && plan.has('workspace');
    if (sameRank && shapes.every((s, k) => s.every((d, i) => d <= this.wsCap[k][i])) && (!training || this.wsTraining) && cheap(plan.bytes('workspace'))) {
      plan.replay('workspace');
      this.wsKey = key;
      return;
    }
    let cap = shapes.map((s) => s.slice()), tr = training;
    if (sameRank) {
      const u = shapes.map((s, k) => s.map((d, i) => Math.max(d, this.wsCap[k][i]))), ut = training || this.wsTraining;
      if (cheap(plan.measure(exec.layout(u, ut)))) { cap = u; tr = ut; }
    }
    try {
      plan.place('workspace', { call: `${this.name}.${this.call || 'call'}`, shape: cap[0] }, exec.layout(cap, tr), cap[0][0]);
    } catch (e) {
      this.forgetWorkspace();
      throw e;
    }
    this.wsCap = cap;
    this.wsTraining = tr;
    this.wsNeedDx = nd;
    this.wsKey = key;
    this.lastPlanned = { shape: cap[0], training: tr, bytes: plan.bytes('workspace') };
  }

  /**
   * Start of a public call (names it in errors); returns the function that ends it. A
   * one-off call whose workspace is large gives it back when it ends; a shape repeated
   * from the previous call keeps it (the steady state of a training loop).
   */
  protected begin(call: string): () => void {
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

  /** A layer view's persistent state regions ('state:<layer>' block), placed on first use or when the sizes change. */
  private stateRegions(layer: Layer, floats: number[]): number[] {
    const had = this.stateSizes.get(layer);
    if (had && had.floats.length === floats.length && had.floats.every((n, i) => n === floats[i])) return had.ptrs;
    const exec = this.exec!;
    const at = exec.views.indexOf(layer);
    const label = at >= 0 ? exec.labels[at] : layer.name;
    const name = `state:${label}`;
    const plan = this.plan!;
    this.stateSizes.delete(layer);
    plan.place(name, { call: `${this.name}.${this.call || 'call'}`, shape: [] }, (ws) => {
      ws.owner = label;
      floats.forEach((n, i) => ws.alloc(n, floats.length === 1 ? 'h' : ['h', 'c'][i] ?? `s${i}`));
    });
    const ptrs = plan.pointers(name);
    this.stateSizes.set(layer, { floats: floats.slice(), ptrs });
    return ptrs;
  }

  /** Copy rows of every input into its buffer and run every node. */
  private forwardRows(ctx: Ctx, xs: Tensor[], idx: ArrayLike<number>, from: number, to: number): void {
    const B = to - from;
    const shapes = this.callShapes;
    shapes.length = xs.length;
    for (let k = 0; k < xs.length; k++) {
      const s = xs[k].shape, cur = shapes[k];
      // reuse the previous call's shape arrays while they match (the steady state)
      let same = cur !== undefined && cur.length === s.length && cur[0] === B;
      for (let i = 1; same && i < s.length; i++) same = cur[i] === s[i];
      if (!same) shapes[k] = [B, ...s.slice(1)];
    }
    this.workspace(shapes, ctx.grad);
    const exec = this.exec!;
    for (let k = 0; k < xs.length; k++) {
      const view = xs[k].dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
      gatherRows(xs[k], idx, from, to, view, exec.inBufs[k] >>> 2);
    }
    exec.forward(ctx, shapes);
  }

  /**
   * Loss (and dLoss into dPBufs when training) for the last forward's outputs and target rows,
   * with sample weights and the output masks (src/losses/reduce.ts), weighted per output, plus
   * the layers' regularization penalties (src/train/penalties.ts). `rows` is the loss's
   * denominator (valid rows under a mask) of the first loss output: batches and data-parallel
   * chunks combine exactly when weighted by it. With `acc`, the metrics are updated too.
   */
  private lossRows(ctx: Ctx, ys: (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, withGrad: boolean,
                   w: Tensor | null, acc: Float64Array | undefined): { loss: number; rows: number } {
    const t = this.training!, exec = this.exec!, g = this.graph!;
    let total = 0, rows0 = -1;
    for (let j = 0; j < g.outputs.length; j++) {
      const lossFn = t.losses[j];
      if (!lossFn) continue;
      const out = exec.acts[g.outputs[j]], y = ys[j]!;
      const cols = out.shape[out.shape.length - 1];
      const rows = prod(out.shape) / cols;
      const view = y.dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
      const Y = exec.tgtBufs[j], dP = withGrad ? exec.dPBufs[j] : 0;
      gatherRows(y, idx, from, to, view, Y >>> 2);
      let weights: Float32Array | null = null;
      if (w) {
        weights = new Float32Array(rows);
        gatherRows(w, idx, from, to, weights, 0);
      }
      const mask = this.maskLoss && out.mask ? ctx.be.f32().slice(out.mask >>> 2, (out.mask >>> 2) + rows) : null;
      const r = takeLoss({ be: ctx.be, loss: lossFn, P: out.ptr, Y, dP, rows, cols, weights, mask });
      const lw = t.weights[j];
      if (dP && lw !== 1) {
        const f = ctx.be.f32(), d0 = dP >>> 2;
        for (let i = 0; i < rows * cols; i++) f[d0 + i] *= lw;
      }
      total += lw * r.loss;
      if (rows0 < 0) rows0 = r.count;
      if (acc) {
        const mw = mask && weights ? weights.map((v, i) => v * mask[i]) : mask ?? weights;
        this.metricScores(ctx.be, j, out, y, idx, from, to, acc, mw, r.loss, to - from);
      }
    }
    return { loss: total + this.penalties(ctx.be, withGrad), rows: rows0 };
  }

  /** Weight and activity regularization: the penalty; with withGrad, the activity gradients (backward adds them). */
  private penalties(be: Backend, withGrad: boolean): number {
    const w = hasWeightPenalties(this.placed) ? weightPenalty(this.placed, be.f32(), this.store.params >>> 2, -1) : 0;
    const a = activityPenalty(this.exec!.nodeLayers, this.exec!.nodeOuts, be.f32(), withGrad);
    this.activityGrads = a.grads;
    return w + a.value;
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

  private zeroGrads(be: Backend): void {
    be.f32().fill(0, this.store.grads >>> 2, (this.store.grads >>> 2) + this.nParams);
  }

  /** Add output j of this batch to the metrics' streaming state (`weights`: sample weight × mask per row, or null). */
  private metricScores(be: Backend, j: number, out: Act, y: Tensor, idx: ArrayLike<number>, from: number, to: number,
                       acc: Float64Array, weights: Float32Array | null, loss: number, samples: number): void {
    const t = this.training!;
    if (t.single >= 0 && !t.metrics[j].length) return;
    const cols = out.shape[out.shape.length - 1];
    const rows = prod(out.shape) / cols;
    let pred: Float32Array = new Float32Array(0), tgt: Float32Array | Int32Array = pred;
    if (t.metrics[j].length) {
      pred = be.f32().slice(out.ptr >>> 2, (out.ptr >>> 2) + rows * cols);
      const rowT = y.size / y.shape[0];
      tgt = y.dtype === 'int32' ? new Int32Array((to - from) * rowT) : new Float32Array((to - from) * rowT);
      gatherRows(y, idx, from, to, tgt, 0);
    }
    updateOutput(t, this.outputCols(), acc, j, loss, samples, pred, tgt, weights, rows);
  }

  /** @internal zeroed streaming state for the compiled metrics. */
  metricState(): Float64Array {
    return outputMetricState(this.training!, this.outputCols());
  }

  /** @internal logs entries of a metric state. */
  metricLogs(state: Float64Array): Record<string, number> {
    return outputLogs(this.training!, this.outputCols(), state, this.graph!.outputNames);
  }

  private outputCols(): number[] {
    return this.graph!.outputs.map((_, j) => {
      const s = this.outputShapeOf(j);
      return s[s.length - 1] as number;
    });
  }

  // ---------------------------------------------------------------- data

  /** x as one tensor per input: a tensor (one input), an array (one per input) or a record by input name. */
  private inputList(xIn: unknown, who: string): TensorLike[] {
    const g = this.graph!, names = g.inputs.map((i) => i.layer.name), n = names.length;
    const want = () => `${n} input${n > 1 ? 's' : ''} (${names.map((s) => `'${s}'`).join(', ')})`;
    if (Array.isArray(xIn) && (n > 1 || (xIn.length === 1 && isTensorObject(xIn[0])))) {
      if (xIn.length !== n) throw new Error(`${who}: the model has ${want()}; x must be an array of ${n} tensors, one per input, got an array of ${xIn.length}`);
      return xIn as TensorLike[];
    }
    if (xIn !== null && typeof xIn === 'object' && !Array.isArray(xIn) && !isTensorObject(xIn)) {
      const rec = xIn as Record<string, TensorLike>;
      for (const k of Object.keys(rec)) if (!names.includes(k)) throw new Error(`${who}: x has no input named '${k}'; the model has ${want()}`);
      return names.map((name) => {
        if (!Object.prototype.hasOwnProperty.call(rec, name)) throw new Error(`${who}: x is missing input '${name}'; the model has ${want()}`);
        return rec[name];
      });
    }
    if (n > 1) throw new Error(`${who}: the model has ${want()}; give x as an array of ${n} tensors (or a record by input name), got ${describe(xIn)}`);
    return [xIn as TensorLike];
  }

  /** y as one tensor (or null) per output. */
  private targetList(yIn: unknown, who: string): (TensorLike | null)[] {
    const g = this.graph!, names = g.outputNames, n = names.length, t = this.training!;
    const lossOuts = names.filter((_, j) => t.losses[j]);
    if (this.lossOnFirstOnly()) return names.map((_, j) => (j === 0 ? yIn as TensorLike : null));
    const want = () => `${n} output${n > 1 ? 's' : ''} (${names.map((s) => `'${s}'`).join(', ')})`;
    if (Array.isArray(yIn) && (n > 1 || (yIn.length === 1 && isTensorObject(yIn[0])))) {
      if (yIn.length !== n) throw new Error(`${who}: the model has ${want()}; y must be an array of ${n} tensors, one per output, got an array of ${yIn.length}`);
      return yIn.map((v, j) => (t.losses[j] ? v as TensorLike : null));
    }
    if (yIn !== null && typeof yIn === 'object' && !Array.isArray(yIn) && !isTensorObject(yIn)) {
      const rec = yIn as Record<string, TensorLike>;
      for (const k of Object.keys(rec)) if (!names.includes(k)) throw new Error(`${who}: y has no output named '${k}'; the model has ${want()}`);
      return names.map((name, j) => {
        if (!t.losses[j]) return null;
        if (!Object.prototype.hasOwnProperty.call(rec, name)) throw new Error(`${who}: y is missing output '${name}' (it has a loss)`);
        return rec[name];
      });
    }
    if (lossOuts.length > 1) throw new Error(`${who}: the model has ${want()} with losses; give y as an array (one per output) or a record by output name, got ${describe(yIn)}`);
    return names.map((_, j) => (t.losses[j] ? yIn as TensorLike : null));
  }

  /** Validated inputs (same number of samples each). */
  private checkInputs(xIn: unknown, who: string): Tensor[] {
    const specs = this.inputSpecs(), list = this.inputList(xIn, who), names = this.graph!.inputs.map((i) => i.layer.name);
    const xs = list.map((x, k) => checkX(x, specs[k], list.length > 1 ? `${who}: input '${names[k]}'` : who));
    xs.forEach((x, k) => {
      if (x.shape[0] !== xs[0].shape[0]) {
        throw new Error(`${who}: every input needs the same number of samples: '${names[0]}' has ${xs[0].shape[0]}, '${names[k]}' has ${x.shape[0]}`);
      }
    });
    return xs;
  }

  private checkTargets(yIn: unknown, n: number, who: string): (Tensor | null)[] {
    const list = this.targetList(yIn, who), names = this.graph!.outputNames, multi = names.length > 1 && !this.lossOnFirstOnly();
    return list.map((y, j) => (y === null ? null : checkY(y, n, this.targetSpec(j), multi ? `${who}: output '${names[j]}'` : who)));
  }

  /** @internal for fit: validated inputs and targets. */
  checkData(xIn: unknown, yIn: unknown, who: string): { x: Tensor[]; y: (Tensor | null)[] } {
    const x = this.checkInputs(xIn, `${this.name}.${who}`);
    const y = this.checkTargets(yIn, x[0].shape[0], `${this.name}.${who}`);
    return { x, y };
  }

  /** @internal */
  checkBatchSize(bs: unknown, who: string): number {
    if (!Number.isInteger(bs) || (bs as number) <= 0) throw new Error(`${this.name}.${who}: batchSize must be a positive integer, got ${describe(bs)}`);
    return bs as number;
  }

  /** @internal build from the first batch a dataset yields, as fit builds from x. */
  buildFor(x: unknown): void {
    this.prepare(x);
  }

  /** Fixed batch size of a stateful model, else null. */
  fixedBatch(): number | null {
    if (!this.graph) return null;
    const stateful = this.graph.layers.some((l) => l instanceof Recurrent && l.stateful);
    const b = this.graph.tensors[this.graph.inputs[0].tensor].shape[0];
    return stateful && b !== null ? b : null;
  }

  /** Zero the state of stateful layers. */
  resetStates(): void {
    if (!this.be) return;
    for (const v of this.exec!.views) v.clearStates(this.be);
  }

  /** @internal run validated x forward in inference mode, carrying recurrent state (truncated BPTT). */
  advanceState(x: Tensor | Tensor[]): void {
    const be = this.sync();
    const xs = Array.isArray(x) ? x : [x];
    this.forwardRows(this.ctx(be, false, false, true), xs, rowIndices(xs[0].shape[0]), 0, xs[0].shape[0]);
  }

  // ---------------------------------------------------------------- steps

  /** @internal forward + backward (+ update) on validated rows idx[from..to). */
  stepChecked(x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, update: boolean,
              opts: { training?: boolean; carryState?: boolean; metricAcc?: Float64Array; weights?: Tensor | null; where?: string } = {}): { loss: number; rows: number } {
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : this.graph!.outputs.map((_, j) => (j === 0 ? y : null));
    const be = this.sync();
    const ctx = this.ctx(be, opts.training ?? true, true, opts.carryState ?? false);
    this.zeroGrads(be);
    this.forwardRows(ctx, xs, idx, from, to);
    const { loss, rows } = this.lossRows(ctx, ys, idx, from, to, true, opts.weights ?? null, opts.metricAcc);
    this.exec!.backward(ctx, this.activityGrads, addInto);
    // after backward: the layers' kernels write their weight gradients, the penalty's adds to them
    if (hasWeightPenalties(this.placed)) weightPenalty(this.placed, be.f32(), this.store.params >>> 2, this.store.grads >>> 2);
    if (update) this.applyStep(be, loss, opts.where ?? `${this.name}.fit`);
    return { loss, rows };
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
    this.prepare();
    return this.nParams;
  }

  /** @internal where each weight sits in the params block (floats); optimizer slots share it. */
  paramLayout(): { name: string; shape: number[]; offset: number; size: number }[] {
    this.prepare();
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

  /** @internal whether fit may split batches across workers (one input, one trained output). */
  singleIO(): boolean {
    const g = this.graph!;
    return g.inputs.length === 1 && (this.lossOnFirstOnly() || g.outputs.length === 1);
  }

  // ---------------------------------------------------------------- training

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

  // ---------------------------------------------------------------- weights

  /** Every weight, in Keras order, as copies. */
  getWeights(): WeightValue[] {
    this.prepare();
    this.takeShared();
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
    this.prepare();
    this.checkWeightList(list, 'setWeights');
    const values = list.map((w) => Float32Array.from(w.data));
    this.takeShared(); // the new values become the live ones of every layer, also those shared with other models
    if (!this.be) {
      this.pending = values;
      return;
    }
    this.writeBlock(this.store.params, list.map((w, i) => ({ ...w, data: values[i] })));
  }

  /** Number of weights (floats) in the model. */
  countParams(): number {
    this.prepare();
    return this.placed.reduce((a, p) => a + p.size, 0);
  }

  /** Weight names in getWeights() order. */
  weightNames(): string[] {
    this.prepare();
    return this.placed.map((p) => p.name);
  }

  /** @internal parameter count per layer (summary). */
  protected paramCounts(): Map<Layer, number> {
    const counts = new Map<Layer, number>();
    for (const p of this.placed) counts.set(p.layer, (counts.get(p.layer) ?? 0) + p.size);
    return counts;
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
  predict(xIn: ModelInput, args: PredictArgs = {}): Tensor | Tensor[] {
    args = checkOptions(args, PREDICT_OPTIONS, `${this.name}.predict`);
    const end = this.begin('predict');
    try {
      return this.predictChecked(xIn, args);
    } finally {
      end();
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
    const idx = rowIndices(N);
    for (let from = 0; from < N; from += bs) {
      const to = Math.min(N, from + bs);
      this.forwardRows(ctx, xs, idx, from, to);
      const f = be.f32();
      g.outputs.forEach((t, i) => {
        const o = exec.acts[t];
        const row = prod(o.shape) / o.shape[0];
        if (!outs[i]) outs[i] = { shape: [N, ...o.shape.slice(1)], data: new Float32Array(N * row) };
        outs[i].data.set(f.subarray(o.ptr >>> 2, (o.ptr >>> 2) + (to - from) * row), from * row);
      });
    }
    const tensors = outs.map((o) => new Tensor(o.data, o.shape, 'float32'));
    return tensors.length === 1 ? tensors[0] : tensors;
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

  /** @internal per-row weights from fit/evaluate's sampleWeight / classWeight (src/train/sample-weights.ts). */
  rowWeights(sampleWeight: unknown, classWeight: unknown, y: Tensor | (Tensor | null)[], who: string): Tensor | null {
    if (sampleWeight === undefined && classWeight === undefined) return null;
    const ys = Array.isArray(y) ? y : [y];
    const j = ys.findIndex((t) => t !== null);
    if (ys.filter((t) => t !== null).length > 1) {
      throw new Error(`${who}: sampleWeight / classWeight are not supported for a model with several outputs that have losses yet; use lossWeights, or one model per output`);
    }
    const out = this.outputShapeOf(j);
    const R = out.length >= 3 ? ys[j]!.shape[1] : 1;
    return rowWeights(sampleWeight, classWeight, ys[j]!, this.training!.losses[j]!.sparse, this.outputCols()[j], R, who);
  }

  /** @internal evaluate on validated data. */
  evaluateChecked(x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], bs: number, w: Tensor | null = null): Record<string, number> {
    const run = this.evalBegin();
    const xs = Array.isArray(x) ? x : [x];
    const N = xs[0].shape[0];
    const idx = rowIndices(N);
    for (let from = 0; from < N; from += bs) this.evalRows(run, xs, y, idx, from, Math.min(N, from + bs), w);
    return this.evalEnd(run);
  }

  /** @internal running sums of one evaluation (evaluate, validation, evaluateDataset's batches). */
  evalBegin(): EvalRun {
    return { lossSum: 0, samples: 0, acc: this.metricState() };
  }

  /** @internal add rows idx[from..to) of validated x, y (and row weights w) to an evaluation. */
  evalRows(run: EvalRun, x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, w: Tensor | null = null): void {
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : this.graph!.outputs.map((_, j) => (j === 0 ? y : null));
    const be = this.sync();
    const ctx = this.ctx(be, false, false);
    this.forwardRows(ctx, xs, idx, from, to);
    const { loss } = this.lossRows(ctx, ys, idx, from, to, false, w, run.acc);
    run.lossSum += loss * (to - from); // Keras: the mean of the batch losses weighted by batch size
    run.samples += to - from;
  }

  /** @internal the evaluation's mean loss and metrics. */
  evalEnd(run: EvalRun): Record<string, number> {
    return { loss: run.lossSum / run.samples, ...this.metricLogs(run.acc) };
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
        { where: `${this.name}.trainOnBatch: on this batch (${N} samples, x ${x.map((t) => shapeStr(t.shape)).join(', ')})` }).loss;
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
  protected plannedBytesLine(): string {
    const plan = this.plan;
    const fixed = plan ? plan.totalBytes() - plan.bytes('workspace') : 0;
    const last = this.lastPlanned;
    if (!plan && !last) return 'Planned memory: none yet (placed at the first call)';
    const ws = last ? `, workspace ${fmtBytes(last.bytes)} for input ${shapeStr(last.shape)} (${last.training ? 'training' : 'inference'})` : '';
    return `Planned memory: ${fmtBytes(fixed + (last?.bytes ?? 0))} (weights/optimizer/state ${fmtBytes(fixed)}${ws})`;
  }
}
