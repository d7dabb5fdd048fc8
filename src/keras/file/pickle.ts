/**
 * A restricted reader for the one pickle shape Keras' `model.weights.npz`
 * holds (keras/src/saving/saving_lib.py NpzIOStore: `np.savez(f, **{path: {"0": array, …}})`,
 * so every member is a 0-d object array pickling a dict of float arrays).
 * It INTERPRETS the pickle opcodes; it never calls anything. The only globals
 * accepted are numpy's `_reconstruct`, `ndarray` and `dtype`, which it models
 * as plain data; any other global or opcode is an error naming it.
 */
import { fail } from './errors.js';

export interface NdArray { shape: number[]; dtype: string; order: string; data: Uint8Array | unknown[] | null }

const ALLOWED = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype']);
interface Global { global: string }
interface Reduced { nd?: NdArray; dtype?: { name: string; order: string } }
const MARK = Symbol('mark');

export function unpickle(b: Uint8Array, file: string, what: string): unknown {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const bad = (detail: string): never => fail(file, what, `pickle: ${detail}`);
  const stack: unknown[] = [];
  const memo: unknown[] = [];
  const text = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  const need = (n: number) => { if (!(n >= 0) || p + n > b.length) bad(`truncated at byte ${p} (needs ${n} more)`); };
  const u8 = () => { need(1); return b[p++]; };
  const u16 = () => { need(2); const x = v.getUint16(p, true); p += 2; return x; };
  const u32 = () => { need(4); const x = v.getUint32(p, true); p += 4; return x; };
  const i32 = () => { need(4); const x = v.getInt32(p, true); p += 4; return x; };
  const u64 = () => { need(8); const x = Number(v.getBigUint64(p, true)); p += 8; return x; };
  const bytes = (n: number) => { need(n); const x = b.subarray(p, p + n); p += n; return x; };
  const str = (n: number) => { try { return text.decode(bytes(n)); } catch { return bad('invalid UTF-8 string'); } };
  const pop = () => { if (stack.length === 0) bad('stack underflow'); return stack.pop(); };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) bad('no MARK');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = () => { if (stack.length === 0) bad('stack underflow'); return stack[stack.length - 1]; };
  const global = (name: string): Global => {
    if (!ALLOWED.has(name)) bad(`global "${name}" is not allowed (only numpy arrays are read)`);
    return { global: name };
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof Map) || kv.length % 2) bad('SETITEMS on a non-dict');
    for (let i = 0; i < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME (length only)
      case 0x2e: return stack.length === 1 ? stack[0] : bad('STOP with a stack that does not hold one value'); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x63: { // GLOBAL "module\nname\n"
        const end1 = b.indexOf(10, p); if (end1 < 0) bad('GLOBAL without newline');
        const mod = str(end1 - p); p++;
        const end2 = b.indexOf(10, p); if (end2 < 0) bad('GLOBAL without newline');
        const name = str(end2 - p); p++;
        stack.push(global(`${mod}.${name}`)); break;
      }
      case 0x93: { const name = pop(), mod = pop(); stack.push(global(`${String(mod)}.${String(name)}`)); break; } // STACK_GLOBAL
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x58: stack.push(str(u32())); break; // BINUNICODE
      case 0x8d: stack.push(str(u64())); break; // BINUNICODE8
      case 0x43: stack.push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x42: stack.push(bytes(u32())); break; // BINBYTES
      case 0x8e: stack.push(bytes(u64())); break; // BINBYTES8
      case 0x94: memo.push(top()); break; // MEMOIZE
      case 0x71: { const i = u8(); if (i > memo.length) bad('BINPUT index'); memo[i] = top(); break; }
      case 0x72: { const i = u32(); if (i > memo.length) bad('LONG_BINPUT index'); memo[i] = top(); break; }
      case 0x68: { const i = u8(); if (i >= memo.length) bad(`BINGET ${i} of ${memo.length}`); stack.push(memo[i]); break; }
      case 0x6a: { const i = u32(); if (i >= memo.length) bad(`LONG_BINGET ${i} of ${memo.length}`); stack.push(memo[i]); break; }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b2 = pop(), a = pop(); stack.push([a, b2]); break; } // TUPLE2
      case 0x87: { const c = pop(), b2 = pop(), a = pop(); stack.push([a, b2, c]); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x61: { const x = pop(); const l = top(); if (!Array.isArray(l)) bad('APPEND on a non-list'); (l as unknown[]).push(x); break; }
      case 0x65: { const xs = popMark(); const l = top(); if (!Array.isArray(l)) bad('APPENDS on a non-list'); (l as unknown[]).push(...xs); break; }
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x73: { const val = pop(), key = pop(); setItems(top(), [key, val]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x52: { // REDUCE
        const args = pop() as unknown[], fn = pop() as Global;
        if (!fn || typeof fn !== 'object' || !('global' in fn) || !Array.isArray(args)) bad('REDUCE of a non-callable');
        if (fn.global.endsWith('_reconstruct')) stack.push({ nd: { shape: [], dtype: '', order: '<', data: null } } as Reduced);
        else if (fn.global === 'numpy.dtype') {
          if (typeof args[0] !== 'string') bad('dtype without a name');
          stack.push({ dtype: { name: args[0] as string, order: '|' } } as Reduced);
        } else bad(`cannot call ${fn.global}`);
        break;
      }
      case 0x62: { // BUILD
        const state = pop() as unknown[], obj = top() as Reduced;
        if (!obj || typeof obj !== 'object' || !Array.isArray(state)) bad('BUILD on an unknown object');
        if (obj.dtype) {
          if (typeof state[1] === 'string') obj.dtype.order = state[1];
        } else if (obj.nd) {
          const [, shape, dt, fortran, data] = state as [unknown, unknown, Reduced, unknown, unknown];
          if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad('array shape');
          const d = dt?.dtype;
          if (!d) return bad('array without a dtype');
          if (fortran) bad('Fortran-ordered arrays are not supported');
          obj.nd.shape = shape as number[];
          obj.nd.dtype = d.name;
          obj.nd.order = d.order;
          if (!(data instanceof Uint8Array) && !Array.isArray(data)) bad('array data');
          obj.nd.data = data as Uint8Array | unknown[];
        } else bad('BUILD on an unknown object');
        break;
      }
      default: bad(`opcode 0x${op.toString(16)} at byte ${p - 1} is not supported`);
    }
  }
}
