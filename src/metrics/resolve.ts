/**
 * compile({ metrics }) specs → Metric, and the state helpers the training loop
 * uses. A spec is a name ('accuracy', 'mae', 'precision', 'auc' …) or an object
 * { name, ...options } (threshold, k, numThresholds, average). 'accuracy' /
 * 'acc' resolve from the loss like Keras: sparse categorical, categorical, or
 * binary accuracy.
 */
import { canonical, describe } from '../names.js';
import { checkOptions, own, ownGet } from '../util/options.js';
import * as D from './definitions.js';
import type { MetricDef, Target } from './definitions.js';

export interface Metric extends MetricDef {
  /** Key in logs and history (the string given, or the object's name). */
  name: string;
  /** Rebuildable from `name` alone (data-parallel workers get names). */
  plain: boolean;
  /** The spec it was made from (saved in a checkpoint's training config). */
  spec: string | Record<string, unknown>;
}

/** Every metric name compile accepts (camelCase; snake_case works too). */
export const METRIC_NAMES = ['accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'topKCategoricalAccuracy',
  'meanAbsoluteError', 'meanSquaredError', 'rootMeanSquaredError', 'meanAbsolutePercentageError',
  'precision', 'recall', 'auc', 'f1Score'] as const;
export type MetricName = typeof METRIC_NAMES[number];
const ALIASES: Record<string, MetricName> = { acc: 'accuracy', mae: 'meanAbsoluteError', mse: 'meanSquaredError', rmse: 'rootMeanSquaredError', mape: 'meanAbsolutePercentageError' };
const OPTIONS: Partial<Record<MetricName, string[]>> = {
  binaryAccuracy: ['threshold'], precision: ['thresholds'], recall: ['thresholds'], topKCategoricalAccuracy: ['k'],
  auc: ['numThresholds'], f1Score: ['average', 'threshold'],
};

function metricName(s: unknown, who: string): MetricName {
  if (typeof s !== 'string') throw new Error(`${who}: expected a metric name like 'accuracy' or 'mae', got ${describe(s)}`);
  const c = canonical(s);
  const hit = ownGet(ALIASES, c) ?? METRIC_NAMES.find((n) => canonical(n) === c);
  if (!hit) throw new Error(`${who}: unknown metric '${s}'; expected one of ${METRIC_NAMES.map((n) => `'${n}'`).join(', ')} (or 'acc', 'mae', 'mse', 'rmse', 'mape')`);
  return hit;
}

function opt(o: Record<string, unknown>, key: string, def: number, who: string, ok: (v: number) => boolean, want: string): number {
  const v = own(o, key) ? o[key] : undefined;
  if (v === undefined) return def;
  if (typeof v !== 'number' || !ok(v)) throw new Error(`${who}: ${key} must be ${want}, got ${describe(v)}`);
  return v;
}

/** `loss`: the compiled loss (or, as before issue 13, its name). */
export function resolveMetric(spec: unknown, lossOrName: { sparse: boolean; name: string } | string): Metric {
  const loss = typeof lossOrName === 'string' ? { name: lossOrName, sparse: canonical(lossOrName) === 'sparsecategoricalcrossentropy' } : lossOrName;
  const who = 'compile: metrics';
  let o: Record<string, unknown> = {};
  let name: MetricName, key: string;
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    o = spec as Record<string, unknown>;
    name = metricName(o.name, `${who}: name`);
    checkOptions(o, ['name', ...(OPTIONS[name] ?? [])], `${who} '${name}'`);
    key = name;
  } else {
    name = metricName(spec, who);
    key = spec === 'acc' ? 'accuracy' : (spec as string);
  }
  const w = `${who} '${key}'`;
  const unit = (v: number) => v >= 0 && v <= 1;
  let def: MetricDef;
  switch (name) {
    case 'accuracy':
      def = loss.sparse ? D.sparseCategoricalAccuracy : canonical(loss.name) === 'categoricalcrossentropy' ? D.categoricalAccuracy : D.binaryAccuracy();
      break;
    case 'binaryAccuracy': def = D.binaryAccuracy(opt(o, 'threshold', 0.5, w, unit, 'a number in [0, 1]')); break;
    case 'categoricalAccuracy': def = D.categoricalAccuracy; break;
    case 'sparseCategoricalAccuracy': def = D.sparseCategoricalAccuracy; break;
    case 'topKCategoricalAccuracy': def = D.topKCategoricalAccuracy(opt(o, 'k', 5, w, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1')); break;
    case 'meanAbsoluteError': def = D.mae; break;
    case 'meanSquaredError': def = D.mse; break;
    case 'rootMeanSquaredError': def = D.rmse; break;
    case 'meanAbsolutePercentageError': def = D.mape; break;
    case 'precision': def = D.precision(opt(o, 'thresholds', 0.5, w, unit, 'a number in [0, 1]')); break;
    case 'recall': def = D.recall(opt(o, 'thresholds', 0.5, w, unit, 'a number in [0, 1]')); break;
    case 'auc': def = D.auc(opt(o, 'numThresholds', 200, w, (v) => Number.isInteger(v) && v > 1, 'an integer > 1')); break;
    case 'f1Score': {
      const average = own(o, 'average') ? o.average : 'macro';
      if (average !== 'micro' && average !== 'macro' && average !== 'weighted') {
        throw new Error(`${w}: average must be 'micro', 'macro' or 'weighted' (a per-class vector does not fit a log), got ${describe(average)}`);
      }
      const t = own(o, 'threshold') && o.threshold !== null ? opt(o, 'threshold', 0.5, w, unit, 'a number in [0, 1] or null') : null;
      def = D.f1Score(average, t);
      break;
    }
  }
  if (def.targets === 'sparse' && !loss.sparse) {
    throw new Error(`${w} needs integer labels, but the loss '${loss.name}' takes targets shaped like the output; use 'categoricalAccuracy'`);
  }
  if (def.targets === 'dense' && loss.sparse) {
    throw new Error(`${w} needs targets shaped like the output, but the loss '${loss.name}' takes integer labels`);
  }
  const saved = typeof spec === 'string' ? spec : { ...(spec as Record<string, unknown>) };
  return { ...def, name: key, plain: typeof spec === 'string', spec: saved };
}

/** Zeroed state for these metrics over outputs of `cols` columns. */
export function newMetricState(metrics: readonly Metric[], cols: number): Float64Array {
  return new Float64Array(metrics.reduce((n, m) => n + m.size(cols), 0));
}

export function updateMetrics(metrics: readonly Metric[], s: Float64Array, pred: Float32Array, tgt: Target,
                              w: Float32Array | null, rows: number, cols: number): void {
  let o = 0;
  for (const m of metrics) {
    m.update(s, o, pred, tgt, w, rows, cols);
    o += m.size(cols);
  }
}

export function metricResults(metrics: readonly Metric[], s: Float64Array, cols: number): Record<string, number> {
  const out: Record<string, number> = {};
  let o = 0;
  for (const m of metrics) {
    out[m.name] = m.result(s, o, cols);
    o += m.size(cols);
  }
  return out;
}
