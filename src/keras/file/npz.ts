/**
 * `model.weights.npz` (Keras 3 with `weights_format` npz): a zip of .npy
 * members, one per saved object, `<path>.npy` holding a 0-d object array
 * whose pickle is a dict {"0": array, "1": array, …} (pickle.ts reads it
 * without executing anything). Exposes the same read-only interface as the
 * HDF5 weights (hdf5.ts) with the h5 layout's paths: `<path>/vars/<i>`.
 */
import { fail } from './errors.js';
import { unpickle, type NdArray } from './pickle.js';
import { readZip } from './zip.js';
import type { WeightStore } from './hdf5.js';

const MAX_ELEMENTS = 2 ** 28;

function npyHeader(b: Uint8Array, file: string, what: string): { descr: string; fortran: boolean; shape: number[]; offset: number } {
  if (b.length < 10 || b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== 'NUMPY') fail(file, what, 'not a .npy array (no \\x93NUMPY magic)');
  const major = b[6];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const len = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + len > b.length) fail(file, what, `.npy header of ${len} bytes runs past the member`);
  const h = new TextDecoder().decode(b.subarray(start, start + len));
  const descr = /'descr':\s*'([^']*)'/.exec(h)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(h)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(h)?.[1];
  if (descr == null || fortran == null || shape == null) fail(file, what, `.npy header ${JSON.stringify(h.slice(0, 80))} is malformed`);
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) fail(file, what, `.npy shape (${shape}) is malformed`);
  return { descr, fortran: fortran === 'True', shape: dims, offset: start + len };
}

function toFloats(a: NdArray, file: string, what: string): Float32Array {
  const m = /^([<>|=]?)f([48])$/.exec(a.dtype) ?? /^()f([48])$/.exec(a.dtype);
  const order = a.order === '>' ? '>' : '<';
  if (!m) fail(file, what, `dtype "${a.dtype}"; expected float32 or float64 weights`);
  const size = Number(m[2]);
  const n = a.shape.reduce((x, y) => x * y, 1);
  if (n > MAX_ELEMENTS) fail(file, what, `shape [${a.shape}] has more than ${MAX_ELEMENTS} elements`);
  const raw = a.data;
  if (!(raw instanceof Uint8Array) || raw.length !== n * size) {
    fail(file, what, `holds ${raw instanceof Uint8Array ? raw.length : 0} bytes, its shape [${a.shape}] needs ${n * size}`);
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = size === 4 ? v.getFloat32(i * 4, order === '<') : v.getFloat64(i * 8, order === '<');
    if (!Number.isFinite(x)) fail(file, what, `value ${x} at flat index ${i}; weights must be finite numbers`);
    out[i] = x;
  }
  return out;
}

export class NpzStore implements WeightStore {
  private constructor(readonly file: string, private readonly groups: Map<string, Map<string, NdArray>>) {}

  static async open(bytes: Uint8Array, file: string): Promise<NpzStore> {
    const { members } = await readZip(bytes, file, (n) => n.endsWith('.npy'));
    const groups = new Map<string, Map<string, NdArray>>();
    for (const [name, b] of members) {
      const what = `npz member "${name}"`;
      const key = name.slice(0, -'.npy'.length);
      const h = npyHeader(b, file, what);
      if (h.fortran) fail(file, what, 'Fortran-ordered arrays are not supported');
      if (h.descr !== '|O') fail(file, what, `dtype ${h.descr}: Keras writes each object's weights as a dict (object array)`);
      const value = unpickle(b.subarray(h.offset), file, what) as { nd?: NdArray } | null;
      const list = value?.nd?.data;
      const dict = Array.isArray(list) && list.length === 1 ? list[0] : null;
      if (!(dict instanceof Map)) fail(file, what, 'does not hold a dict of arrays');
      const vars = new Map<string, NdArray>();
      for (const [k, arr] of dict) {
        if (typeof k !== 'string' || !arr || typeof arr !== 'object' || !('nd' in arr)) fail(file, what, `entry ${String(k)} is not an array`);
        vars.set(k, (arr as { nd: NdArray }).nd);
      }
      groups.set(key === '__root__' ? 'vars' : `${key}/vars`, vars);
    }
    return new NpzStore(file, groups);
  }

  isGroup(path: string): boolean {
    if (this.groups.has(path)) return true;
    for (const k of this.groups.keys()) if (k.startsWith(`${path}/`)) return true;
    return false;
  }

  keys(path: string): string[] {
    const g = this.groups.get(path);
    if (g) return [...g.keys()];
    const out = new Set<string>();
    for (const k of this.groups.keys()) if (k.startsWith(`${path}/`)) out.add(k.slice(path.length + 1).split('/')[0]);
    return [...out];
  }

  private entry(path: string): NdArray {
    const i = path.lastIndexOf('/');
    const a = this.groups.get(path.slice(0, i))?.get(path.slice(i + 1));
    if (!a) fail(this.file, `array "${path}"`, 'missing');
    return a;
  }

  shape(path: string): number[] {
    return [...this.entry(path).shape];
  }

  floats(path: string): { path: string; shape: number[]; data: Float32Array } {
    const a = this.entry(path);
    return { path, shape: [...a.shape], data: toFloats(a, this.file, `array "${path}"`) };
  }
}
