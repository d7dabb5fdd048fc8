/**
 * Mutations a hostile user would try, driven by fast-check's numbers (`r`) so every case
 * is reproducible from its seed and shrinks to a short list of ops.
 *   JSON trees   delete/retype keys, huge/negative/NaN numbers, unknown classes, prototype
 *                keys, deep nesting, swapped/duplicated/renamed entries, odd strings
 *   bytes        truncate, extend, bit flips, NaN/Inf written over a float
 */
export interface Op { op: string; r: number[] }

export const JSON_OPS = ['delete', 'retype', 'number', 'className', 'protoKey', 'deep', 'swap', 'dup', 'string', 'specSwap', 'specRename', 'specShape'];
export const BYTE_OPS = ['truncate', 'extend', 'bitflip', 'nanInf'];

/** Deep-nesting marker: JSON text builders replace `"__DEEP__<n>"` with n nested arrays. */
export const DEEP_MARK = '__DEEP__';

type Json = Record<string, unknown>;
interface Slot { parent: Json | unknown[]; key: string | number }

const pick = <T>(xs: readonly T[], r: number): T => xs[r % xs.length];

function slots(root: unknown, limit = 50_000): Slot[] {
  const out: Slot[] = [];
  const stack: unknown[] = [root];
  while (stack.length && out.length < limit) {
    const v = stack.pop();
    if (Array.isArray(v)) v.forEach((x, i) => { out.push({ parent: v, key: i }); stack.push(x); });
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) {
      for (const k of Object.keys(v)) { out.push({ parent: v as Json, key: k }); stack.push((v as Json)[k]); }
    }
  }
  return out;
}

const get = (s: Slot): unknown => (s.parent as Json)[s.key as string];
function set(s: Slot, v: unknown): void {
  if (s.key === '__proto__') Object.defineProperty(s.parent, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
  else (s.parent as Json)[s.key as string] = v;
}

function deep(depth: number, asObject: boolean, inMemory: boolean): unknown {
  if (!inMemory) return `${DEEP_MARK}${depth}`;
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asObject && i % 2 ? { a: v } : [v];
  return v;
}

/** Weight spec lists inside a tree: artifacts.weightSpecs or model.json weightsManifest[*].weights. */
function specLists(root: unknown): Json[][] {
  const lists: Json[][] = [];
  const r = root as Json;
  if (r && Array.isArray(r.weightSpecs)) lists.push(r.weightSpecs as Json[]);
  if (r && Array.isArray(r.weightsManifest)) {
    for (const g of r.weightsManifest as Json[]) if (g && Array.isArray(g.weights)) lists.push(g.weights as Json[]);
  }
  return lists.filter((l) => l.length > 0);
}

/** Applies `ops` to a copy of `root`. `inMemory`: values JSON text cannot hold (NaN, undefined) are allowed. */
export function mutateJson<T>(root: T, ops: readonly Op[], inMemory: boolean): T {
  const tree = structuredClone(root) as unknown;
  for (const { op, r } of ops) {
    const all = slots(tree);
    if (all.length === 0) break;
    const s = pick(all, r[0]);
    const RETYPE: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53, '', 'x', [], {}, [1, 2], { a: 1 },
      ...(inMemory ? [NaN, Infinity, undefined, new Uint8Array(2), () => 1] : [])];
    const NUMBERS: unknown[] = [-1, 0, 1, 2, 3, 64, 0.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53 + 1, 1e9, 1e15, -1e308, 1e308,
      ...(inMemory ? [NaN, -Infinity, Infinity] : [])];
    switch (op) {
      case 'delete':
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else delete (s.parent as Json)[s.key as string];
        break;
      case 'retype': set(s, structuredCloneSafe(pick(RETYPE, r[1]))); break;
      case 'number': {
        const nums = all.filter((x) => typeof get(x) === 'number');
        if (nums.length) set(pick(nums, r[1]), pick(NUMBERS, r[2]));
        break;
      }
      case 'className': {
        const cls = all.filter((x) => x.key === 'class_name');
        if (cls.length) set(pick(cls, r[1]), pick(['Foo', 'LSTM', 'GRU', 'SimpleRNN', 'Dense', 'Bidirectional', 'InputLayer', 'Embedding',
          'Dropout', 'Flatten', 'constructor', '__proto__', 'toString', 'Sequential', 'Model', 'Functional', ''], r[2]));
        break;
      }
      case 'protoKey': {
        const objs = [tree, ...all.map(get)].filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) as Json[];
        const o = pick(objs, r[1]);
        set({ parent: o, key: pick(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'units'], r[2]) },
          structuredCloneSafe(pick([...RETYPE, { units: 7, polluted: true }], r[3])));
        break;
      }
      case 'deep': set(s, deep(pick([65, 200, 10_000, 100_000], r[1]), r[2] % 2 === 1, inMemory)); break;
      case 'swap': {
        const arrays = all.map(get).filter((v) => Array.isArray(v) && v.length >= 2) as unknown[][];
        if (arrays.length) {
          const a = pick(arrays, r[1]);
          const i = r[2] % a.length, j = r[3] % a.length;
          [a[i], a[j]] = [a[j], a[i]];
        }
        break;
      }
      case 'dup': {
        const arrays = all.map(get).filter((v) => Array.isArray(v) && v.length >= 1) as unknown[][];
        if (arrays.length) { const a = pick(arrays, r[1]); a.push(structuredCloneSafe(a[r[2] % a.length])); }
        break;
      }
      case 'string': {
        const strs = all.filter((x) => typeof get(x) === 'string');
        if (strs.length) {
          const t = pick(strs, r[1]);
          const v = get(t) as string;
          const other = get(pick(strs, r[3])) as string;
          set(t, pick([`${v}_x`, '', `../${v}`, v.toUpperCase(), other, `${v}/x`, 'a\u0000b', `x/${v}`, `${v}:0`, ' '.repeat(3)], r[2]));
        }
        break;
      }
      case 'specSwap': { // two manifest entries trade places; the bytes stay where they were
        const lists = specLists(tree);
        if (lists.length) {
          const l = pick(lists, r[1]);
          const i = r[2] % l.length, j = r[3] % l.length;
          [l[i], l[j]] = [l[j], l[i]];
        }
        break;
      }
      case 'specRename': {
        const lists = specLists(tree);
        if (lists.length) {
          const l = pick(lists, r[1]);
          const a = l[r[2] % l.length], b = l[r[3] % l.length];
          if (a && b && typeof a === 'object' && typeof b === 'object') [a.name, b.name] = [b.name, a.name];
        }
        break;
      }
      case 'specShape': {
        const lists = specLists(tree);
        if (lists.length) {
          const spec = pick(pick(lists, r[1]), r[2]);
          if (spec && typeof spec === 'object' && Array.isArray(spec.shape) && spec.shape.length) {
            const sh = spec.shape as unknown[];
            sh[r[3] % sh.length] = pick([0, 1, -1, 2 ** 31, 2 ** 53 + 1, (sh[0] as number) + 1, '2', null, 1.5], r[3] >> 3);
          }
        }
        break;
      }
    }
  }
  return tree as T;
}

function structuredCloneSafe<T>(v: T): T {
  try {
    return structuredClone(v);
  } catch {
    return v; // functions (inMemory cases) cannot be cloned: share them
  }
}

/** Applies byte ops to a copy of `bytes`. */
export function mutateBytes(bytes: Uint8Array, ops: readonly Op[], start = 0): Uint8Array {
  let b = bytes.slice();
  for (const { op, r } of ops) {
    const span = Math.max(1, b.length - start);
    switch (op) {
      case 'truncate': b = b.slice(0, start + (r[0] % span)); break;
      case 'extend': { const e = new Uint8Array(b.length + 1 + (r[0] % 64)); e.set(b); e.fill(r[1] & 255, b.length); b = e; break; }
      case 'bitflip': for (let k = 0; k <= r[2] % 8; k++) { const i = start + ((r[0] + k * 7919) % span); if (i < b.length) b[i] ^= 1 << ((r[1] + k) % 8); } break;
      case 'nanInf': {
        const i = start + 4 * Math.floor((r[0] % span) / 4);
        if (i + 4 <= b.length) new DataView(b.buffer).setFloat32(i, pick([NaN, Infinity, -Infinity, 3.4e38, 1e-45], r[1]), true);
        break;
      }
    }
  }
  return b;
}

/** JSON text of a mutated tree, with deep-nesting markers expanded (JSON.stringify itself would overflow). */
export function jsonText(tree: unknown): string {
  return JSON.stringify(tree).replace(new RegExp(`"${DEEP_MARK}(\\d+)"`, 'g'), (_, n: string) => '['.repeat(+n) + '1' + ']'.repeat(+n));
}
