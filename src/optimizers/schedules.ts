/**
 * Learning-rate schedules (Keras 3 `keras.optimizers.schedules`): the rate for
 * optimizer step `step` (0 for the first update; the optimizer's iteration
 * count before the update, as Keras evaluates `learning_rate(iterations)`).
 *
 *   exponentialDecay     lr0 · rate^(step / steps)            (floor(step / steps) with staircase)
 *   inverseTimeDecay     lr0 / (1 + rate · step / steps)      (floor with staircase)
 *   piecewiseConstantDecay values[i] for boundaries[i−1] < step ≤ boundaries[i]
 *   cosineDecay          linear warmup from lr0 to warmupTarget over warmupSteps, then
 *                        target · ((1 − α) · ½(1 + cos(π · min(s, steps) / steps)) + α)
 *
 * Any `(step) => lr` function is accepted as a learning rate too.
 */
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';

export class LearningRateSchedule {
  constructor(readonly className: string, readonly config: Record<string, unknown>, private readonly fn: (step: number) => number) {}
  at(step: number): number {
    return this.fn(step);
  }
  toConfig(): { class_name: string; config: Record<string, unknown> } {
    return { class_name: this.className, config: { ...this.config } };
  }
}

function pos(v: unknown, what: string, def?: number, allowZero = false): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new Error(`${what}: expected a finite number ${allowZero ? '≥' : '>'} 0, got ${describe(v)}`);
  }
  return v;
}

export interface DecayArgs { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }

function decayArgs(a: DecayArgs, who: string) {
  checkOptions(a, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], who);
  const lr0 = pos(a.initialLearningRate, `${who}: initialLearningRate`);
  const steps = pos(a.decaySteps, `${who}: decaySteps`);
  const rate = pos(a.decayRate, `${who}: decayRate`, undefined, true);
  if (a.staircase !== undefined && typeof a.staircase !== 'boolean') throw new Error(`${who}: staircase must be a boolean, got ${describe(a.staircase)}`);
  const staircase = a.staircase ?? false;
  return { lr0, steps, rate, staircase, config: { initial_learning_rate: lr0, decay_steps: steps, decay_rate: rate, staircase } };
}

export const schedules = {
  exponentialDecay(a: DecayArgs): LearningRateSchedule {
    const { lr0, steps, rate, staircase, config } = decayArgs(a, 'optimizers.schedules.exponentialDecay');
    return new LearningRateSchedule('ExponentialDecay', config, (s) => {
      const p = staircase ? Math.floor(s / steps) : s / steps;
      return lr0 * Math.pow(rate, p);
    });
  },
  inverseTimeDecay(a: DecayArgs): LearningRateSchedule {
    const { lr0, steps, rate, staircase, config } = decayArgs(a, 'optimizers.schedules.inverseTimeDecay');
    return new LearningRateSchedule('InverseTimeDecay', config, (s) => {
      const p = staircase ? Math.floor(s / steps) : s / steps;
      return lr0 / (1 + rate * p);
    });
  },
  piecewiseConstantDecay(a: { boundaries: number[]; values: number[] }): LearningRateSchedule {
    const who = 'optimizers.schedules.piecewiseConstantDecay';
    checkOptions(a, ['boundaries', 'values'], who);
    const b = a.boundaries, v = a.values;
    if (!Array.isArray(b) || !Array.isArray(v) || v.length !== b.length + 1) {
      throw new Error(`${who}: values must have one more entry than boundaries, got boundaries ${describe(b)}, values ${describe(v)}`);
    }
    b.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= b[i - 1])) throw new Error(`${who}: boundaries must be increasing finite numbers, got ${describe(b)}`);
    });
    v.forEach((x, i) => pos(x, `${who}: values[${i}]`, undefined, true));
    return new LearningRateSchedule('PiecewiseConstantDecay', { boundaries: b.slice(), values: v.slice() }, (s) => {
      for (let i = 0; i < b.length; i++) if (s <= b[i]) return v[i];
      return v[v.length - 1];
    });
  },
  cosineDecay(a: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number | null; warmupSteps?: number }): LearningRateSchedule {
    const who = 'optimizers.schedules.cosineDecay';
    checkOptions(a, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'], who);
    const lr0 = pos(a.initialLearningRate, `${who}: initialLearningRate`, undefined, true);
    const steps = pos(a.decaySteps, `${who}: decaySteps`);
    const alpha = pos(a.alpha, `${who}: alpha`, 0, true);
    const target = a.warmupTarget == null ? null : pos(a.warmupTarget, `${who}: warmupTarget`, undefined, true);
    const warm = pos(a.warmupSteps, `${who}: warmupSteps`, 0, true);
    const decay = (s: number, from: number) => {
      const frac = Math.min(s, steps) / steps;
      return from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * frac)) + alpha);
    };
    const config = { initial_learning_rate: lr0, decay_steps: steps, alpha, warmup_target: target, warmup_steps: warm };
    return new LearningRateSchedule('CosineDecay', config, (s) => {
      if (target === null) return decay(s, lr0);
      const g = Math.min(s, steps + warm);
      if (g < warm) return lr0 + (target - lr0) * (g / warm);
      return decay(g - warm, target);
    });
  },
};

/** A schedule from its saved config (includeOptimizer checkpoints). */
export function scheduleFromConfig(c: { class_name?: unknown; config?: Record<string, unknown> }, who: string): LearningRateSchedule {
  const cfg = c.config ?? {};
  const camelize = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));
  switch (c.class_name) {
    case 'ExponentialDecay': return schedules.exponentialDecay(camelize(cfg) as never);
    case 'InverseTimeDecay': return schedules.inverseTimeDecay(camelize(cfg) as never);
    case 'PiecewiseConstantDecay': return schedules.piecewiseConstantDecay(camelize(cfg) as never);
    case 'CosineDecay': return schedules.cosineDecay(camelize(cfg) as never);
    default: throw new Error(`${who}: unsupported learning-rate schedule ${describe(c.class_name)}`);
  }
}

/** learningRate option: a number, a schedule, or a (step) => lr function. */
export function resolveLearningRate(v: unknown, who: string): { value: number; schedule: ((step: number) => number) | null; config: unknown } {
  if (v instanceof LearningRateSchedule) return { value: v.at(0), schedule: (s) => v.at(s), config: v.toConfig() };
  if (typeof v === 'function') {
    const f = v as (s: number) => unknown;
    const schedule = (s: number) => {
      const lr = f(s);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) throw new Error(`${who}: the learningRate function returned ${describe(lr)} at step ${s}; expected a finite number > 0`);
      return lr;
    };
    return { value: schedule(0), schedule, config: null };
  }
  return { value: v as number, schedule: null, config: v };
}
