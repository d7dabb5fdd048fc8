/**
 * Tensor: a plain, inspectable value (shape, dtype, data). Models copy tensors
 * into backend memory; a Tensor never points into WebAssembly memory, so it can
 * never dangle after the memory grows.
 */
import { describe as describeValue } from './names.js';
/** Element type of a tensor: `'float32'` for values, `'int32'` for token ids and labels. */
export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;
/** Nested JavaScript arrays of numbers, e.g. `[[1, 2], [3, 4]]` (rectangular). */
export type NestedArray = number | NestedArray[];

/**
 * A plain, inspectable value: `shape`, `dtype` and the row-major `data`.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);   // shape [2, 3], float32
 * x.toArray();                                 // [[1, 2, 3], [4, 5, 6]]
 * ```
 */
export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: TensorData;

  constructor(data: TensorData, shape: number[], dtype: DType = data instanceof Int32Array ? 'int32' : 'float32') {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) {
      throw new Error(`tensor: shape [${shape}] needs ${n} values, got ${data.length}`);
    }
    this.shape = shape.slice();
    this.dtype = dtype;
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }

  /** Nested JS arrays. */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const rec = (dim: number, off: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[off + i] : rec(dim + 1, off + i * stride));
      }
      return out;
    };
    return rec(0, 0);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape}])`;
  }
}

function inferShape(x: NestedArray, what: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  // verify the nesting is rectangular
  const check = (v: NestedArray, dim: number, path: string) => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`${what}${path}: expected a number, got ${describeValue(v)}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(Array.isArray(v)
        ? `${what}${path} has length ${v.length}, but ${what.slice(what.lastIndexOf(' ') + 1)}${'[0]'.repeat(dim)} has ${shape[dim]}: the nested arrays are ragged`
        : `${what}${path}: expected an array of length ${shape[dim]}, got ${describeValue(v)}`);
    }
    v.forEach((e, i) => check(e, dim + 1, `${path}[${i}]`));
  };
  check(x, 0, '');
  return shape;
}

function flatten(x: NestedArray, out: number[]): void {
  if (Array.isArray(x)) for (const v of x) flatten(v, out);
  else out.push(x);
}

/**
 * tensor(data, shape?, dtype?): data is a flat number[] / Float32Array /
 * Int32Array (shape required unless 1-D) or nested arrays (shape inferred and
 * checked if given). dtype defaults to the typed array's, else float32.
 *
 * @example
 * ```ts
 * const ids = tensor([[3, 1, 4], [1, 5, 9]], undefined, 'int32');
 * const x = tensor(new Float32Array(24), [2, 4, 3]);
 * ```
 */
export function tensor(data: NestedArray | ArrayLike<number> | TensorData, shape?: number[], dtype?: DType): Tensor {
  return makeTensor(data, shape, dtype, 'tensor: data');
}

/** tensor(), with `what` naming the data in messages (`fit: x`, `fit: y`). */
function makeTensor(data: NestedArray | ArrayLike<number> | TensorData, shape: number[] | undefined, dtype: DType | undefined, what: string): Tensor {
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
    throw new Error(`tensor: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  }
  if (shape !== undefined && (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))) {
    throw new Error(`tensor: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (data instanceof Float32Array || data instanceof Int32Array) {
    flat = data;
    inferred = [data.length];
    dtype ??= data instanceof Int32Array ? 'int32' : 'float32';
  } else if (Array.isArray(data)) {
    inferred = inferShape(data as NestedArray, what);
    const out: number[] = [];
    flatten(data as NestedArray, out);
    flat = out;
  } else if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (data && typeof (data as ArrayLike<number>).length === 'number') {
    flat = data as ArrayLike<number>;
    inferred = [flat.length];
  } else {
    throw new Error(`tensor: data must be a number array, nested arrays or a typed array, got ${typeof data}`);
  }
  const finalShape = shape ?? inferred;
  if (shape && Array.isArray(data) && inferred.length > 1 && inferred.join() !== shape.join()) {
    throw new Error(`tensor: nested data has shape [${inferred}] but shape [${shape}] was given`);
  }
  dtype ??= 'float32';
  let typed: TensorData;
  if (dtype === 'int32') {
    if (flat instanceof Int32Array) typed = flat;
    else {
      typed = new Int32Array(flat.length);
      for (let i = 0; i < flat.length; i++) {
        const v = flat[i];
        if (!Number.isInteger(v)) throw new Error(`tensor: int32 data must be integers, got ${v} at index ${i}`);
        typed[i] = v;
      }
    }
  } else {
    typed = flat instanceof Float32Array ? flat : Float32Array.from(flat as ArrayLike<number>);
  }
  return new Tensor(typed, finalShape, dtype);
}

/** Accepts a Tensor, nested arrays or a `{data, shape}` object (e.g. text.padSequences output). */
export type TensorLike = Tensor | NestedArray | { data: TensorData; shape: number[] };

export function toTensor(x: TensorLike, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (x && typeof x === 'object' && !Array.isArray(x) && 'data' in x && 'shape' in x) {
    return makeTensor(x.data, x.shape, undefined, what);
  }
  if (Array.isArray(x)) return makeTensor(x, undefined, undefined, what);
  throw new Error(`${what}: expected a Tensor, nested arrays or {data, shape}, got ${x === null ? 'null' : typeof x}`);
}
