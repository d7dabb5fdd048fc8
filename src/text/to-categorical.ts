/**
 * toCategorical: Keras `to_categorical` — integer class labels to one-hot rows.
 *
 * labels of shape S (a number array, Int32Array, nested arrays such as padded
 * token sequences, or a DenseArray/Tensor-like `{ data, shape }`) ->
 * DenseArray float32 of shape [...S, numClasses]; a trailing axis of size 1 is
 * dropped first, as in Keras ([n, 1] -> [n, numClasses]).
 * numClasses defaults to max(label) + 1.
 * Porting note: NumPy would wrap a negative label (-1 = last class); here
 * negative, fractional and >= numClasses labels are errors.
 */
import { argError, checkInt, describeValue } from './check.js';
import { DenseArray } from './dense-array.js';
import { checkOutputSize } from '../util/bounds.js';

export type Labels = ArrayLike<number> | readonly unknown[] | { data: ArrayLike<number>; shape: readonly number[] };

const FN = 'text.toCategorical';

export function toCategorical(labels: Labels, numClasses?: number | null): DenseArray<Float32Array> {
  const { values, shape } = flattenLabels(labels);
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw argError(FN, `labels (flat index ${i})`, 'a non-negative integer class id', v);
    }
    if (v > max) max = v;
  }
  const c = numClasses == null ? max + 1 : checkInt(FN, 'numClasses', numClasses, 1);
  if (max >= c) {
    throw new Error(`${FN}: label ${max} does not fit numClasses ${c}; expected labels in [0, ${c - 1}]`);
  }
  const outShape = shape.length > 1 && shape[shape.length - 1] === 1 ? shape.slice(0, -1) : shape.slice();
  checkOutputSize(FN, 'the one-hot output', [...outShape, c], 4);
  const out = new Float32Array(values.length * c);
  for (let i = 0; i < values.length; i++) out[i * c + values[i]] = 1;
  return new DenseArray(out, [...outShape, c]);
}

function flattenLabels(labels: unknown): { values: ArrayLike<number>; shape: number[] } {
  if (labels != null && typeof labels === 'object' && 'data' in labels && 'shape' in labels) {
    const { data, shape } = labels as { data: ArrayLike<number>; shape: number[] };
    return { values: data, shape: Array.from(shape) };
  }
  if (ArrayBuffer.isView(labels)) return { values: labels as unknown as ArrayLike<number>, shape: [(labels as unknown as ArrayLike<number>).length] };
  if (!Array.isArray(labels)) throw argError(FN, 'labels', 'an array of integer class ids', labels);
  // Nested arrays: infer the shape from the first elements, then require it everywhere.
  const shape: number[] = [];
  for (let cur: unknown = labels; Array.isArray(cur) || ArrayBuffer.isView(cur); cur = (cur as ArrayLike<unknown>)[0]) {
    shape.push((cur as ArrayLike<unknown>).length);
    if ((cur as ArrayLike<unknown>).length === 0) break;
  }
  const values: number[] = [];
  const walk = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) { values.push(v as number); return; }
    if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<unknown>).length !== shape[dim]) {
      throw new Error(`${FN}: argument 'labels' is ragged: expected length ${shape[dim]} at labels${path}, got ${describeValue(v)}`);
    }
    const a = v as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) walk(a[i], dim + 1, `${path}[${i}]`);
  };
  walk(labels, 0, '');
  return { values, shape };
}
