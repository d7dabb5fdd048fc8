/** Data inputs for the `data` utilities: anything toTensor takes, or a flat typed/number array (rank 1). */
import { Tensor, toTensor, type TensorLike } from '../tensor.js';

export type SeriesLike = TensorLike | ArrayLike<number>;

export function asTensor(x: SeriesLike, what: string): Tensor {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    return new Tensor(a instanceof Float32Array || a instanceof Int32Array ? a : Float32Array.from(a), [a.length]);
  }
  return toTensor(x as TensorLike, what);
}
