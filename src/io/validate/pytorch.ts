/**
 * PyTorch inputs, checked before any layer is built:
 *   checkStateDictObject(obj)          { name: { shape, data } | nested arrays } -> name -> { shape, data: Float32Array }
 *   checkSafetensorsHeader(h, bytes)   the parsed JSON header of a safetensors file -> entries with byte spans
 * Own properties only; shapes within MAX_RANK and MAX_WEIGHT_BYTES; every value a finite
 * float32 (`null` is what JSON.stringify writes for NaN/Infinity, so it is refused, not read as 0);
 * nesting depth bounded without recursion. Errors name the tensor, field, expectation and finding.
 */
import { checkJsonValue, isPlainObject, typeName } from './json.js';
import { checkShapeField } from './manifest.js';
import { MAX_RANK, MAX_WEIGHTS, MAX_WEIGHT_BYTES } from './limits.js';

export interface CheckedTensor {
  shape: number[];
  data: Float32Array;
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const F32_MAX = 3.4028234663852886e38;

function count(shape: readonly number[], at: string, bytesPerValue = 4): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!(n * bytesPerValue <= MAX_WEIGHT_BYTES)) {
    throw new Error(`${at}: shape [${shape}] needs ${n * bytesPerValue} bytes; at most ${MAX_WEIGHT_BYTES} bytes of weights can be loaded`);
  }
  return n;
}

/** One value -> float32, or an Error naming tensor and flat index. */
function value(x: unknown, at: string, i: number): number {
  if (typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= F32_MAX) return x;
  if (x === null) throw new Error(`${at}: value null at flat index ${i} (JSON writes NaN and Infinity as null); expected a finite number`);
  if (typeof x === 'number') throw new Error(`${at}: value ${x} at flat index ${i}; expected a finite float32 number`);
  throw new Error(`${at}: found ${typeName(x)} at flat index ${i}; expected a finite number`);
}

/** Shape of a nested array, found by following first elements (at most MAX_RANK levels). */
function nestedShape(v: unknown[], at: string): number[] {
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    if (shape.length === MAX_RANK) throw new Error(`${at}: nested arrays deeper than ${MAX_RANK} levels; expected a tensor of rank <= ${MAX_RANK}`);
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

/** Flatten a nested array that must have exactly `shape` (row-major); depth is bounded by shape.length. */
function flatten(v: unknown[], shape: number[], at: string): Float32Array {
  const out = new Float32Array(count(shape, at));
  let o = 0;
  const walk = (a: unknown, level: number, path: string): void => {
    if (level === shape.length) {
      out[o] = value(a, at, o);
      o++;
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[level]) {
      const found = Array.isArray(a) ? `length ${a.length}` : typeName(a);
      throw new Error(`${at}: a ragged nested array: ${path || 'the top level'} has ${found}, expected length ${shape[level]} (shape [${shape}])`);
    }
    for (let i = 0; i < a.length; i++) walk(a[i], level + 1, `${path}[${i}]`);
  };
  walk(v, 0, '');
  return out;
}

function entry(name: string, v: unknown): CheckedTensor {
  const at = `state dict: '${name}'`;
  if (Array.isArray(v)) {
    const shape = nestedShape(v, at);
    return { shape, data: flatten(v, shape, at) };
  }
  if (!isPlainObject(v)) throw new Error(`${at}: expected { shape, data } or a nested array, found ${typeName(v)}`);
  for (const k of Object.keys(v)) {
    if (k !== 'shape' && k !== 'data' && k !== 'dtype') throw new Error(`${at}: unknown field "${k}"; expected shape, data (and optionally dtype)`);
  }
  const shape = checkShapeField(own(v, 'shape') ? v.shape : undefined, `${at}.shape`);
  const n = count(shape, at);
  const data = own(v, 'data') ? v.data : undefined;
  const isNumberArray = ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);
  if (!Array.isArray(data) && !isNumberArray) {
    throw new Error(`${at}.data: expected a flat number array or typed array, found ${typeName(data)}`);
  }
  const values = data as ArrayLike<unknown>;
  if (values.length !== n) {
    throw new Error(`state dict: '${name}' has shape [${shape.join(', ')}] (${n} values) but ${values.length} data values`);
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = value(values[i], at, i);
  return { shape, data: out };
}

/** Every tensor of a plain-object state dict, checked and converted. */
export function checkStateDictObject(obj: unknown): Map<string, CheckedTensor> {
  if (!isPlainObject(obj)) throw new Error(`state dict: expected safetensors bytes or an object of tensors, found ${typeName(obj)}`);
  const keys = Object.keys(obj);
  if (keys.length > MAX_WEIGHTS) throw new Error(`state dict: expected at most ${MAX_WEIGHTS} tensors, found ${keys.length}`);
  const out = new Map<string, CheckedTensor>();
  for (const k of keys) out.set(k, entry(k, obj[k]));
  return out;
}

export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A safetensors header (already JSON.parse'd): `dtypeSize` gives each dtype's bytes.
 * Returns the entries and the metadata; spans are checked against `dataBytes`
 * (no holes, no overlaps, exact coverage) by the caller's layout rules below.
 */
export function checkSafetensorsHeader(header: unknown, dataBytes: number, dtypeSize: Readonly<Record<string, number>>):
  { entries: HeaderEntry[]; metadata: Record<string, string> } {
  const fail = (msg: string): never => { throw new Error(`safetensors: ${msg}`); };
  if (!isPlainObject(header)) fail(`the header must be a JSON object, found ${typeName(header)}`);
  checkJsonValue(header, 'safetensors: header');
  const h = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const name of Object.keys(h)) {
    const raw = h[name];
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) fail(`__metadata__ must be an object of strings, found ${typeName(raw)}`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string, found ${typeName(v)}`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (!isPlainObject(raw)) fail(`tensor '${name}': expected {dtype, shape, data_offsets}, found ${typeName(raw)}`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`tensor '${name}': unknown field "${k}"; expected dtype, shape, data_offsets`);
    }
    const dtype = own(e, 'dtype') ? e.dtype : undefined;
    if (typeof dtype !== 'string' || !own(dtypeSize, dtype)) fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}`);
    const shape = checkShapeField(own(e, 'shape') ? e.shape : undefined, `safetensors: tensor '${name}': shape`);
    const off = own(e, 'data_offsets') ? e.data_offsets : undefined;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail(`tensor '${name}': data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const size = dtypeSize[dtype as string];
    const expected = count(shape, `safetensors: tensor '${name}'`, size) * size;
    if (end - begin !== expected) {
      fail(`tensor '${name}': ${dtype} [${shape.join(', ')}] needs ${expected} bytes, data_offsets give ${end - begin}`);
    }
    if (end > dataBytes) fail(`tensor '${name}': data_offsets end ${end} is past the ${dataBytes}-byte data section (truncated file?)`);
    entries.push({ name, dtype: dtype as string, shape, begin, end });
  }
  return { entries, metadata };
}
