/**
 * sample: draw an index from a probability vector with a temperature, as in
 * the Keras char-rnn example (lstm_text_generation.py):
 *
 *     preds = np.log(preds) / temperature
 *     preds = np.exp(preds) / np.sum(np.exp(preds))
 *     return np.argmax(np.random.multinomial(1, preds, 1))
 *
 * i.e. P(i) ∝ p_i^(1/T). T < 1 sharpens, T > 1 flattens, T = 1 samples `probs`
 * as given, T = 0 is argmax (first maximum). Computed in float64 with the
 * largest log-probability subtracted first so small T does not overflow.
 * `probs` need not sum to 1 (a model's float32 softmax rarely does exactly);
 * zero entries are never drawn (log 0 = -inf).
 *
 * Truncation (the Hugging Face `generate` order: temperature, then top-k, then
 * top-p): `topK` keeps the k most probable entries (ties at the boundary keep
 * the lower index); `topP` (nucleus sampling) keeps the most probable entries,
 * in decreasing order, until their share of the tempered, top-k-renormalised
 * mass reaches p — the entry that crosses p is kept, so at least one always is.
 * The kept entries are renormalised and sampled as above.
 */
import { argError, checkOptions } from './check.js';

export interface SampleOptions {
  /** >= 0, finite. Default 1. */
  temperature?: number;
  /** Uniform source in [0, 1). Default Math.random; pass `() => rng.next()` for reproducible output. */
  rng?: () => number;
  /** Keep only the k most probable entries (integer >= 1). Default: all. */
  topK?: number;
  /** Keep the smallest set of most probable entries whose mass reaches p, in (0, 1]. Default 1 (all). */
  topP?: number;
}

const FN = 'text.sample';

export function sample(probs: ArrayLike<number>, options: SampleOptions = {}): number {
  const o = checkOptions(FN, options, ['temperature', 'rng', 'topK', 'topP']);
  const t = o.temperature === undefined ? 1 : o.temperature;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw argError(FN, 'temperature', 'a finite number >= 0', t);
  }
  const topK = o.topK;
  if (topK !== undefined && (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1)) {
    throw argError(FN, 'topK', 'an integer >= 1', topK);
  }
  const topP = o.topP === undefined ? 1 : o.topP;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw argError(FN, 'topP', 'a number in (0, 1]', topP);
  const rng = o.rng === undefined ? Math.random : o.rng;
  if (typeof rng !== 'function') throw argError(FN, 'rng', 'a function returning numbers in [0, 1)', rng);
  if (probs == null || typeof probs === 'string' || typeof (probs as ArrayLike<number>).length !== 'number') {
    throw argError(FN, 'probs', 'an array of probabilities', probs);
  }
  const n = probs.length;
  if (n === 0) throw argError(FN, 'probs', 'a non-empty array of probabilities', probs);

  let best = -1;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) {
      throw argError(FN, `probs[${i}]`, 'a finite, non-negative probability', p);
    }
    if (p > 0 && (best < 0 || p > probs[best])) best = i;
  }
  if (best < 0) throw new Error(`${FN}: argument 'probs' must have a positive entry, got all ${n} zero`);
  if (t === 0) return best;

  // w_i = exp((log p_i - log p_max) / T) = (p_i / p_max)^(1/T), in (0, 1].
  const logMax = Math.log(probs[best]);
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    w[i] = p > 0 ? Math.exp((Math.log(p) - logMax) / t) : 0;
    sum += w[i];
  }
  if ((topK !== undefined && topK < n) || topP < 1) sum = truncate(w, sum, topK ?? n, topP);
  const u = rng();
  if (typeof u !== 'number' || !(u >= 0 && u < 1)) {
    throw new Error(`${FN}: option 'rng' must return numbers in [0, 1), returned ${String(u)}`);
  }
  // Inverse CDF. `target < cum` with u < 1 always stops at an index with w > 0;
  // the fallback covers rounding in the running sum.
  const target = u * sum;
  let cum = 0;
  let last = best;
  for (let i = 0; i < n; i++) {
    if (w[i] === 0) continue;
    cum += w[i];
    last = i;
    if (target < cum) return i;
  }
  return last;
}

/**
 * Zero every weight outside the top k, then outside the nucleus of mass topP
 * (of what top-k kept); returns the new sum. Sorted by decreasing weight, ties
 * by index, so the kept set never depends on the sort's stability.
 */
function truncate(w: Float64Array, sum: number, k: number, p: number): number {
  const order = Array.from(w.keys()).filter((i) => w[i] > 0).sort((a, b) => w[b] - w[a] || a - b);
  let keep = Math.min(k, order.length);
  let kept = 0;
  for (let j = 0; j < keep; j++) kept += w[order[j]];
  if (p < 1) {
    let cum = 0;
    for (let j = 0; j < keep; j++) {
      cum += w[order[j]];
      if (cum >= p * kept) { keep = j + 1; break; }
    }
  }
  sum = 0;
  for (let j = 0; j < order.length; j++) {
    if (j < keep) sum += w[order[j]];
    else w[order[j]] = 0;
  }
  return sum;
}
