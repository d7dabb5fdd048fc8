/**
 * Weight lists <-> (weightSpecs, weightData): the binary half of the format.
 *
 * weightData is every weight's values concatenated in spec order, row-major,
 * little-endian, no header, no padding (tfjs-core io_utils `encodeWeights` /
 * `decodeWeights`). float32 and int32 take 4 bytes per value. Converter output
 * may be quantized (uint8/uint16 with `value = q*scale + min`, or float16);
 * we dequantize to float32 exactly as tfjs-core `io_utils.getWeightBytelength`
 * and `decodeWeight` do.
 *
 * Decoding is strict where tfjs is lax: the total byte length must match the
 * specs exactly, and NaN/Infinity are rejected with the weight's name, because
 * a silently-wrong model is worse than an error.
 */
import { joinWeightData, weightSpecsOf, type WeightSpec, type WeightsManifestGroup } from './artifacts.js';
import { checkWeightSpecs, specByteLength } from './validate/manifest.js';

/** A named weight, as `model.getWeights()` returns it. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A decoded weight; `dtype` says which typed array `data` is. */
export interface DecodedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  /** From the manifest; 'optimizer' entries are optimizer slots, not layer weights. */
  group?: 'model' | 'optimizer';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`weight "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

function checkFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new Error(`weight "${name}": value ${v} at flat index ${i} (NaN/Infinity weights are rejected; ` +
        `the file is corrupt or the model diverged)`);
    }
  }
}

/**
 * Encode weights into specs + one ArrayBuffer (manifest order = list order).
 * Throws if a weight's data length does not match its shape, or has NaN/Inf.
 */
export function encodeWeights(list: readonly { name: string; shape: number[]; data: Float32Array | Int32Array }[]): { weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const seen = new Set<string>();
  let total = 0;
  for (const w of list) {
    const shape = checkShape(w.name, w.shape);
    if (seen.has(w.name)) throw new Error(`encodeWeights: duplicate weight name "${w.name}"`);
    seen.add(w.name);
    if (!(w.data instanceof Float32Array) && !(w.data instanceof Int32Array)) {
      throw new Error(`weight "${w.name}": data must be a Float32Array (or Int32Array), got ${Object.prototype.toString.call(w.data)}`);
    }
    if (w.data.length !== sizeOf(shape)) {
      throw new Error(`weight "${w.name}": shape [${shape}] needs ${sizeOf(shape)} values, data has ${w.data.length}`);
    }
    checkFinite(w.name, w.data);
    total += w.data.length * 4;
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const weightSpecs: WeightSpec[] = [];
  let o = 0;
  for (const w of list) {
    const isInt = w.data instanceof Int32Array;
    weightSpecs.push({ name: w.name, shape: [...w.shape], dtype: isInt ? 'int32' : 'float32' });
    if (LITTLE_ENDIAN) {
      bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), o);
      o += w.data.byteLength;
    } else {
      for (let i = 0; i < w.data.length; i++, o += 4) {
        if (isInt) view.setInt32(o, w.data[i], true);
        else view.setFloat32(o, w.data[i], true);
      }
    }
  }
  return { weightSpecs, weightData: bytes.buffer };
}

/** Bytes one spec occupies in weightData (tfjs `getWeightBytelength`); specs are checked first. */
const specBytes = specByteLength;

/** IEEE half -> float (exact; every half is representable in float32). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decodeOne(spec: WeightSpec, view: DataView, o: number): Float32Array | Int32Array {
  const n = sizeOf(spec.shape);
  const q = spec.quantization;
  if (q != null) {
    if (spec.dtype !== 'float32') {
      throw new Error(`weight "${spec.name}": quantized weights must have dtype float32, got "${spec.dtype}"`);
    }
    const out = new Float32Array(n);
    if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(o + 2 * i, true));
    } else {
      if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
        throw new Error(`weight "${spec.name}": ${q.dtype} quantization needs numeric "scale" and "min", got ${JSON.stringify(q)}`);
      }
      const { scale, min } = q;
      for (let i = 0; i < n; i++) {
        const v = q.dtype === 'uint8' ? view.getUint8(o + i) : view.getUint16(o + 2 * i, true);
        out[i] = v * scale + min;
      }
    }
    return out;
  }
  if (spec.dtype === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(o + 4 * i, true);
    return out;
  }
  if (LITTLE_ENDIAN && (view.byteOffset + o) % 4 === 0) {
    return new Float32Array(view.buffer.slice(view.byteOffset + o, view.byteOffset + o + 4 * n));
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(o + 4 * i, true);
  return out;
}

/**
 * Decode weightData against its specs. `data` may be one buffer or the shards
 * in order. Every error names the weight and the expected/actual bytes.
 * The returned arrays are copies (they never alias `data`).
 */
export function decodeWeights(rawSpecs: readonly WeightSpec[], data: ArrayBuffer | ArrayBuffer[]): DecodedWeight[] {
  const specs = checkWeightSpecs(rawSpecs, 'weight manifest');
  const buf = joinWeightData(data);
  const view = new DataView(buf);
  let need = 0;
  const offsets: number[] = [];
  for (const spec of specs) {
    offsets.push(need);
    need += specBytes(spec);
  }
  const mismatch = sizeMismatch(specs, buf.byteLength);
  if (mismatch != null) throw new Error(mismatch);
  return specs.map((spec, k) => {
    const values = decodeOne(spec, view, offsets[k]);
    checkFinite(spec.name, values);
    const w: DecodedWeight = {
      name: spec.name,
      shape: [...spec.shape],
      dtype: values instanceof Int32Array ? 'int32' : 'float32',
      data: values,
    };
    if (spec.group != null) w.group = spec.group;
    return w;
  });
}

/** tfjs / Python converter default shard size: 4 MiB (browser cache limit). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Cut weightData into shards of `shardBytes` (the last one shorter), named like
 * the Python converter: `group1-shard1of2.bin`, `group1-shard2of2.bin`.
 * Weights may straddle shard boundaries; loaders concatenate before decoding.
 * Zero bytes of weights still give one (empty) shard so the manifest has a path.
 */
export function shardWeightData(data: ArrayBuffer, shardBytes = DEFAULT_SHARD_BYTES): { paths: string[]; shards: ArrayBuffer[] } {
  if (!Number.isInteger(shardBytes) || shardBytes <= 0) {
    throw new Error(`shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const n = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const paths: string[] = [];
  const shards: ArrayBuffer[] = [];
  for (let i = 0; i < n; i++) {
    paths.push(`group1-shard${i + 1}of${n}.bin`);
    shards.push(data.slice(i * shardBytes, Math.min(data.byteLength, (i + 1) * shardBytes)));
  }
  return { paths, shards };
}

/** Total bytes the specs occupy in weightData. */
export function weightBytes(specs: readonly WeightSpec[]): number {
  let n = 0;
  for (const s of specs) n += specBytes(s);
  return n;
}

/**
 * Why `have` bytes of weight data do not fit `specs` (naming the first weight that does
 * not fit, or the extra bytes), or null when the size is exact. Needs sizes only, so
 * files can be checked before they are read.
 */
export function sizeMismatch(specs: readonly WeightSpec[], have: number): string | null {
  let need = 0;
  let first: { spec: WeightSpec; offset: number } | null = null;
  for (const spec of specs) {
    const n = specBytes(spec);
    if (first == null && need + n > have) first = { spec, offset: need };
    need += n;
  }
  if (have === need) return null;
  if (first != null) {
    const s = first.spec;
    return `weight data is truncated: weight "${s.name}" (shape [${s.shape}], ${s.dtype}) needs bytes ` +
      `${first.offset}..${first.offset + specBytes(s)} but the data has only ${have} bytes; ` +
      `the ${specs.length} weights in the manifest need ${need} bytes in total`;
  }
  return `weight data is too long: the ${specs.length} weights in the manifest need ${need} bytes ` +
    `but the data has ${have} bytes (${have - need} extra); the manifest and the .bin files do not belong together`;
}

/**
 * Check shard sizes against a (checked) manifest before decoding, so a wrong or
 * truncated .bin is reported by file name and size. `where` names model.json.
 */
export function checkShardBytes(manifest: WeightsManifestGroup[], sizes: readonly number[], where: string): void {
  const names = manifest.flatMap((g) => g.paths);
  const have = sizes.reduce((a, b) => a + b, 0);
  const mismatch = sizeMismatch(weightSpecsOf(manifest), have);
  if (mismatch == null) return;
  const need = weightBytes(weightSpecsOf(manifest));
  const list = sizes.map((n, i) => `${names[i]}: ${n} bytes`).join(', ');
  throw new Error(`${where}: weight shards hold ${have} bytes (${list}) but the manifest needs ${need} bytes. ${mismatch}`);
}
