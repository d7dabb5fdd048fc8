/**
 * Which regularizer and constraint applies to which weight of a layer, read
 * once from the layer's options (camelCase) or Keras config (snake_case), and
 * the model-level passes over the parameter block that apply them:
 *
 *   weightPenalty  — Σ regularizer(w) into the loss, its gradient into grads
 *   applyConstraints — after every optimizer step
 *
 * A weight's kind is the last segment of its Keras name: kernel,
 * recurrent_kernel, bias, embeddings (Bidirectional's 'forward_lstm/kernel' is
 * a kernel of its wrapped layer's options). Which options a layer class takes
 * is listed here, once (Keras: Dense has no recurrent_*, Embedding only
 * embeddings_* and activity).
 *
 * Porting note: when the Keras-config module (src/keras/) lands, the snake_case
 * key list below belongs there.
 */
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { getConstraint, type Constraint } from '../constraints.js';
import { describe } from '../names.js';

/** Which weight of a layer a regularizer or constraint applies to. */
export type Kind = 'kernel' | 'recurrent' | 'bias' | 'embeddings';
const KIND_OF_WEIGHT: Record<string, Kind> = { kernel: 'kernel', recurrent_kernel: 'recurrent', bias: 'bias', embeddings: 'embeddings' };
const CLASS_KINDS: Record<string, Kind[]> = {
  Dense: ['kernel', 'bias'], LSTM: ['kernel', 'recurrent', 'bias'], GRU: ['kernel', 'recurrent', 'bias'],
  SimpleRNN: ['kernel', 'recurrent', 'bias'], Embedding: ['embeddings'],
};
const SNAKE: Record<Kind, string> = { kernel: 'kernel', recurrent: 'recurrent', bias: 'bias', embeddings: 'embeddings' };

export interface Penalties {
  regularizers: Partial<Record<Kind, Regularizer>>;
  constraints: Partial<Record<Kind, Constraint>>;
  activity: Regularizer | null;
}

export const NO_PENALTIES: Penalties = { regularizers: {}, constraints: {}, activity: null };

/** The option names a class takes (camelCase), e.g. kernelRegularizer, recurrentConstraint, activityRegularizer. */
export function penaltyOptionNames(className: string): string[] {
  const kinds = CLASS_KINDS[className] ?? [];
  return [...kinds.flatMap((k) => [`${k}Regularizer`, `${k}Constraint`]), ...(kinds.length ? ['activityRegularizer'] : [])];
}

/** snake_case config keys (kernel_regularizer …) of a class. */
export function penaltyConfigKeys(className: string): string[] {
  return penaltyOptionNames(className).map((n) => n.replace(/[A-Z]/g, (m) => '_' + m.toLowerCase()));
}

/** Read a layer's options. A penalty option on a class without it throws (Keras: unexpected keyword argument). */
export function readPenalties(className: string, args: Record<string, unknown>, who: string): Penalties {
  const allowed = new Set(penaltyOptionNames(className));
  const p: Penalties = { regularizers: {}, constraints: {}, activity: null };
  let any = false;
  for (const key of ['kernel', 'recurrent', 'bias', 'embeddings', 'activity'].flatMap((k) => [`${k}Regularizer`, `${k}Constraint`])) {
    if (!Object.prototype.hasOwnProperty.call(args, key) || args[key] == null) continue;
    if (!allowed.has(key)) {
      throw new Error(`${who}: ${className} has no option ${key} (it takes ${[...allowed].join(', ') || 'no regularizers or constraints'}); got ${describe(args[key])}`);
    }
    any = true;
    if (key === 'activityRegularizer') p.activity = getRegularizer(args[key], `${who}: ${key}`);
    else if (key.endsWith('Regularizer')) p.regularizers[key.slice(0, -11) as Kind] = getRegularizer(args[key], `${who}: ${key}`)!;
    else p.constraints[key.slice(0, -10) as Kind] = getConstraint(args[key], `${who}: ${key}`)!;
  }
  return any ? p : NO_PENALTIES;
}

/** camelCase layer args from a snake_case Keras config (only the keys present). */
export function penaltyArgsFromConfig(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['kernel', 'recurrent', 'bias', 'embeddings', 'activity']) {
    for (const t of ['regularizer', 'constraint']) {
      const snake = `${k}_${t}`;
      if (Object.prototype.hasOwnProperty.call(c, snake) && c[snake] != null) out[`${k}${t[0].toUpperCase()}${t.slice(1)}`] = c[snake];
    }
  }
  return out;
}

/** The non-null entries for the layer's Keras config (tfjs/Keras 2 forms). */
export function penaltyConfig(p: Penalties): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  for (const [k, r] of Object.entries(p.regularizers)) c[`${SNAKE[k as Kind]}_regularizer`] = r!.toConfig();
  for (const [k, r] of Object.entries(p.constraints)) c[`${SNAKE[k as Kind]}_constraint`] = r!.toConfig();
  if (p.activity) c.activity_regularizer = p.activity.toConfig();
  return c;
}

/** One placed weight: its layer's penalties, Keras name, shape and float offset in the block. */
export interface PlacedWeight {
  layer: { penalties: Penalties };
  name: string;
  shape: number[];
  size: number;
  offset: number;
}

const kindOf = (name: string) => KIND_OF_WEIGHT[name.slice(name.lastIndexOf('/') + 1)];

export function hasWeightPenalties(placed: readonly PlacedWeight[]): boolean {
  return placed.some((p) => p.layer.penalties.regularizers[kindOf(p.name)]);
}

export function hasConstraints(placed: readonly PlacedWeight[]): boolean {
  return placed.some((p) => p.layer.penalties.constraints[kindOf(p.name)]);
}

/** Σ penalties over the params block at float offset W; adds gradients into the grads block at G (G < 0: no gradient). */
export function weightPenalty(placed: readonly PlacedWeight[], f: Float32Array, W: number, G: number): number {
  let s = 0;
  for (const p of placed) {
    const r = p.layer.penalties.regularizers[kindOf(p.name)];
    if (!r) continue;
    s += r.penalty(f, W + p.offset, p.size);
    if (G >= 0) r.addGradient(f, G + p.offset, f, W + p.offset, p.size);
  }
  return s;
}

export function applyConstraints(placed: readonly PlacedWeight[], f: Float32Array, W: number): void {
  for (const p of placed) p.layer.penalties.constraints[kindOf(p.name)]?.apply(f, W + p.offset, p.shape);
}

/**
 * Activity regularization of the last forward: Σ over layers with an activity
 * regularizer of its penalty on the layer's whole output (outs[i], shape incl. batch),
 * and (withGrad) d penalty / d output per such layer, for the backward pass to add.
 */
export function activityPenalty(layers: readonly { penalties: Penalties }[], outs: readonly { ptr: number; shape: number[] }[],
                                f: Float32Array, withGrad: boolean): { value: number; grads: (Float32Array | null)[] } {
  let value = 0;
  const grads: (Float32Array | null)[] = [];
  layers.forEach((l, i) => {
    const r = l.penalties.activity;
    if (!r) return;
    const o = outs[i], n = o.shape.reduce((a, b) => a * b, 1);
    value += r.penalty(f, o.ptr >>> 2, n);
    if (withGrad) {
      const g = new Float32Array(n);
      r.addGradient(g, 0, f, o.ptr >>> 2, n);
      grads[i] = g;
    }
  });
  return { value, grads };
}

/** f[at + j] += g[j]. */
export function addInto(f: Float32Array, at: number, g: Float32Array): void {
  for (let j = 0; j < g.length; j++) f[at + j] += g[j];
}
