/**
 * The model engine (model-memory.ts → model-steps.ts → engine.ts) both `Sequential` (a chain) and `Model` (a functional graph) run on: one
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
import { backend } from '../../backend/index.js';
import type { Backend } from '../../backend/types.js';
import type { Layer, Ctx, ParamStore, Shape } from '../../layers/layer.js';
import { MemoryPlan, fmtBytes } from '../memory-plan.js';
import { drawInitialValues } from '../../initializers/draw.js';
import { initializerBackend } from '../../initializers.js';
import { Rng } from '../../util/random.js';
import type { Loss } from '../../losses.js';
import type { Metric } from '../../metrics.js';
import type { Optimizer } from '../../optimizers.js';
import { describe, shapeStr } from '../../names.js';
import type { DataParallel } from '../../parallel/data-parallel.js';
import { assertNotFitting } from '../guard.js';
import { ExecPlan } from './exec.js';
import type { Graph } from './topology.js';
import type { OutputTraining } from './outputs.js';
import type { WeightValue, MemoryInfo } from './model-types.js';

interface Placed {
  layer: Layer;
  name: string;
  shape: number[];
  size: number;
  offset: number;
}

const ALIGN_FLOATS = 4;
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** Element-wise equal lists (allocation-free: on the per-call path). */
function sameValues<T extends number | boolean>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
/** A workspace bigger than the call needs is kept while it is at most 2× or this much larger. */
const WORKSPACE_SLACK_BYTES = 64 * 2 ** 20;

/** A call the placed workspace serves as laid out (see wsServed). */
interface ServedCall {
  shapes: number[][];
  training: boolean;
  trainable: boolean[];
  /** shapes, mode and needDx as one string (the release rule in leave() compares it across calls) */
  key: string;
}

/**
 * Layers shared between models (Keras: inference encoder/decoder models built from a trained
 * model's layers). A layer's weights live in one model's block at a time: the model that used
 * it last ("holder"). A model about to use or read a layer held elsewhere copies the live
 * values into its own block and binds the layer to it, so every model sees the latest weights.
 * Each model keeps its own optimizer state.
 */
const holders = new WeakMap<Layer, ModelMemory>();

/** The memory side of a model: graph placement, weight blocks, workspace, state, weights I/O. See engine.ts. */
export abstract class ModelMemory {
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
  protected training: OutputTraining | null = null;
  protected placed: Placed[] = [];
  protected nParams = 0;
  protected be: Backend | null = null;
  protected store: ParamStore = { params: 0, grads: 0 };
  /** Owner of every block this model holds in `be` (null while nothing is placed). */
  protected plan: MemoryPlan | null = null;
  /** The workspace block's shapes, mode and flags; wsKey = the last call's (shapes, mode) it served. */
  protected wsCap: number[][] = [];
  protected wsTraining = false;
  protected wsNeedDx = '';
  protected wsKey = '';
  /**
   * The calls the placed workspace serves as laid out now: at most one per mode (training,
   * inference), all with the trainable flags of the last exec.refresh(). A call matching one
   * runs with no layout work, so alternating trainOnBatch and predict does not re-lay-out.
   */
  protected wsServed: ServedCall[] = [];
  /** The workspace key at the end of the previous public call (a repeated shape keeps its workspace). */
  protected lastCallKey = '';
  /** The public call running now (named in out-of-memory errors). */
  protected call = '';
  /** Shape and bytes of the last workspace planned (summary()). */
  protected lastPlanned: { shape: number[]; training: boolean; bytes: number } | null = null;
  /** Float counts of each layer view's state block. */
  protected stateSizes = new Map<Layer, { floats: number[]; ptrs: number[] }>();
  /** Optimizer state waiting for the next placement (a backend move whose placement failed). */
  protected pendingOpt: ReturnType<Optimizer['snapshot']> | undefined;
  /** Activity-regularizer gradients of the last training forward, per node. */
  protected activityGrads: (Float32Array | null)[] = [];
  /** Initial weights before the first placement (host copies). */
  protected pending: Float32Array[] | null = null;
  /** Input shapes of the current call (reused while they repeat). */
  protected callShapes: number[][] = [];
  /** Indices into `placed` of each layer's weights. */
  protected layerPlaced = new Map<Layer, number[]>();
  constructor(name: string, seed: number) {
    this.name = name;
    this.rng = new Rng(seed);
  }

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
    this.placed = specs; // before the graph: what is derived per graph (model-steps' graphFacts) reads both
    this.graph = g;
    const t = this.training;
    if (t) {
      // compiled before it was built: the outputs after the first take no loss
      for (let j = t.losses.length; j < g.outputs.length; j++) { t.losses.push(null); t.weights.push(1); t.metrics.push([]); }
    }
    this.exec = new ExecPlan(g, g.outputs.map((_, j) => !this.lossOnFirstOnly() || j === 0));
    this.nParams = Math.max(off, ALIGN_FLOATS);
  }

  /**
   * Initial values, drawn in getWeights() order from the model's stream, unless weights were given.
   * Initializer scratch is a transient block of the model's plan (a plan of its own before the weights are placed).
   */
  protected initialValues(): Float32Array[] {
    if (!this.pending) {
      const weights = this.graph!.layers.flatMap((l) => l.weightSpecs().map((w) => ({ name: `${l.name}/${w.name}`, shape: w.shape, init: w.init })));
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

  /** The backend for this call; moves weights and optimizer state if the selection changed. */
  protected sync(): Backend {
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
  protected takeShared(): void {
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
  protected placeOptimizer(state?: ReturnType<Optimizer['snapshot']>): void {
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

  protected release(): void {
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

  /** The steady-state test, allocation-free: a call the workspace serves as laid out now (same shapes, mode, trainable flags). */
  protected servedCall(shapes: number[][], training: boolean): ServedCall | null {
    const layers = this.graph!.layers;
    for (const c of this.wsServed) {
      if (c.training !== training || c.shapes.length !== shapes.length) continue;
      let same = true;
      for (let k = 0; same && k < shapes.length; k++) same = sameValues(c.shapes[k], shapes[k]);
      for (let i = 0; same && i < layers.length; i++) same = layers[i].trainable === c.trainable[i];
      if (same) return c;
    }
    return null;
  }

  protected forgetWorkspace(): void {
    this.wsServed = [];
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
  protected workspace(shapes: number[][], training: boolean): void {
    const plan = this.plan!, exec = this.exec!;
    const served = plan.has('workspace') ? this.servedCall(shapes, training) : null;
    if (served) {
      if (exec.clobbered()) plan.replay('workspace'); // a layer shared with another model was laid out there since
      this.wsKey = served.key;
      return;
    }
    try {
      this.layOut(shapes, training);
    } catch (e) {
      // measuring passes wrote the layers' pointers: nothing laid out may be trusted (the next call re-plans)
      this.forgetWorkspace();
      throw e;
    }
  }

  private layOut(shapes: number[][], training: boolean): void {
    const plan = this.plan!, exec = this.exec!;
    exec.refresh();
    const nd = exec.needDxKey();
    const call: ServedCall = {
      shapes: shapes.map((s) => s.slice()), training, trainable: this.graph!.layers.map((l) => l.trainable),
      key: `${shapes.map((s) => s.join('x')).join('+')}/${training ? 't' : 'i'}/${nd}`,
    };
    const need = plan.measure(exec.layout(shapes, training));
    const cheap = (bytes: number) => bytes <= Math.max(2 * need, need + WORKSPACE_SLACK_BYTES);
    const sameRank = this.wsCap.length === shapes.length && shapes.every((s, k) => s.length === this.wsCap[k].length) &&
      this.wsNeedDx === nd && plan.has('workspace');
    if (sameRank && shapes.every((s, k) => s.every((d, i) => d <= this.wsCap[k][i])) && (!training || this.wsTraining) && cheap(plan.bytes('workspace'))) {
      plan.replay('workspace');
      // the other mode's call stays served (same block, same layout) while the trainable flags are the same
      this.wsServed = this.wsServed.filter((c) => c.training !== training && sameValues(c.trainable, call.trainable));
      this.wsServed.push(call);
      this.wsKey = call.key;
      return;
    }
    let cap = shapes.map((s) => s.slice()), tr = training;
    if (sameRank) {
      const u = shapes.map((s, k) => s.map((d, i) => Math.max(d, this.wsCap[k][i]))), ut = training || this.wsTraining;
      if (cheap(plan.measure(exec.layout(u, ut)))) { cap = u; tr = ut; }
    }
    plan.place('workspace', { call: `${this.name}.${this.call || 'call'}`, shape: cap[0] }, exec.layout(cap, tr), cap[0][0]);
    this.wsServed = [call];
    this.wsCap = cap;
    this.wsTraining = tr;
    this.wsNeedDx = nd;
    this.wsKey = call.key;
    this.lastPlanned = { shape: cap[0], training: tr, bytes: plan.bytes('workspace') };
  }

  /**
   * Start of a public call (names it in errors); returns the function that ends it. A
   * one-off call whose workspace is large gives it back when it ends; a shape repeated
   * from the previous call keeps it (the steady state of a training loop).
   */
  protected begin(call: string): () => void {
    const outer = this.enter(call);
    return () => this.leave(outer);
  }

  /** begin() without the closure (the per-call path of a streaming predict): returns the outer call for leave(). */
  protected enter(call: string): string {
    const outer = this.call;
    this.call = call;
    return outer;
  }

  protected leave(outer: string): void {
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
  }

  protected ctx(be: Backend, training: boolean, grad: boolean, carryState = false): Ctx {
    return { be, k: be.k, training, grad, rng: this.rng, carryState, state: this.stateFn };
  }

  private readonly stateFn = (layer: Layer, floats: number[]): number[] => this.stateRegions(layer, floats);

  /** A layer view's persistent state regions ('state:<layer>' block), placed on first use or when the sizes change. */
  protected stateRegions(layer: Layer, floats: number[]): number[] {
    const had = this.stateSizes.get(layer);
    if (had && sameValues(had.floats, floats)) return had.ptrs;
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

  /** Zero the state of stateful layers. */
  resetStates(): void {
    if (!this.be) return;
    for (const v of this.exec!.views) v.clearStates(this.be);
  }

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

  protected readWeights(): WeightValue[] {
    return this.readBlock(this.store.params);
  }

  protected readBlock(base: number): WeightValue[] {
    const f = this.be!.f32();
    return this.placed.map((p) => ({ name: p.name, shape: p.shape.slice(), data: f.slice((base >>> 2) + p.offset, (base >>> 2) + p.offset + p.size) }));
  }

  protected writeBlock(base: number, list: WeightValue[]): void {
    const f = this.be!.f32();
    this.placed.forEach((p, i) => f.set(list[i].data, (base >>> 2) + p.offset));
  }

  protected checkWeightList(list: unknown, who: string): asserts list is readonly WeightValue[] {
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
