/**
 * Layer base class and the runtime structures layers share.
 *
 * Life cycle: construct (config only) → build(inputShape) decides weight
 * shapes → the model places weights in one flat parameter block (getWeights()
 * order; gradients in the same layout) → plan(ws, shape) reserves this layer's
 * activation/cache buffers for a (batch capacity, time) workspace → forward /
 * backward run kernels on pointers. Layers never allocate while running.
 */
import type { Backend, Kernels } from '../backend/types.js';
import type { Initializer } from '../initializers.js';
import { serializeInitializer } from '../initializers.js';
import type { Rng } from '../util/random.js';
import { describe } from '../names.js';
import { NO_PENALTIES, penaltyConfig, readPenalties, type Penalties } from '../train/penalties.js';

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
}

/** Reserves buffers for one workspace; freed together when the workspace is re-planned. */
export class Workspace {
  private blocks: number[] = [];
  constructor(readonly be: Backend, readonly batchCap: number) {}
  /** Zero-filled float32 (or int32) buffer of n elements; returns its byte pointer. */
  alloc(n: number): number {
    const p = this.be.alloc(Math.max(1, n) * 4);
    this.blocks.push(p);
    return p;
  }
  dispose(): void {
    for (const p of this.blocks) this.be.free(p);
    this.blocks = [];
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
  resetStates(_be: Backend): void {}
  /** Called when the model frees its workspace (backend change / re-plan). */
  releaseState(_be: Backend): void {}

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
