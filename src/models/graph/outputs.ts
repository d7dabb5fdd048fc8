/**
 * Per-output training configuration, as Keras does it: `loss` is one loss for every output, an
 * array (one per output, null = no loss) or a record by output name; `lossWeights` an array or a
 * record (default 1); `metrics` one list for every output, an array of lists, or a record. The
 * model's loss is Σ weight·loss over the outputs that have one.
 *
 * Logs: a model whose loss is on one output logs `loss` and the metric names (as a Sequential
 * always did). Otherwise it also logs `<output>_loss` and `<output>_<metric>` per output; their
 * running sums sit at the start of the metric state (two slots per loss output, then each
 * output's metric slots), so batches and data-parallel chunks still combine by adding states.
 */
import { getLoss, type Loss } from '../../losses.js';
import { resolveMetric, newMetricState, updateMetrics, metricResults, type Metric } from '../../metrics.js';
import { own } from '../../util/options.js';
import { describe } from '../../names.js';

export interface OutputTraining {
  losses: (Loss | null)[];
  weights: number[];
  metrics: Metric[][];
  /** Only output `single` has a loss and metrics (plain logs); -1 otherwise. */
  single: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One value per output from a value for all, an array, or a record by output name. */
function perOutput<T>(spec: unknown, names: string[], who: string, all: (v: unknown) => boolean, missing: T | undefined, each: (v: unknown, j: number) => T): T[] {
  if (Array.isArray(spec) && !all(spec)) {
    if (spec.length !== names.length) throw new Error(`${who}: expected one entry per output (${names.join(', ')}): ${names.length}, got ${spec.length}`);
    return spec.map((v, j) => each(v, j));
  }
  if (isRecord(spec) && !all(spec)) {
    for (const k of Object.keys(spec)) {
      if (!names.includes(k)) throw new Error(`${who}: no output named '${k}'; the outputs are ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    return names.map((n, j) => (own(spec, n) ? each(spec[n], j) : missing === undefined ? each(undefined, j) : missing));
  }
  return names.map((_, j) => each(spec, j));
}

/**
 * Resolve compile's loss / lossWeights / metrics for outputs `names`. `lossOutputs`: how many of
 * the outputs a loss may apply to (a Sequential trains its first output only; null = all).
 */
export function compileOutputs(loss: unknown, lossWeights: unknown, metrics: unknown, names: string[], firstOnly: boolean, who: string): OutputTraining {
  const n = names.length;
  let losses: (Loss | null)[];
  if (firstOnly) {
    losses = names.map((_, j) => (j === 0 ? getLoss(loss) : null));
  } else {
    // a { name, ...options } or custom { value, gradient } object is one loss, not a record by output
    const oneLoss = (v: unknown) => !Array.isArray(v) && (!isRecord(v) || own(v, 'name') || own(v, 'value') || own(v, 'gradient'));
    losses = perOutput<Loss | null>(loss, names, `${who}: loss`, oneLoss, null, (v, j) => {
      if (v === null) return null;
      try {
        return getLoss(v);
      } catch (e) {
        throw new Error(n > 1 ? `${who}: loss of output '${names[j]}': ${(e as Error).message}` : (e as Error).message);
      }
    });
    if (losses.every((l) => l === null)) throw new Error(`${who}: no output has a loss; give at least one`);
  }
  const weights = lossWeights === undefined ? names.map(() => 1)
    : perOutput<number>(lossWeights, names, `${who}: lossWeights`, (v) => typeof v === 'number', 1, (v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${who}: lossWeights for output '${names[j]}' must be a finite number, got ${describe(v)}`);
      return v;
    });
  if (metrics !== undefined && !Array.isArray(metrics) && !isRecord(metrics)) {
    throw new Error(`${who}: metrics must be an array like ['accuracy'] (or one list per output), got ${describe(metrics)}`);
  }
  // a list of names applies to every output that has a loss (Keras); a list of lists or a record is per output
  const listOfLists = Array.isArray(metrics) && metrics.length === n && n > 1 && metrics.every((m) => Array.isArray(m));
  const perOut: unknown[] = metrics === undefined ? names.map(() => [])
    : listOfLists ? metrics as unknown[]
      : isRecord(metrics) ? perOutput<unknown>(metrics, names, `${who}: metrics`, () => false, [], (v) => v ?? [])
        : names.map((_, j) => (losses[j] ? metrics : []));
  const resolved = perOut.map((list, j) => {
    const m = Array.isArray(list) ? list : [list];
    if (m.length && !losses[j]) throw new Error(`${who}: metrics for output '${names[j]}', which has no loss (metrics compare an output with its targets)`);
    const ms = m.map((spec) => resolveMetric(spec, losses[j]!));
    const ns = ms.map((x) => x.name);
    const dup = ns.find((x, i) => ns.indexOf(x) !== i);
    if (dup) throw new Error(`${who}: metric '${dup}' is listed twice${n > 1 ? ` for output '${names[j]}'` : ''}`);
    return ms;
  });
  const withLoss = losses.map((l, j) => (l ? j : -1)).filter((j) => j >= 0);
  const single = withLoss.length === 1 && resolved.every((m, j) => j === withLoss[0] || m.length === 0) ? withLoss[0] : -1;
  return { losses, weights, metrics: resolved, single };
}

/** Sizes of the metric state: [lossSum, samples] per loss output, then each output's metric slots. */
function offsets(t: OutputTraining, cols: number[]): number[] {
  const at: number[] = [];
  let o = 2 * t.losses.length;
  t.metrics.forEach((m, j) => { at.push(o); o += newMetricState(m, cols[j]).length; });
  at.push(o);
  return at;
}

export function outputMetricState(t: OutputTraining, cols: number[]): Float64Array {
  if (t.single >= 0) return newMetricState(t.metrics[t.single], cols[t.single]);
  const at = offsets(t, cols);
  return new Float64Array(at[at.length - 1]);
}

/** Add one output's batch to the state: its mean loss over `samples` rows, its metrics. */
export function updateOutput(t: OutputTraining, cols: number[], s: Float64Array, j: number, loss: number, samples: number,
                             pred: Float32Array, tgt: Float32Array | Int32Array, w: Float32Array | null, rows: number): void {
  if (t.single >= 0) {
    if (t.metrics[j].length) updateMetrics(t.metrics[j], s, pred, tgt, w, rows, cols[j]);
    return;
  }
  s[2 * j] += loss * samples;
  s[2 * j + 1] += samples;
  if (t.metrics[j].length) {
    const at = offsets(t, cols);
    updateMetrics(t.metrics[j], s.subarray(at[j], at[j + 1]), pred, tgt, w, rows, cols[j]);
  }
}

export function outputLogs(t: OutputTraining, cols: number[], s: Float64Array, names: string[]): Record<string, number> {
  if (t.single >= 0) return metricResults(t.metrics[t.single], s, cols[t.single]);
  const at = offsets(t, cols), out: Record<string, number> = {};
  t.losses.forEach((l, j) => { if (l && s[2 * j + 1] > 0) out[`${names[j]}_loss`] = s[2 * j] / s[2 * j + 1]; });
  t.metrics.forEach((m, j) => {
    for (const [k, v] of Object.entries(metricResults(m, s.subarray(at[j], at[j + 1]), cols[j]))) out[`${names[j]}_${k}`] = v;
  });
  return out;
}
