/**
 * fit({ sampleWeight, classWeight }) → one weight per output row, with Keras 3
 * semantics (keras/src/trainers/data_adapters: class_weight_to_sample_weights):
 *
 * - sampleWeight [N] (or [N, 1]): one weight per sample; for sequence outputs
 *   [N, T, C] it applies to every step of the sample. sampleWeight [N, T]:
 *   one weight per time step (sequence outputs only) — e.g. 0 on padding.
 * - classWeight { [cls]: w }: the weight of each sample's class (missing
 *   classes 1): the label for sparse targets, argmax of one-hot targets,
 *   round(y) for a single sigmoid output. Like Keras it is refused for
 *   sequence targets (use a per-step sampleWeight) and together with sampleWeight.
 *
 * The weights multiply each row's loss; the batch loss is still divided by the
 * number of rows (or valid rows under a mask): src/losses/reduce.ts.
 */
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { describe, shapeStr } from '../names.js';

/**
 * Per-row weights [N, R] or null when neither option is given. R = output rows
 * per sample: T for sequence outputs [N, T, C], else 1.
 */
export function rowWeights(sampleWeight: unknown, classWeight: unknown, y: Tensor, sparse: boolean, cols: number, R: number, who: string): Tensor | null {
  if (sampleWeight === undefined && classWeight === undefined) return null;
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new Error(`${who}: pass classWeight or sampleWeight, not both (Keras refuses the combination; fold the class weights into sampleWeight)`);
  }
  const N = y.shape[0];
  const out = new Float32Array(N * R);
  if (sampleWeight !== undefined) {
    const sw = toTensor(sampleWeight as TensorLike, `${who}: sampleWeight`);
    const perSample = (sw.rank === 1 || (sw.rank === 2 && sw.shape[1] === 1)) && sw.shape[0] === N;
    const perStep = R > 1 && sw.rank === 2 && sw.shape[0] === N && sw.shape[1] === R;
    if (!perSample && !perStep) {
      throw new Error(`${who}: sampleWeight must have shape [${N}] (one weight per sample)${R > 1 ? ` or [${N}, ${R}] (one per time step)` : ''}, got ${shapeStr(sw.shape)}`);
    }
    for (let i = 0; i < sw.size; i++) {
      const v = sw.data[i];
      if (!Number.isFinite(v) || v < 0) throw new Error(`${who}: sampleWeight must be finite and ≥ 0, got ${v} at flat index ${i}`);
    }
    if (perStep) out.set(sw.data);
    else for (let n = 0; n < N; n++) out.fill(sw.data[n], n * R, (n + 1) * R);
    return new Tensor(out, [N, R], 'float32');
  }
  const cw = classWeight as Record<string, unknown>;
  if (!cw || typeof cw !== 'object' || Array.isArray(cw)) throw new Error(`${who}: classWeight must be an object { [class]: weight }, got ${describe(cw)}`);
  if (R > 1) throw new Error(`${who}: classWeight is not supported for sequence targets (shape ${shapeStr(y.shape)}), as in Keras; pass a per-step sampleWeight [${N}, ${R}] instead`);
  const nClasses = sparse || cols > 1 ? cols : 2;
  const table = new Float64Array(nClasses).fill(1);
  for (const k of Object.keys(cw)) {
    const c = Number(k), v = cw[k];
    if (!Number.isInteger(c) || c < 0 || c >= nClasses) throw new Error(`${who}: classWeight key '${k}' must be a class index in [0, ${nClasses})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${who}: classWeight[${k}] must be a finite number ≥ 0, got ${describe(v)}`);
    table[c] = v;
  }
  const row = y.size / N;
  for (let n = 0; n < N; n++) {
    let cls: number;
    if (sparse) cls = y.data[n * row];
    else if (cols > 1) {
      cls = 0;
      for (let j = 1; j < cols; j++) if (y.data[n * cols + j] > y.data[n * cols + cls]) cls = j;
    } else {
      cls = Math.round(y.data[n]);
      if (cls !== 0 && cls !== 1) throw new Error(`${who}: classWeight with a single output needs 0/1 targets, got ${y.data[n]} at sample ${n}`);
    }
    out[n] = table[cls];
  }
  return new Tensor(out, [N, 1], 'float32');
}
