/**
 * Optimizers with the TensorFlow.js update rules recorded in the fixtures
 * (fixtures README "Optimizers"); centered RMSprop follows Keras instead (see
 * RMSprop). The parameter block, its gradient and every slot share one layout,
 * so an update is one kernel call over the whole block.
 *
 * Slot memory: an optimizer says how many slots it keeps (`slotCount()`, and
 * `slotNames()` for the printed map); the model's MemoryPlan places them in its
 * 'optimizer' block and hands the pointers to `attach()`. New optimizers (e.g.
 * AdamW) only override those two methods and `update()`; they never allocate.
 *
 * Clipping runs before the update: `clipValue` clamps every gradient element;
 * `clipNorm` rescales the whole gradient when its GLOBAL L2 norm exceeds the
 * value (Keras' `global_clipnorm`; Keras' per-weight `clipnorm` is not offered).
 */
import type { Backend } from './backend/types.js';
import { describe, pick } from './names.js';
import { resolveLearningRate, schedules, type LearningRateSchedule } from './optimizers/schedules.js';
import { checkOptions } from './util/options.js';

/**
 * Options every optimizer takes. `weightDecay`: Keras 3's decoupled decay, w ← w − lr·wd·w
 * before each update, applied by the model to trainable weights (src/optimizers/weight-decay.ts).
 * `learningRate` may be a number, a schedule (optimizers.schedules.*) or any (step) => lr function.
 */
export interface ClipArgs { clipNorm?: number; clipValue?: number; weightDecay?: number }
export type LearningRate = number | LearningRateSchedule | ((step: number) => number);
export interface SgdArgs extends ClipArgs { learningRate?: LearningRate; momentum?: number; nesterov?: boolean }
export interface RmspropArgs extends ClipArgs { learningRate?: LearningRate; rho?: number; momentum?: number; epsilon?: number; centered?: boolean }
export interface AdamArgs extends ClipArgs { learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number }

function num(v: unknown, def: number, what: string, lo = 0, hiExclusive = Infinity, allowZero = true): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v >= hiExclusive || (!allowZero && v === 0)) {
    throw new Error(`${what}: expected a finite number${lo === 0 ? (allowZero ? ' ≥ 0' : ' > 0') : ''}${hiExclusive !== Infinity ? ` < ${hiExclusive}` : ''}, got ${describe(v)}`);
  }
  return v;
}

/** Base class of the optimizers: learning rate, clipping, and slots in the model's parameter layout. */
export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: number;
  readonly clipNorm: number | null;
  readonly clipValue: number | null;
  /** Decoupled weight decay (Keras 3), or null. */
  readonly weightDecay: number | null;
  /** The learning-rate schedule, or null for a constant rate. */
  readonly schedule: ((step: number) => number) | null;
  /** The learning rate's config (number or schedule config; null for a plain function). */
  readonly learningRateConfig: unknown;
  /** Update count (Adam's t). */
  iterations = 0;
  /** State to restore at the next attach (a checkpoint loaded with includeOptimizer). */
  restoredState: { iterations: number; slots: Float32Array[] } | null = null;
  protected be: Backend | null = null;
  protected n = 0;
  protected slots: number[] = [];

  constructor(who: string, lr: unknown, args: ClipArgs, keys: string[]) {
    checkOptions(args, ['learningRate', 'clipNorm', 'clipValue', 'weightDecay', ...keys], who);
    const r = resolveLearningRate(lr, `${who}: learningRate`);
    this.learningRate = num(r.value, r.value, `${who}: learningRate`, 0, Infinity, false);
    this.schedule = r.schedule;
    this.learningRateConfig = r.config;
    this.weightDecay = args.weightDecay === undefined ? null : num(args.weightDecay, 0, `${who}: weightDecay`);
    this.clipNorm = args.clipNorm === undefined ? null : num(args.clipNorm, 0, `${who}: clipNorm`, 0, Infinity, false);
    this.clipValue = args.clipValue === undefined ? null : num(args.clipValue, 0, `${who}: clipValue`, 0, Infinity, false);
  }

  abstract slotCount(): number;
  protected abstract update(be: Backend, W: number, G: number, n: number): void;
  abstract getConfig(): Record<string, unknown>;

  /**
   * Take the slot regions the model's plan placed for n parameters (slotCount() blocks of n
   * floats, zero-filled, same layout as the parameters), restoring `state` if given. An optimizer
   * never allocates: it declares how many slots it needs (slotCount(), optionally slotNames()
   * for memoryInfo()) and the model's MemoryPlan places them in its 'optimizer' block.
   */
  attach(be: Backend, n: number, slots: number[], state?: { iterations: number; slots: Float32Array[] }): void {
    if (slots.length !== this.slotCount()) throw new Error(`${this.className}: expected ${this.slotCount()} slot regions, got ${slots.length}`);
    this.be = be;
    this.n = n;
    if (!state && this.restoredState) {
      state = this.restoredState;
      if (state.slots.some((s) => s.length !== n)) throw new Error(`${this.className}: the restored optimizer state has ${state.slots[0]?.length} values per slot, the model has ${n}`);
    }
    this.restoredState = null;
    this.slots = slots.slice();
    slots.forEach((p, i) => { if (state?.slots[i]) be.f32().set(state.slots[i], p >>> 2); });
    this.iterations = state?.iterations ?? 0;
  }

  /** Names of the slots in memoryInfo() (default slot0, slot1 …). */
  slotNames(): string[] {
    return Array.from({ length: this.slotCount() }, (_, i) => `slot${i}`);
  }

  /** Forget the slot regions (the model's plan frees them). */
  detach(): void {
    this.slots = [];
    this.be = null;
  }

  /** Put back a snapshot() taken while attached to the same slots (a step that was not applied). */
  restore(state: { iterations: number; slots: Float32Array[] }): void {
    const f = this.be!.f32();
    this.slots.forEach((p, i) => f.set(state.slots[i], p >>> 2));
    this.iterations = state.iterations;
  }

  /** Host copies of the state (for moving between backends). */
  snapshot(): { iterations: number; slots: Float32Array[] } {
    const f = this.be!.f32();
    return { iterations: this.iterations, slots: this.slots.map((p) => f.slice(p >>> 2, (p >>> 2) + this.n)) };
  }

  /** Slots live in some backend now. */
  get attached(): boolean {
    return this.be !== null;
  }

  isAttachedTo(be: Backend, n: number): boolean {
    return this.be === be && this.n === n;
  }

  /** The rate the next update uses (the schedule at the current iteration count). */
  nextLearningRate(): number {
    return this.schedule ? this.schedule(this.iterations) : this.learningRate;
  }

  /**
   * Clip G, then update W. `ranges` (float offsets and sizes in the block): only those elements
   * are updated, with their slots (frozen layers' weights and slots stay as they are, as Keras
   * updates only trainable variables); null: the whole block. The caller zeroes the gradient
   * outside the ranges, so clipping sees only what is trained.
   */
  apply(W: number, G: number, ranges: readonly { offset: number; size: number }[] | null = null): void {
    const be = this.be!;
    if (this.schedule) this.learningRate = this.schedule(this.iterations);
    if (this.clipValue !== null) be.k.clipByValue(G, this.n, this.clipValue);
    if (this.clipNorm !== null) {
      const norm = Math.sqrt(be.k.sumSquares(G, this.n));
      if (norm > this.clipNorm) be.k.scale(G, this.n, this.clipNorm / norm);
    }
    this.iterations++;
    if (!ranges) {
      this.update(be, W, G, this.n);
      return;
    }
    // update() reads this.slots: point them at each range for its call (slots share the block's layout)
    const base = this.slots;
    try {
      for (const r of ranges) {
        if (r.offset < 0 || r.size < 0 || r.offset + r.size > this.n) throw new Error(`${this.className}: update range [${r.offset}, ${r.offset + r.size}) is outside the ${this.n} parameters`);
        if (r.size === 0) continue;
        this.slots = base.map((p) => p + 4 * r.offset);
        this.update(be, W + 4 * r.offset, G + 4 * r.offset, r.size);
      }
    } finally {
      this.slots = base;
    }
  }

  protected clipConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {};
    if (this.weightDecay !== null) c.weight_decay = this.weightDecay;
    if (this.schedule) c.learning_rate = this.learningRateConfig; // a schedule's config (null: a function, not serializable)
    if (this.clipNorm !== null) c.clipnorm = this.clipNorm;
    if (this.clipValue !== null) c.clipvalue = this.clipValue;
    return c;
  }
}

/** Stochastic gradient descent, with optional momentum and Nesterov momentum (`optimizers.sgd`). */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: SgdArgs = {}) {
    super('optimizers.sgd', args.learningRate ?? 0.01, args, ['momentum', 'nesterov']);
    this.momentum = num(args.momentum, 0, 'optimizers.sgd: momentum');
    this.nesterov = args.nesterov ?? false;
  }
  slotCount() {
    return this.momentum > 0 ? 1 : 0;
  }
  slotNames() {
    return this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(be: Backend, W: number, G: number, n: number) {
    if (this.momentum > 0) be.k.momentumUpdate(W, this.slots[0], G, n, this.learningRate, this.momentum, this.nesterov ? 1 : 0);
    else be.k.sgdUpdate(W, G, n, this.learningRate);
  }
  getConfig() {
    return { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, ...this.clipConfig() };
  }
}

/**
 * RMSprop. Not centered: the tfjs rule recorded in the fixtures (ε inside the sqrt), which is
 * also Keras 3's. Centered: Keras 3's rule, sqrt(ms − mg² + ε). Porting note: tfjs computes
 * sqrt(ms − (mg² + ε)), subtracting ε (fixtures README "Divergences" item 5); we follow Keras.
 * Slots: ms, mom (not centered) or ms, mg, mom (centered).
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: RmspropArgs = {}) {
    super('optimizers.rmsprop', args.learningRate ?? 0.001, args, ['rho', 'momentum', 'epsilon', 'centered']);
    this.rho = num(args.rho, 0.9, 'optimizers.rmsprop: rho', 0, 1);
    this.momentum = num(args.momentum, 0, 'optimizers.rmsprop: momentum');
    this.epsilon = num(args.epsilon, 1e-7, 'optimizers.rmsprop: epsilon');
    if (args.centered != null && typeof args.centered !== 'boolean') {
      throw new Error(`optimizers.rmsprop: centered: expected a boolean, got ${describe(args.centered)}`);
    }
    this.centered = args.centered ?? false;
  }
  slotCount() {
    return this.centered ? 3 : 2;
  }
  slotNames() {
    return this.centered ? ['ms', 'mg', 'mom'] : ['ms', 'mom'];
  }
  protected update(be: Backend, W: number, G: number, n: number) {
    const s = this.slots;
    if (this.centered) {
      be.k.rmspropCenteredUpdate(W, s[0], s[1], s[2], G, n, this.learningRate, this.rho, this.momentum, this.epsilon);
    } else {
      be.k.rmspropUpdate(W, s[0], s[1], G, n, this.learningRate, this.rho, this.momentum, this.epsilon);
    }
  }
  getConfig() {
    return { learning_rate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered, ...this.clipConfig() };
  }
}

/** Adam (`optimizers.adam`), with the TensorFlow.js update rule (ε added to sqrt(v̂)). */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: AdamArgs = {}, who = 'optimizers.adam') {
    super(who, args.learningRate ?? 0.001, args, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = num(args.beta1, 0.9, 'optimizers.adam: beta1', 0, 1);
    this.beta2 = num(args.beta2, 0.999, 'optimizers.adam: beta2', 0, 1);
    this.epsilon = num(args.epsilon, 1e-7, 'optimizers.adam: epsilon');
  }
  slotCount() {
    return 2;
  }
  slotNames() {
    return ['m', 'v'];
  }
  protected update(be: Backend, W: number, G: number, n: number) {
    // tfjs keeps β^t as float32 variables multiplied once per step
    const t = this.iterations;
    const b1t = Math.fround(Math.pow(this.beta1, t)), b2t = Math.fround(Math.pow(this.beta2, t));
    be.k.adamUpdate(W, this.slots[0], this.slots[1], G, n, this.learningRate, this.beta1, this.beta2, this.epsilon, b1t, b2t);
  }
  getConfig() {
    return { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, ...this.clipConfig() };
  }
}

/** Keras 3 AdamW: Adam with decoupled weight decay, default weightDecay 0.004. */
export class AdamW extends Adam {
  readonly className: string = 'AdamW';
  constructor(args: AdamArgs = {}) {
    super({ ...args, weightDecay: args.weightDecay ?? 0.004 }, 'optimizers.adamw');
  }
}

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'rmsprop', 'sgd'] as const;
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/**
 * Optimizer factories with Keras defaults.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: optimizers.adam({ learningRate: 0.01, clipNorm: 5 }), loss: 'meanSquaredError' });
 * ```
 */
export const optimizers = {
  sgd: (args?: SgdArgs) => new SGD(args),
  rmsprop: (args?: RmspropArgs) => new RMSprop(args),
  adam: (args?: AdamArgs) => new Adam(args),
  adamw: (args?: AdamArgs) => new AdamW(args),
  schedules,
};

/** 'adam' | 'adamw' | 'rmsprop' | 'sgd' (Keras defaults) or an Optimizer. */
export function getOptimizer(spec: unknown): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const name = pick(spec, OPTIMIZER_NAMES, 'compile: optimizer');
  return optimizers[name]();
}
