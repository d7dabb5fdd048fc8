/**
 * compile({ loss }) specs → Loss. A spec is a name ('mae', 'huber',
 * 'binary_crossentropy' …), an object { name, ...options } with the Keras
 * options of that loss (fromLogits, labelSmoothing, delta, gamma, alpha,
 * applyClassBalancing), or a custom loss { name?, value, gradient }.
 *
 * The four tfjs losses with default options keep their WASM/TS kernel pair
 * (`kernel`); every loss also has a float64 host row function (`row`) that the
 * weighted/masked reduction uses (src/losses/reduce.ts).
 */
import type { Kernels } from '../backend/types.js';
import { canonical, describe } from '../names.js';
import { checkOptions, own, ownGet } from '../util/options.js';
import * as D from './definitions.js';
import type { RowLoss } from './definitions.js';
import { takeLoss } from './reduce.js';
import { backend } from '../backend/index.js';

export type LossName =
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError'
  | 'meanAbsoluteError' | 'meanAbsolutePercentageError' | 'meanSquaredLogarithmicError' | 'huber' | 'logCosh'
  | 'kullbackLeiblerDivergence' | 'poisson' | 'hinge' | 'squaredHinge' | 'binaryFocalCrossentropy';

export const LOSS_NAMES: LossName[] = ['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'meanSquaredError',
  'meanAbsoluteError', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'huber', 'logCosh',
  'kullbackLeiblerDivergence', 'poisson', 'hinge', 'squaredHinge', 'binaryFocalCrossentropy'];

/** Keras' short names and old spellings. */
const ALIASES: Record<string, LossName> = {
  mse: 'meanSquaredError', mae: 'meanAbsoluteError', mape: 'meanAbsolutePercentageError', msle: 'meanSquaredLogarithmicError',
  kld: 'kullbackLeiblerDivergence', kldivergence: 'kullbackLeiblerDivergence', huberloss: 'huber', logcosh: 'logCosh',
};

/** Options each loss takes (Keras 3 signatures), beside `name`. */
const OPTIONS: Partial<Record<LossName, string[]>> = {
  binaryCrossentropy: ['fromLogits', 'labelSmoothing'],
  categoricalCrossentropy: ['fromLogits', 'labelSmoothing'],
  sparseCategoricalCrossentropy: ['fromLogits'],
  huber: ['delta'],
  binaryFocalCrossentropy: ['fromLogits', 'labelSmoothing', 'gamma', 'alpha', 'applyClassBalancing'],
};

const KERNEL: Partial<Record<LossName, keyof Kernels>> = {
  meanSquaredError: 'mseLoss', binaryCrossentropy: 'bceLoss', categoricalCrossentropy: 'cceLoss', sparseCategoricalCrossentropy: 'sparseCceLoss',
};

export interface Loss {
  name: LossName | string;
  /** Keras snake_case name (topology/training config, error messages). */
  keras: string;
  /** Targets are int32 class ids, one per row. */
  sparse: boolean;
  /** Keras config of the options (snake_case), for the training config. */
  config: Record<string, unknown>;
  /** A plain name with default options (what data-parallel workers can rebuild from `name`). */
  plain: boolean;
  /** Host row function: value of one row and d/dp (float64). */
  row: RowLoss;
  /** Kernel fast path (default-option tfjs losses): mean over rows, writes dP when dP ≠ 0. */
  kernel: ((k: Kernels, dP: number, P: number, Y: number, rows: number, cols: number) => number) | null;
  /**
   * The unweighted, unmasked mean loss over rows (writes dP when dP ≠ 0) in the current
   * backend's memory: the pre-issue-13 interface, kept for callers that have no weights or mask.
   */
  run(k: Kernels, dP: number, P: number, Y: number, rows: number, cols: number): number;
}

/** `run` for a loss: its kernel, or the host reduction in the selected backend (which must own `k`). */
function runFor(l: Omit<Loss, 'run'>): Loss['run'] {
  return (k, dP, P, Y, rows, cols) => {
    if (l.kernel) return l.kernel(k, dP, P, Y, rows, cols);
    const be = backend();
    if (be.k !== k) throw new Error(`loss '${l.name}': run() needs the selected backend's kernels`);
    return takeLoss({ be, loss: l as Loss, P, Y, dP, rows, cols, weights: null, mask: null }).loss;
  };
}

/** A user loss: per-row value and its gradient w.r.t. the row's predictions. */
export interface CustomLossSpec {
  name?: string;
  /** Loss of one row (last axis) of predictions against its targets. */
  value(yTrue: Float64Array, yPred: Float64Array): number;
  /** d value / d yPred for that row, written into `out` (length = row length). */
  gradient(yTrue: Float64Array, yPred: Float64Array, out: Float64Array): void;
}

const snakeName = (n: string) => n.replace(/[A-Z]/g, (m) => "_" + m.toLowerCase());

function lossName(s: unknown, who: string): LossName {
  if (typeof s !== 'string') throw new Error(`${who}: expected a loss name like 'meanSquaredError' or 'mae', got ${describe(s)}`);
  const c = canonical(s);
  const alias = ownGet(ALIASES, c);
  if (alias) return alias;
  const hit = LOSS_NAMES.find((n) => canonical(n) === c);
  if (!hit) throw new Error(`${who}: unknown loss '${s}'; expected one of ${LOSS_NAMES.map((n) => `'${n}'`).join(', ')} (or 'mse', 'mae', 'mape', 'msle', 'kld'), or { value, gradient }`);
  return hit;
}

function numOpt(o: Record<string, unknown>, key: string, def: number, who: string, lo: number, hi: number, hiOpen = false): number {
  const v = own(o, key) ? o[key] : undefined;
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new Error(`${who}: ${key} must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${describe(v)}`);
  }
  return v;
}

function boolOpt(o: Record<string, unknown>, key: string, who: string): boolean {
  const v = own(o, key) ? o[key] : undefined;
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new Error(`${who}: ${key} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Binary label smoothing y(1 − s) + s/2; categorical y(1 − s) + s/C (Keras). */
function smoothed(row: RowLoss, s: number, binary: boolean): RowLoss {
  if (s === 0) return row;
  return (p, y, g) => {
    const k = binary ? 0.5 : 1 / y.length;
    return row(p, y.map((v) => v * (1 - s) + s * k), g);
  };
}

function customLoss(spec: Record<string, unknown>, who: string): Loss {
  checkOptions(spec, ['name', 'value', 'gradient'], who);
  const value = spec.value, gradient = spec.gradient;
  if (typeof value !== 'function' || typeof gradient !== 'function') {
    throw new Error(`${who}: a custom loss needs value(yTrue, yPred) and gradient(yTrue, yPred, out) functions, got value ${describe(value)}, gradient ${describe(gradient)}`);
  }
  const name = own(spec, 'name') && spec.name !== undefined ? spec.name : 'custom_loss';
  if (typeof name !== 'string') throw new Error(`${who}: name must be a string, got ${describe(name)}`);
  const row: RowLoss = (p, y, g) => {
    const v = (value as CustomLossSpec['value'])(y, p);
    if (typeof v !== 'number') throw new Error(`${who}: custom loss '${name}': value() must return a number, got ${describe(v)}`);
    if (g) {
      g.fill(0);
      (gradient as CustomLossSpec['gradient'])(y, p, g);
    }
    return v;
  };
  const l = { name, keras: name, sparse: false, config: {}, plain: false, row, kernel: null };
  return { ...l, run: runFor(l) };
}

export function getLoss(spec: unknown): Loss {
  const who = 'compile: loss';
  let opts: Record<string, unknown> = {};
  let name: LossName;
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const o = spec as Record<string, unknown>;
    if (own(o, 'value') || own(o, 'gradient')) return customLoss(o, who);
    name = lossName(o.name, `${who}: name`);
    checkOptions(o, ['name', ...(OPTIONS[name] ?? [])], `${who} '${name}'`);
    opts = o;
  } else {
    name = lossName(spec, who);
  }
  const w = `${who} '${name}'`;
  const config: Record<string, unknown> = {};
  const fromLogits = boolOpt(opts, 'fromLogits', w);
  const ls = numOpt(opts, 'labelSmoothing', 0, w, 0, 1);
  if (fromLogits) config.from_logits = true;
  if (ls) config.label_smoothing = ls;
  let row: RowLoss;
  switch (name) {
    case 'meanSquaredError': row = D.meanSquaredError; break;
    case 'meanAbsoluteError': row = D.meanAbsoluteError; break;
    case 'meanAbsolutePercentageError': row = D.meanAbsolutePercentageError; break;
    case 'meanSquaredLogarithmicError': row = D.meanSquaredLogarithmicError; break;
    case 'huber': {
      const delta = numOpt(opts, 'delta', 1, w, 0, Infinity);
      if (delta !== 1) config.delta = delta;
      row = D.huber(delta);
      break;
    }
    case 'logCosh': row = D.logCosh; break;
    case 'kullbackLeiblerDivergence': row = D.kullbackLeiblerDivergence; break;
    case 'poisson': row = D.poisson; break;
    case 'hinge': row = D.hinge; break;
    case 'squaredHinge': row = D.squaredHinge; break;
    case 'binaryCrossentropy': row = smoothed(D.binaryCrossentropy(fromLogits), ls, true); break;
    case 'categoricalCrossentropy': row = smoothed(D.categoricalCrossentropy(fromLogits), ls, false); break;
    case 'sparseCategoricalCrossentropy': row = D.sparseCategoricalCrossentropy(fromLogits); break;
    case 'binaryFocalCrossentropy': {
      const gamma = numOpt(opts, 'gamma', 2, w, 0, Infinity);
      const alpha = numOpt(opts, 'alpha', 0.25, w, 0, 1);
      const balance = boolOpt(opts, 'applyClassBalancing', w);
      Object.assign(config, { gamma, alpha, apply_class_balancing: balance });
      row = smoothed(D.binaryFocalCrossentropy(gamma, alpha, balance, fromLogits), ls, true);
      break;
    }
  }
  const plain = Object.keys(opts).every((k) => k === 'name');
  const kname = plain ? KERNEL[name] : undefined;
  const kernel = kname ? (k: Kernels, dP: number, P: number, Y: number, rows: number, cols: number) =>
    (k[kname] as (a: number, b: number, c: number, d: number, e: number) => number)(dP, P, Y, rows, cols) : null;
  const l = { name, keras: snakeName(name), sparse: name === 'sparseCategoricalCrossentropy', config, plain, row, kernel };
  return { ...l, run: runFor(l) };
}

/** `losses.meanAbsoluteError` etc.: the names, for autocompletion (compile accepts them as strings). */
export const losses = Object.fromEntries(LOSS_NAMES.map((n) => [n, n])) as { [K in LossName]: K };
