/**
 * Read-only HDF5 access for Keras files, over jsfive (imported lazily). Every
 * call into jsfive is guarded (it throws strings and TypeErrors on bad input);
 * paths, attribute values and dataset sizes are checked here before use.
 */
import { fail, guard } from './errors.js';

export const HDF5_LIMITS = {
  /** Keys listed per group (a Keras model has a few hundred layers at most). */
  maxKeys: 100_000,
  /** Elements per dataset read (2^28 float32 = 1 GiB). */
  maxElements: 2 ** 28,
};

const MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const isHdf5 = (b: Uint8Array): boolean => b.length >= 8 && MAGIC.every((m, i) => b[i] === m);

type Jsfive = typeof import('jsfive');

export interface H5Dataset { path: string; shape: number[]; data: Float32Array }

/** What the Keras 3 weight reader needs from a weights file (HDF5 here, npz in npz.ts). */
export interface WeightStore {
  readonly file: string;
  isGroup(path: string): boolean;
  keys(path: string): string[];
  shape(path: string): number[];
  floats(path: string): H5Dataset;
}

export class H5 implements WeightStore {
  private constructor(private readonly lib: Jsfive, private readonly root: InstanceType<Jsfive['File']>,
    readonly file: string, private readonly byteLength: number) {}

  static async open(bytes: Uint8Array, file: string, what = 'HDF5 file'): Promise<H5> {
    if (!isHdf5(bytes)) fail(file, what, 'no HDF5 signature at offset 0');
    const lib = await import('jsfive');
    // jsfive wants an ArrayBuffer of exactly the file.
    const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer as ArrayBuffer : bytes.slice().buffer as ArrayBuffer;
    const root = guard(file, what, () => new lib.File(buf, file));
    return new H5(lib, root, file, bytes.byteLength);
  }

  private node(path: string): unknown {
    if (path === '' || path === '/') return this.root;
    return guard(this.file, `HDF5 object "${path}"`, () => {
      // jsfive throws on a missing link; resolve link by link so a missing one is a clean "not found".
      let g: unknown = this.root;
      for (const part of path.split('/').filter((p) => p.length > 0)) {
        if (!(g instanceof this.lib.Group) || !g.keys.includes(part)) return undefined;
        g = g.get(part);
      }
      return g ?? undefined;
    });
  }

  has(path: string): boolean {
    return this.node(path) !== undefined;
  }

  isGroup(path: string): boolean {
    return this.node(path) instanceof this.lib.Group;
  }

  /** Keys of a group; fails when the path is missing or not a group. */
  keys(path: string): string[] {
    const g = this.node(path);
    if (!(g instanceof this.lib.Group)) fail(this.file, `HDF5 group "${path}"`, g === undefined ? 'missing' : 'is a dataset, expected a group');
    const keys = guard(this.file, `HDF5 group "${path}"`, () => g.keys);
    if (!Array.isArray(keys) || keys.length > HDF5_LIMITS.maxKeys) fail(this.file, `HDF5 group "${path}"`, 'too many members');
    return keys;
  }

  /** Attribute value (undefined when absent). */
  attr(path: string, name: string): unknown {
    const n = this.node(path);
    if (n === undefined) fail(this.file, `HDF5 object "${path}"`, 'missing');
    return guard(this.file, `HDF5 attribute "${path || '/'}@${name}"`, () => {
      const attrs = (n as { attrs: Record<string, unknown> }).attrs;
      return Object.prototype.hasOwnProperty.call(attrs, name) ? attrs[name] : undefined;
    });
  }

  /** A string attribute (Keras writes bytes or str; fixed-length strings come NUL-padded). */
  stringAttr(path: string, name: string): string | undefined {
    const v = this.attr(path, name);
    if (v === undefined) return undefined;
    const s = Array.isArray(v) && v.length === 1 ? v[0] : v;
    if (typeof s !== 'string') fail(this.file, `HDF5 attribute "${path || '/'}@${name}"`, `expected a string, got ${typeof s}`);
    return stripNul(s);
  }

  /** A list-of-strings attribute; Keras splits long lists into `name0`, `name1`, … (HDF5 64 KiB header limit). */
  stringListAttr(path: string, name: string): string[] | undefined {
    const read = (n: string): string[] | undefined => {
      const v = this.attr(path, n);
      if (v === undefined) return undefined;
      const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
      if (list == null || !list.every((s) => typeof s === 'string')) {
        fail(this.file, `HDF5 attribute "${path || '/'}@${n}"`, 'expected a list of strings');
      }
      return (list as string[]).map(stripNul);
    };
    const whole = read(name);
    if (whole !== undefined) return whole;
    const out: string[] = [];
    let found = false;
    for (let i = 0; i < HDF5_LIMITS.maxKeys; i++) {
      const part = read(`${name}${i}`);
      if (part === undefined) break;
      found = true;
      out.push(...part);
    }
    return found ? out : undefined;
  }

  /** Shape of a dataset, without reading its data. */
  shape(path: string): number[] {
    const d = this.node(path);
    if (!(d instanceof this.lib.Dataset)) fail(this.file, `HDF5 dataset "${path}"`, d === undefined ? 'missing' : 'is a group, expected a dataset');
    const shape = guard(this.file, `HDF5 dataset "${path}"`, () => d.shape);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      fail(this.file, `HDF5 dataset "${path}"`, `malformed shape ${JSON.stringify(shape)}`);
    }
    return [...shape];
  }

  /** A float dataset as float32 (float64 is rounded; other types fail). Checked: size, count, finite. */
  floats(path: string): H5Dataset {
    const shape = this.shape(path);
    const what = `HDF5 dataset "${path}"`;
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > HDF5_LIMITS.maxElements) fail(this.file, what, `shape [${shape}] has ${n} elements, more than the ${HDF5_LIMITS.maxElements} allowed`);
    const d = this.node(path) as InstanceType<Jsfive['Dataset']>;
    const dtype = guard(this.file, what, () => d.dtype);
    if (dtype !== '<f4' && dtype !== '<f8' && dtype !== '>f4' && dtype !== '>f8') {
      fail(this.file, what, `dtype ${JSON.stringify(dtype)}; expected float32 or float64 weights`);
    }
    const itemBytes = String(dtype).endsWith('8') ? 8 : 4;
    // Keras writes weights uncompressed; a compressed dataset still cannot unpack past this bound.
    if (n * itemBytes > 1024 * this.byteLength + 65536) fail(this.file, what, `shape [${shape}] is larger than the file can hold`);
    const raw = guard(this.file, what, () => d.value);
    if (raw == null || typeof raw.length !== 'number' || raw.length !== n) {
      fail(this.file, what, `holds ${raw?.length ?? 0} values, its shape [${shape}] says ${n}`);
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(this.file, what, `value ${String(v)} at flat index ${i}; weights must be finite numbers`);
      data[i] = v;
    }
    return { path, shape, data };
  }
}

const stripNul = (s: string): string => s.replace(/\0+$/, '');
