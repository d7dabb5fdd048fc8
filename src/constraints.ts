/**
 * Weight constraints (Keras `keras.constraints`), applied to the weight right
 * after every optimizer step (Keras 3: `variable.assign(constraint(variable))`
 * after `apply_gradients`):
 *
 *   maxNorm({ maxValue = 2, axis = 0 }):  w · clip(‖w‖, 0, max) / (ε + ‖w‖)
 *   unitNorm({ axis = 0 }):               w / (ε + ‖w‖)
 *   nonNeg():                             w · (w ≥ 0)
 *
 * with ‖w‖ the L2 norm along `axis` (axis 0 of a kernel [in, out]: one norm per
 * output unit) and ε = 1e-7 (Keras backend.epsilon()). Computed in float64 on
 * the backend's f32 view, rounded once.
 */
import { describe } from './names.js';
import { checkOptions, own } from './util/options.js';

const EPS = 1e-7;

export class Constraint {
  constructor(readonly kind: 'maxNorm' | 'unitNorm' | 'nonNeg', readonly maxValue = 2, readonly axis = 0) {}

  /** Apply in place to a weight of `shape` stored row-major at f[o…]. */
  apply(f: Float32Array, o: number, shape: readonly number[]): void {
    const n = shape.reduce((a, b) => a * b, 1);
    if (this.kind === 'nonNeg') {
      for (let i = o; i < o + n; i++) if (!(f[i] >= 0)) f[i] = 0;
      return;
    }
    const ax = this.axis < 0 ? shape.length + this.axis : this.axis;
    if (ax < 0 || ax >= shape.length) throw new Error(`constraints.${this.kind}: axis ${this.axis} is outside a weight of rank ${shape.length}`);
    const len = shape[ax];
    const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
    const outer = n / (len * inner);
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = o + a * len * inner + b;
        let ss = 0;
        for (let k = 0; k < len; k++) ss += f[base + k * inner] ** 2;
        const norm = Math.sqrt(ss);
        const s = this.kind === 'unitNorm' ? 1 / (EPS + norm) : Math.min(norm, this.maxValue) / (EPS + norm);
        for (let k = 0; k < len; k++) f[base + k * inner] *= s;
      }
    }
  }

  toConfig(): { class_name: string; config: Record<string, number> } {
    if (this.kind === 'nonNeg') return { class_name: 'NonNeg', config: {} };
    if (this.kind === 'unitNorm') return { class_name: 'UnitNorm', config: { axis: this.axis } };
    return { class_name: 'MaxNorm', config: { max_value: this.maxValue, axis: this.axis } };
  }
}

function axisOf(v: unknown, what: string): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v)) throw new Error(`${what}: axis must be an integer, got ${describe(v)}`);
  return v as number;
}

export const constraints = {
  maxNorm: (a: { maxValue?: number; axis?: number } = {}) => {
    checkOptions(a, ['maxValue', 'axis'], 'constraints.maxNorm');
    const m = a.maxValue ?? 2;
    if (typeof m !== 'number' || !(m >= 0) || !Number.isFinite(m)) throw new Error(`constraints.maxNorm: maxValue must be a finite number ≥ 0, got ${describe(m)}`);
    return new Constraint('maxNorm', m, axisOf(a.axis, 'constraints.maxNorm'));
  },
  unitNorm: (a: { axis?: number } = {}) => {
    checkOptions(a, ['axis'], 'constraints.unitNorm');
    return new Constraint('unitNorm', 0, axisOf(a.axis, 'constraints.unitNorm'));
  },
  nonNeg: () => new Constraint('nonNeg'),
};

/** A constraint from a layer option: a Constraint, 'max_norm' | 'unit_norm' | 'non_neg', or a Keras/tfjs config. */
export function getConstraint(v: unknown, what: string): Constraint | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Constraint) return v;
  const name = typeof v === 'string' ? v : (typeof v === 'object' && own(v as object, 'class_name') ? (v as { class_name: unknown }).class_name : undefined);
  if (typeof name !== 'string') throw new Error(`${what}: expected a constraint (constraints.maxNorm(…), 'non_neg', or a Keras config), got ${describe(v)}`);
  const cfg = (typeof v === 'object' && own(v as object, 'config') ? (v as { config: Record<string, unknown> }).config : {}) ?? {};
  const key = name.toLowerCase().replace(/_/g, '');
  for (const k of Object.keys(cfg)) {
    if (!['max_value', 'axis'].includes(k)) throw new Error(`${what}: unknown constraint config key '${k}' (expected max_value, axis)`);
  }
  const axis = own(cfg, 'axis') ? cfg.axis as number : undefined;
  if (key === 'maxnorm') return constraints.maxNorm({ maxValue: own(cfg, 'max_value') ? cfg.max_value as number : undefined, axis });
  if (key === 'unitnorm') return constraints.unitNorm({ axis });
  if (key === 'nonneg') return constraints.nonNeg();
  throw new Error(`${what}: unsupported constraint '${name}' (expected MaxNorm, UnitNorm, NonNeg)`);
}
