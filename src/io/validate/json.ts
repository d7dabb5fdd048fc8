/**
 * checkJsonValue: is `value` plain JSON data that a loader may walk safely?
 *
 * Files arrive as JSON text (then anything JSON.parse makes is plain) or, through
 * `fromArtifacts` / `fromMemory` / user handlers, as objects built by code. Before a
 * loader reads either, this pass proves, without recursion (a 100 000-deep file must
 * not overflow the stack):
 *   - every value is null, a boolean, a finite number, a string, a plain array without
 *     holes or a plain object (prototype Object.prototype or null); `undefined` only as
 *     an object value (it means "absent", as JSON.stringify treats it);
 *   - no getters (they could throw or answer differently on each read);
 *   - no "__proto__" key (copying it with `o[k] = v` would replace a prototype);
 *   - nesting depth <= MAX_JSON_DEPTH (which also stops reference cycles) and at most
 *     MAX_JSON_NODES values in all (shared sub-objects count each time they are reached).
 * Every rejection names `where` plus the field path, what was expected and what was found.
 */
import { MAX_JSON_DEPTH, MAX_JSON_NODES } from './limits.js';

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (the field is missing)';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    const name = proto === null ? 'null-prototype object' : (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v;
}

/** `base` + `.key` or `[i]`, the way a reader would write the field path. */
export function fieldPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

export interface JsonCheckOptions {
  maxDepth?: number;
  maxNodes?: number;
}

/** Throws an Error naming `where` and the field path of the first value that is not plain JSON data. */
export function checkJsonValue(value: unknown, where: string, root = '', options: JsonCheckOptions = {}): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const maxNodes = options.maxNodes ?? MAX_JSON_NODES;
  const at = (path: string) => `${where}${path ? `: field ${path}` : ''}`;
  const stack: [unknown, string, number][] = [[value, root, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (++nodes > maxNodes) throw new Error(`${where}: more than ${maxNodes} JSON values (a limit of this loader); the file is not a model this package can build`);
    if (v === null || typeof v === 'boolean' || typeof v === 'string') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${at(path)}: expected a finite number (JSON has no NaN/Infinity), found ${typeName(v)}`);
      continue;
    }
    if (typeof v !== 'object') throw new Error(`${at(path)}: expected JSON data (object, array, string, number, boolean or null), found ${typeName(v)}`);
    if (depth >= maxDepth) {
      throw new Error(`${at(path)}: nested deeper than ${maxDepth} levels (or a reference cycle); expected a model file's shallow JSON`);
    }
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) throw new Error(`${at(path)}: expected a plain array, found ${typeName(v)}`);
      for (let i = v.length - 1; i >= 0; i--) {
        if (!Object.prototype.hasOwnProperty.call(v, i)) throw new Error(`${at(fieldPath(path, i))}: the array has a hole here; expected a value`);
        const item: unknown = v[i];
        if (item === undefined) throw new Error(`${at(fieldPath(path, i))}: expected a JSON value, found undefined`);
        if (typeof item === 'object' && item !== null) stack.push([item, fieldPath(path, i), depth + 1]);
        else if (typeof item === 'number' && !Number.isFinite(item)) {
          throw new Error(`${at(fieldPath(path, i))}: expected a finite number (JSON has no NaN/Infinity), found ${typeName(item)}`);
        } else if (item !== null && typeof item !== 'number' && typeof item !== 'string' && typeof item !== 'boolean') {
          throw new Error(`${at(fieldPath(path, i))}: expected JSON data, found ${typeName(item)}`);
        }
      }
      nodes += v.length;
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new Error(`${at(path)}: expected a plain object, found ${typeName(v)}`);
    for (const key of Object.keys(v)) {
      const p = fieldPath(path, key);
      if (key === '__proto__') throw new Error(`${at(p)}: the key "__proto__" is not allowed in a model file`);
      const d = Object.getOwnPropertyDescriptor(v, key)!;
      if (d.get !== undefined || d.set !== undefined) throw new Error(`${at(p)}: expected a data value, found a getter/setter`);
      if (d.value === undefined) continue; // absent, as JSON.stringify reads it
      stack.push([d.value, p, depth + 1]);
    }
  }
}

/** `v` is a plain object (not null, not an array): the shape of every JSON object a loader reads. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
