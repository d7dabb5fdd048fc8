/**
 * Layer base class and the runtime structures layers share.
 *
 * Life cycle: construct (config only) → build(inputShape) decides weight
 * shapes → the model places weights in one flat parameter block (getWeights()
 * order; gradients in the same layout) → plan(ws, shape) reserves this layer's
 * activation/cache buffers for one call shape → forward / backward run kernels
 * on pointers. Layers never allocate while running.
 *
 * How a layer gets memory (one MemoryPlan per model owns every byte; see
 * src/models/memory-plan.ts). A layer never calls `be.alloc`/`be.free`:
 *
 * - Parameters and gradients: declare them in `weightSpecs()`. The model lays
 *   every weight out in its `weights` block (params, then grads in the same
 *   layout) and calls `bind(store, offsets)`; read them with `this.w(i)` and
 *   `this.g(i)`. Nothing else to do.
 * - Activations, caches, backward work, masks, scratch: reserve them in
 *   `plan(ws, inShape, training, needDx)` with `ws.alloc(floats, 'label')`,
 *   which returns the byte pointer to keep in a field. The model runs plan()
 *   TWICE per placement (once to measure, once to place at the real address),
 *   so plan() must be deterministic and must not touch memory or keep anything
 *   but the returned pointers. The block is zero-filled when placed and lives
 *   until the next re-plan (a new call shape) or dispose(); every pointer from
 *   an earlier plan() is invalid after the next one. Element counts are for
 *   THIS call's shape (inShape[0] is the batch of this call, or larger).
 * - Persistent state that must survive re-plans (recurrent state, stateful
 *   layers): `ctx.state(this, [floats, …])` during forward returns pointers to
 *   zero-filled regions that stay put until the size changes, the model moves
 *   backend or is disposed. Forget them in `releaseState()`.
 * - Labels appear in `model.memoryInfo()` as `<layer>/<label>`.
 *
 * Offsets are unsigned byte pointers up to 4 GiB: index views with `ptr >>> 2`.
 */
import type { Backend, Kernels } from '../backend/types.js';
import type { Initializer } from '../initializers.js';
import { serializeInitializer } from '../initializers.js';
import type { Rng } from '../util/random.js';
import { describe } from '../names.js';
import { NO_PENALTIES, penaltyConfig, readPenalties, type Penalties } from '../train/penalties.js';
import { applyLayer, type ApplyArgs } from '../models/graph/apply.js';
import type { SymbolicTensor, SymbolicOutput } from '../models/graph/symbolic.js';

/** Keras shapes including the batch dimension (null = any). */
export type Shape = (number | null)[];

export interface WeightSpec {
  /** Keras weight name inside the layer: 'kernel', 'recurrent_kernel', 'bias', 'embeddings', or 'forward_lstm/kernel'. */
  name: string;
  shape: number[];
  init: Initializer;
}

/** An activation in backend memory: pointer, concrete shape, optional f32 [B,T] mask. */
export interface Act {
  ptr: number;
  shape: number[];
  mask: number;
}

/** Where a model's flat parameter / gradient blocks live now (they move when the backend changes). */
export interface ParamStore {
  params: number;
  grads: number;
}

/** Per-call runtime context. */
export interface Ctx {
  be: Backend;
  k: Kernels;
  /** Training-mode behaviour (dropout active). */
  training: boolean;
  /** Keep what backward needs (recurrent caches); independent of `training`. */
  grad: boolean;
  rng: Rng;
  /** Truncated BPTT: recurrent layers start from, and keep, their carried state. */
  carryState: boolean;
  /**
   * Persistent zero-filled regions of these float counts for `layer` (recurrent state), kept
   * across calls while the counts stay the same; see the file comment.
   */
  state(layer: Layer, floats: number[]): number[];
}

/** One region reserved in a Workspace: offset from the start of its block, in bytes. */
export interface Region {
  name: string;
  offset: number;
  bytes: number;
}

/** Region alignment inside a block (cache line; ≥ the 16 bytes f32x4 wants). */
export const REGION_ALIGN = 64;

/**
 * Reserves named regions inside one contiguous block (a MemoryPlan runs the same
 * reservations twice: with base = REGION_ALIGN to measure, then at the real address).
 */
export class Workspace {
  readonly regions: Region[] = [];
  /** Name prefix for the regions reserved next (the plan sets it to each layer's name). */
  owner = '';
  private used = 0;
  constructor(readonly be: Backend, readonly batchCap: number, private readonly base: number) {}
  /** Zero-filled float32 (or int32) buffer of n elements; returns its byte pointer. */
  alloc(n: number, label = `buffer${this.regions.length}`): number {
    const bytes = Math.ceil((Math.max(1, n) * 4) / REGION_ALIGN) * REGION_ALIGN;
    const offset = this.used;
    this.used += bytes;
    this.regions.push({ name: this.owner ? `${this.owner}/${label}` : label, offset, bytes });
    return this.base + offset;
  }
  /** Bytes reserved so far. */
  get bytes(): number {
    return this.used;
  }
}

let nameCounters = new Map<string, number>();
/** Keras-style unique default names: lstm, lstm_1, lstm_2 … */
export function uniqueName(base: string): string {
  const n = nameCounters.get(base) ?? 0;
  nameCounters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}
export function resetNameCounters(): void {
  nameCounters = new Map();
}

export interface BaseLayerArgs {
  name?: string;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  batchSize?: number;
  inputLength?: number;
  trainable?: boolean;
  /** Regularizers and constraints (src/train/penalties.ts lists which classes take which). */
  kernelRegularizer?: unknown; recurrentRegularizer?: unknown; biasRegularizer?: unknown; embeddingsRegularizer?: unknown;
  activityRegularizer?: unknown; kernelConstraint?: unknown; recurrentConstraint?: unknown; biasConstraint?: unknown;
  embeddingsConstraint?: unknown;
}
/** The option keys every layer factory accepts (unknown keys throw: util/options.ts). */
export const BASE_LAYER_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'inputLength', 'trainable',
  // which layer classes take which is checked by readPenalties (src/train/penalties.ts)
  'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'embeddingsRegularizer', 'activityRegularizer',
  'kernelConstraint', 'recurrentConstraint', 'biasConstraint', 'embeddingsConstraint'] as const;

export abstract class Layer {
  readonly className: string;
  name: string;
  trainable = true;
  /** Declared input shape including batch (from inputShape/batchInputShape), if any. */
  batchInputShape: Shape | null = null;
  inputShape: Shape | null = null;
  outputShape: Shape | null = null;
  built = false;
  /** Offsets (in floats) of this layer's weights inside the model's parameter block. */
  offsets: number[] = [];
  store: ParamStore | null = null;
  /** Regularizers and constraints of this layer's weights and output. */
  penalties: Penalties = NO_PENALTIES;

  constructor(className: string, defaultName: string, args: BaseLayerArgs) {
    this.className = className;
    if (args.name !== undefined && (typeof args.name !== 'string' || !args.name)) {
      throw new Error(`${className}: name must be a non-empty string, got ${describe(args.name)}`);
    }
    this.name = args.name ?? uniqueName(defaultName);
    if (args.trainable === false) this.trainable = false;
    this.penalties = readPenalties(className, args as Record<string, unknown>, this.name);
    // an Embedding's input is [batch, time] of ids: its last dimension is the free time axis
    const ids = className === 'Embedding';
    if (args.batchInputShape) this.batchInputShape = checkShape(args.batchInputShape, `${this.name}: batchInputShape`, true, ids);
    else if (args.inputShape) {
      const s = checkShape(args.inputShape, `${this.name}: inputShape`, false, ids);
      this.batchInputShape = [args.batchSize ?? null, ...s];
    }
  }

  /** Weight shapes for an input shape; also sets outputShape. */
  build(inputShape: Shape): void {
    this.inputShape = inputShape;
    this.outputShape = this.computeOutputShape(inputShape);
    this.built = true;
  }

  abstract computeOutputShape(inputShape: Shape): Shape;
  /** Weights in Keras/tfjs order. */
  weightSpecs(): WeightSpec[] {
    return [];
  }
  /** Extra outputs (returnState): shapes of outputs[1..]. */
  extraOutputShapes(): Shape[] {
    return [];
  }

  /** Keras-style config (snake_case), without the common fields added by toConfig(). */
  protected abstract kerasConfig(): Record<string, unknown>;

  /** The layer's Keras/tfjs topology entry. */
  toConfig(): { class_name: string; config: Record<string, unknown> } {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) {
      config.batch_input_shape = this.batchInputShape;
      config.dtype = 'float32';
    }
    Object.assign(config, this.kerasConfig(), penaltyConfig(this.penalties));
    return { class_name: this.className, config };
  }

  /** Reserve runtime buffers for inputs of concrete shape `inShape` (batch = capacity). */
  abstract plan(ws: Workspace, inShape: number[], training: boolean, needDx: boolean): void;
  abstract forward(ctx: Ctx, x: Act): Act;
  /**
   * dy: gradient w.r.t. this layer's output (pointer; may be overwritten).
   * extra: gradients w.r.t. extra outputs (returnState), pointers or 0.
   * Returns the pointer of the gradient w.r.t. the input, or 0 when !needDx.
   */
  abstract backward(ctx: Ctx, dy: number, needDx: boolean): number;
  /** Extra outputs of the last forward (returnState). */
  extraOutputs(): Act[] {
    return [];
  }
  /** Zero any carried state (model.resetStates()); the public `resetStates(states?)` is on stateful layers. */
  clearStates(_be: Backend): void {}
  /** Called when the model frees this layer's state regions (backend change / dispose): forget the pointers. */
  releaseState(_be: Backend): void {}

  // ------------------------------------------------------------ node protocol
  // How a model calls the layer at one node of its graph (Sequential is the chain special case;
  // see src/models/graph/). A node has inputs [x, ...extra] and outputs [y, ...extra]:
  //   - single-input layers (the defaults below): inputs [x], outputs [y, ...extraOutputs()];
  //   - merge layers (add, concatenate, dot, attention …): several inputs, one output;
  //   - recurrent layers called with initialState: inputs [x, h0(, c0)] (Bidirectional:
  //     [x, forward states…, backward states…]); with returnState outputs [y, h(, c)].
  // A layer applied at several nodes (shared layer) keeps ONE set of weights; the model runs each
  // node on a per-node view `Object.create(layer)`, so everything plan()/forward() store must be
  // plain instance fields assigned there (no #private fields, no closures over `this`). Weight
  // gradients accumulate (+=), so the nodes of a shared layer sum their gradients.

  /** Build (first call) for these input shapes and return the output shapes; throws if the layer cannot take them. */
  nodeBuild(inputShapes: Shape[]): Shape[] {
    if (inputShapes.length !== 1) {
      throw new Error(`${this.name} (${this.className}) takes one input tensor, got ${inputShapes.length}`);
    }
    if (!this.built) this.build(inputShapes[0]);
    return [this.computeOutputShape(inputShapes[0]), ...this.extraOutputShapes()];
  }
  /** Reserve this node's buffers for inputs of these concrete shapes (see plan()). */
  nodePlan(ws: Workspace, inShapes: number[][], training: boolean, needDx: boolean[]): void {
    this.plan(ws, inShapes[0], training, needDx[0]);
  }
  /** Forward at a node: one Act per output. */
  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    return [this.forward(ctx, xs[0]), ...this.extraOutputs()];
  }
  /**
   * Backward at a node. dys[i]: pointer to the gradient w.r.t. output i (may be overwritten), or 0
   * when nothing downstream uses output i (zeros). The model calls it only when some dys[i] ≠ 0, and
   * for layers that do not override it, guarantees dys[0] ≠ 0. Returns one pointer per input: the
   * gradient w.r.t. that input (valid until the next backward of this node), or 0 when !needDx[i].
   */
  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    if (dys.some((d, i) => i > 0 && d !== 0)) {
      throw new Error(`${this.name} (${this.className}): gradients through its extra outputs are not supported`);
    }
    return [this.backward(ctx, dys[0], needDx[0])];
  }

  /**
   * Functional API: call the layer on symbolic tensors (from `input()` or another `apply`); returns
   * its symbolic output, or an array when it has several (returnState). See src/models/graph/apply.ts.
   */
  apply<T extends Layer>(this: T, x: SymbolicTensor | SymbolicTensor[], args?: ApplyArgs): SymbolicOutput<T> {
    return applyLayer(this, x, args) as SymbolicOutput<T>;
  }

  /** Attach to the model's parameter block at these offsets (floats), one per weightSpecs() entry. */
  bind(store: ParamStore, offsets: number[]): void {
    this.store = store;
    this.offsets = offsets;
  }

  /** Absolute pointer of weight i / its gradient. */
  protected w(i: number): number {
    return this.store!.params + this.offsets[i] * 4;
  }
  protected g(i: number): number {
    return this.store!.grads + this.offsets[i] * 4;
  }
}

export function checkShape(s: unknown, what: string, allowNullFirst: boolean, idsInput = false): Shape {
  if (!Array.isArray(s) || s.length === 0) throw new Error(`${what}: expected a non-empty array of positive integers, got ${describe(s)}`);
  // batch (first of a batch shape) and time (the dimension after it, when features follow,
  // or the last one for ids) may be free
  const free = allowNullFirst ? (s.length >= 3 || idsInput ? 2 : 1) : (s.length >= 2 || idsInput ? 1 : 0);
  s.forEach((d, i) => {
    if (d === null && i < free) return;
    if (!Number.isInteger(d) || (d as number) <= 0) throw new Error(`${what}: expected positive integers${free ? ` (null allowed for ${allowNullFirst ? 'batch' : ''}${free === 2 || !allowNullFirst ? (allowNullFirst ? ' and ' : '') + 'time' : ''})` : ''}, got ${describe(s)}`);
  });
  return s.slice() as Shape;
}

export const initCfg = serializeInitializer;
