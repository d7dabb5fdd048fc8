/**
 * Weight specs and manifests (tfjs `WeightsManifestEntry[]`, `WeightsManifestConfig`):
 * checked field by field before a byte is decoded or a shard is read, and returned
 * as fresh objects holding only the known, own fields.
 *
 *   spec     = { name: string, shape: int[] (>= 0), dtype: 'float32' | 'int32',
 *                group?: 'model' | 'optimizer',
 *                quantization?: { dtype: 'uint8' | 'uint16' | 'float16', scale?, min?, original_dtype? } }
 *   manifest = [{ paths: string[], weights: spec[] }, ...]
 *
 * This file owns the bytes a spec occupies (tfjs-core `getWeightBytelength`);
 * weights.ts decodes with the same numbers.
 */
import type { WeightSpec, WeightsManifestGroup } from '../artifacts.js';
import { fieldPath, isPlainObject, typeName } from './json.js';
import { MAX_NAME_CHARS, MAX_RANK, MAX_WEIGHTS, MAX_WEIGHT_BYTES } from './limits.js';

const SPEC_KEYS = ['name', 'shape', 'dtype', 'group', 'quantization'];
const QUANT_KEYS = ['dtype', 'scale', 'min', 'original_dtype'];
/** Bytes per stored value. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4 };
const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Bytes of one already-checked spec. */
export function specByteLength(spec: WeightSpec): number {
  let n = 1;
  for (const d of spec.shape) n *= d;
  return n * (spec.quantization != null ? QUANT_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype]);
}

function unknownKeys(o: Record<string, unknown>, allowed: string[], at: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k) && o[k] !== undefined) {
      throw new Error(`${at}: unknown field "${k}"; expected only ${allowed.join(', ')}`);
    }
  }
}

/** A non-empty string of at most MAX_NAME_CHARS characters without NUL. */
export function checkName(v: unknown, at: string, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_CHARS || v.includes('\0')) {
    const why = typeof v === 'string' ? (v.length === 0 ? 'an empty string' : v.includes('\0') ? 'a string with a NUL character' : `a string of ${v.length} characters`) : typeName(v);
    throw new Error(`${at}: expected ${what} (a non-empty string of at most ${MAX_NAME_CHARS} characters), found ${why}`);
  }
  return v;
}

/** A shape: at most MAX_RANK non-negative safe integers. Returns a copy. */
export function checkShapeField(v: unknown, at: string): number[] {
  if (!Array.isArray(v)) throw new Error(`${at}: expected a shape (an array of non-negative integers), found ${typeName(v)}`);
  if (v.length > MAX_RANK) throw new Error(`${at}: expected a shape of rank <= ${MAX_RANK}, found rank ${v.length}`);
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new Error(`${at}[${i}]: expected a non-negative integer dimension, found ${typeName(d)}`);
    }
    out.push(d);
  }
  return out;
}

function checkSpec(raw: unknown, where: string, field: string): WeightSpec {
  const at0 = `${where}: ${field}`;
  if (!isPlainObject(raw)) throw new Error(`${at0}: expected a weight spec {name, shape, dtype}, found ${typeName(raw)}`);
  const name = checkName(own(raw, 'name') ? raw.name : undefined, `${at0}.name`, 'a weight name');
  const at = `${where}: weight "${name}" (${field})`;
  unknownKeys(raw, SPEC_KEYS, at);
  const shape = checkShapeField(own(raw, 'shape') ? raw.shape : undefined, `${at}: shape`);
  const dtype = own(raw, 'dtype') ? raw.dtype : undefined;
  if (typeof dtype !== 'string' || !own(DTYPE_BYTES, dtype)) {
    throw new Error(typeof dtype === 'string' ? `${at}: dtype "${dtype}" is not supported; expected "float32" or "int32"`
      : `${at}: dtype: expected "float32" or "int32", found ${typeName(dtype)}`);
  }
  const spec: WeightSpec = { name, shape, dtype };
  const group = own(raw, 'group') ? raw.group : undefined;
  if (group !== undefined) {
    if (group !== 'model' && group !== 'optimizer') throw new Error(`${at}: group: expected "model" or "optimizer", found ${typeName(group)}`);
    spec.group = group;
  }
  const q = own(raw, 'quantization') ? raw.quantization : undefined;
  if (q != null) {
    const qa = `${at}: quantization`;
    if (!isPlainObject(q)) throw new Error(`${qa}: expected {dtype, scale, min}, found ${typeName(q)}`);
    unknownKeys(q, QUANT_KEYS, qa);
    const qd = own(q, 'dtype') ? q.dtype : undefined;
    if (typeof qd !== 'string' || !own(QUANT_BYTES, qd)) throw new Error(`${qa}.dtype: expected "uint8", "uint16" or "float16", found ${typeName(qd)}`);
    if (dtype !== 'float32') throw new Error(`${qa}: quantized weights must have dtype "float32", found "${dtype}"`);
    const quant: NonNullable<WeightSpec['quantization']> = { dtype: qd as 'uint8' | 'uint16' | 'float16' };
    for (const k of ['scale', 'min'] as const) {
      const x = own(q, k) ? q[k] : undefined;
      if (qd !== 'float16' && (typeof x !== 'number' || !Number.isFinite(x))) {
        throw new Error(`${qa}.${k}: ${qd} quantization needs a finite number, found ${typeName(x)}`);
      }
      if (x !== undefined) {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${qa}.${k}: expected a finite number, found ${typeName(x)}`);
        quant[k] = x;
      }
    }
    const od = own(q, 'original_dtype') ? q.original_dtype : undefined;
    if (od !== undefined) {
      if (od !== 'float32') throw new Error(`${qa}.original_dtype: expected "float32", found ${typeName(od)}`);
      quant.original_dtype = od;
    }
    spec.quantization = quant;
  }
  const bytes = specByteLength(spec);
  if (!(bytes <= MAX_WEIGHT_BYTES)) {
    throw new Error(`${at}: shape [${shape}] needs ${bytes} bytes; at most ${MAX_WEIGHT_BYTES} bytes of weights can be loaded`);
  }
  return spec;
}

/** Checked copies of `specs`; names unique, total bytes within MAX_WEIGHT_BYTES. */
export function checkWeightSpecs(specs: unknown, where: string, field = 'weightSpecs'): WeightSpec[] {
  if (!Array.isArray(specs)) throw new Error(`${where}: ${field}: expected an array of weight specs, found ${typeName(specs)}`);
  if (specs.length > MAX_WEIGHTS) throw new Error(`${where}: ${field}: expected at most ${MAX_WEIGHTS} weights, found ${specs.length}`);
  const out: WeightSpec[] = [];
  const seen = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < specs.length; i++) {
    const at = `${where}: ${fieldPath(field, i)}`;
    const spec = checkSpec(specs[i], where, fieldPath(field, i));
    const prev = seen.get(spec.name);
    if (prev !== undefined) throw new Error(`${at}: duplicate weight name "${spec.name}" (also ${fieldPath(field, prev)})`);
    seen.set(spec.name, i);
    total += specByteLength(spec);
    if (total > MAX_WEIGHT_BYTES) throw new Error(`${at}: the weights up to "${spec.name}" need ${total} bytes; at most ${MAX_WEIGHT_BYTES} bytes of weights can be loaded`);
    out.push(spec);
  }
  return out;
}

/** Checked copy of a model.json `weightsManifest`; specs unique across groups. */
export function checkManifest(manifest: unknown, where: string): WeightsManifestGroup[] {
  if (!Array.isArray(manifest)) {
    throw new Error(`${where}: weightsManifest: expected an array of {paths, weights}, found ${typeName(manifest)}`);
  }
  const groups: WeightsManifestGroup[] = [];
  let nPaths = 0;
  for (let g = 0; g < manifest.length; g++) {
    const at = fieldPath('weightsManifest', g);
    const raw: unknown = manifest[g];
    if (!isPlainObject(raw)) throw new Error(`${where}: ${at}: expected {paths: string[], weights: [...]}, found ${typeName(raw)}`);
    unknownKeys(raw, ['paths', 'weights'], `${where}: ${at}`);
    const paths = own(raw, 'paths') ? raw.paths : undefined;
    if (!Array.isArray(paths)) throw new Error(`${where}: ${at}.paths: expected an array of shard file names, found ${typeName(paths)}`);
    nPaths += paths.length;
    if (nPaths > MAX_WEIGHTS) throw new Error(`${where}: ${at}.paths: expected at most ${MAX_WEIGHTS} shard files in all, found more`);
    const checkedPaths = paths.map((p, i) => checkName(p, `${where}: ${fieldPath(`${at}.paths`, i)}`, 'a shard path'));
    const weights = checkWeightSpecs(own(raw, 'weights') ? raw.weights : undefined, where, `${at}.weights`);
    groups.push({ paths: checkedPaths, weights });
  }
  // Names are unique across groups too, and the total stays within the limit.
  checkWeightSpecs(groups.flatMap((g) => g.weights), where, 'weightsManifest[*].weights');
  return groups;
}
