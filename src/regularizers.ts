/**
 * Weight and activity regularizers (Keras `keras.regularizers`): a penalty
 * added to the loss, and its gradient added to the weight's gradient.
 *
 *   l1(x)   = l1 · Σ|x|           d/dx = l1 · sign(x)
 *   l2(x)   = l2 · Σx²            d/dx = 2 · l2 · x
 *   l1l2(x) = both
 *
 * Keras 3 adds layer penalties to the batch loss unscaled (not divided by the
 * batch size), in training and in evaluate; the loss in history includes them.
 * Activity regularizers apply to the layer's whole output tensor (masks are
 * not applied, as in Keras).
 *
 * Config forms accepted from files: Keras 3 { class_name: 'L2', config: { l2 } }
 * (L1, L2, L1L2, with module/registered_name), Keras 2 and tfjs { class_name:
 * 'L1L2', config: { l1, l2 } }. Written as tfjs/Keras 2 do: L1L2.
 */
import { describe } from './names.js';
import { checkOptions, own } from './util/options.js';

export class Regularizer {
  constructor(readonly l1: number, readonly l2: number) {}

  /** Penalty of x[0..n). */
  penalty(x: ArrayLike<number>, o: number, n: number): number {
    let a = 0, b = 0;
    for (let i = o; i < o + n; i++) { a += Math.abs(x[i]); b += x[i] * x[i]; }
    return this.l1 * a + this.l2 * b;
  }

  /** g[go + i] += d penalty / d x[xo + i]. */
  addGradient(g: Float32Array, go: number, x: ArrayLike<number>, xo: number, n: number): void {
    const l1 = this.l1, l2x2 = 2 * this.l2;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      g[go + i] += l1 * Math.sign(v) + l2x2 * v;
    }
  }

  toConfig(): { class_name: string; config: Record<string, number> } {
    return { class_name: 'L1L2', config: { l1: this.l1, l2: this.l2 } };
  }
}

function factor(v: unknown, def: number, what: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${what}: expected a finite number ≥ 0, got ${describe(v)}`);
  return v;
}

/** Keras defaults: L1(0.01), L2(0.01), L1L2(0, 0). */
export const regularizers = {
  l1: (a: { l1?: number } = {}) => { checkOptions(a, ['l1'], 'regularizers.l1'); return new Regularizer(factor(a.l1, 0.01, 'regularizers.l1: l1'), 0); },
  l2: (a: { l2?: number } = {}) => { checkOptions(a, ['l2'], 'regularizers.l2'); return new Regularizer(0, factor(a.l2, 0.01, 'regularizers.l2: l2')); },
  l1l2: (a: { l1?: number; l2?: number } = {}) => {
    checkOptions(a, ['l1', 'l2'], 'regularizers.l1l2');
    return new Regularizer(factor(a.l1, 0, 'regularizers.l1l2: l1'), factor(a.l2, 0, 'regularizers.l1l2: l2'));
  },
};

/**
 * A regularizer from a layer option: a Regularizer, 'l1' | 'l2' | 'l1_l2' (Keras
 * defaults), or a Keras/tfjs config object. null/undefined → null.
 */
export function getRegularizer(v: unknown, what: string): Regularizer | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Regularizer) return v;
  if (typeof v === 'string') {
    const k = v.toLowerCase().replace(/_/g, '');
    if (k === 'l1') return regularizers.l1();
    if (k === 'l2') return regularizers.l2();
    if (k === 'l1l2') return regularizers.l1l2();
    throw new Error(`${what}: unknown regularizer '${v}'; expected 'l1', 'l2', 'l1_l2', regularizers.l2({ l2 }) or a Keras config`);
  }
  if (typeof v === 'object' && !Array.isArray(v) && own(v as object, 'class_name')) {
    const o = v as Record<string, unknown>;
    const cls = o.class_name, cfg = (own(o, 'config') ? o.config : {}) as Record<string, unknown>;
    if (!cfg || typeof cfg !== 'object') throw new Error(`${what}: config must be an object, got ${describe(cfg)}`);
    const get = (key: string) => factor(own(cfg, key) ? cfg[key] : undefined, 0, `${what}: config.${key}`);
    for (const key of Object.keys(cfg)) {
      if (!['l1', 'l2'].includes(key)) throw new Error(`${what}: unknown regularizer config key '${key}' (expected l1, l2)`);
    }
    switch (cls) {
      case 'L1': case 'l1': return new Regularizer(own(cfg, 'l1') ? get('l1') : 0.01, 0);
      case 'L2': case 'l2': return new Regularizer(0, own(cfg, 'l2') ? get('l2') : 0.01);
      case 'L1L2': case 'l1_l2': return new Regularizer(get('l1'), get('l2'));
      default: throw new Error(`${what}: unsupported regularizer class ${describe(cls)} (expected L1, L2, L1L2)`);
    }
  }
  throw new Error(`${what}: expected a regularizer (regularizers.l2({ l2: 0.01 }), 'l2', or a Keras config), got ${describe(v)}`);
}
