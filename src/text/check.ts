/**
 * Argument checks shared by the text tools. Every message has the same shape,
 * `text.padSequences: argument 'maxlen' must be a non-negative integer, got -1`,
 * so a user sees the function, the argument, what was expected and what was given.
 */
import { checkOptions as checkOptionKeys } from '../util/options.js';

/** Short, readable rendering of a value for an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

export function argError(fn: string, arg: string, expected: string, given: unknown): Error {
  return new Error(`${fn}: argument '${arg}' must be ${expected}, got ${describeValue(given)}`);
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Integer in [min, max]; `undefined` passes only when `optional`. */
export function checkInt(fn: string, arg: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!isInt(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER
      ? (min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`)
      : `an integer in [${min}, ${max}]`;
    throw argError(fn, arg, range, v);
  }
  return v;
}

export function checkOneOf<T extends string>(fn: string, arg: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw argError(fn, arg, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  }
  return v as T;
}

export function checkBool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw argError(fn, arg, 'a boolean', v);
  return v;
}

/** Options must be a plain object (or absent); unknown keys are rejected so typos surface. */
export function checkOptions(fn: string, opts: unknown, known: readonly string[]): Record<string, unknown> {
  return checkOptionKeys(opts as Record<string, unknown> | undefined, known, fn); // one rule for every options object
}
