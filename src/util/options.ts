/**
 * Option objects from users and files: own properties only, unknown keys rejected.
 *
 * Keras raises on an unknown keyword argument; JavaScript would silently ignore a
 * misspelt key (`{ lr: 0.1 }`, `{ return_sequences: true }`), so every public
 * function that takes an options object passes it through `checkOptions` first.
 * Inherited properties (`constructor`, `toString`, a polluted `Object.prototype`)
 * are never read: lookups go through `own`.
 */
import { describe } from '../names.js';

/** camelCase form of a snake_case key (`return_sequences` → `returnSequences`). */
export function camel(s: string): string {
  return s.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Old Keras spellings that are not near their current name. */
const KERAS_ALIASES: Readonly<Record<string, string>> = { lr: 'learningRate', decay: 'weightDecay', nb_epoch: 'epochs' };

/**
 * Keras options this version does not implement (yet): they throw like unknown keys, but
 * say so, instead of suggesting a near name. An option leaves this list when it is implemented.
 */
const NOT_IMPLEMENTED: ReadonlySet<string> = new Set<string>([]);

/** Edit distance, capped: enough to suggest a near name. */
function distance(a: string, b: string): number {
  const m = a.length, n = b.length;
  if (Math.abs(m - n) > 3) return 99;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n];
}

/** The allowed name a user most likely meant by `key`, or null. */
export function suggest(key: string, allowed: readonly string[]): string | null {
  const alias = ownGet(KERAS_ALIASES, key);
  if (alias && allowed.includes(alias)) return alias;
  const c = camel(key);
  if (c !== key && allowed.includes(c)) return c;
  const lower = key.toLowerCase();
  const exactCase = allowed.find((a) => a.toLowerCase() === lower || a.toLowerCase() === c.toLowerCase());
  if (exactCase) return exactCase;
  let best: string | null = null, bestD = Infinity;
  for (const a of allowed) {
    const d = distance(lower, a.toLowerCase());
    if (d < bestD) { bestD = d; best = a; }
  }
  return best !== null && bestD <= Math.max(1, Math.min(3, Math.floor(key.length / 3))) ? best : null;
}

/** True when `obj` has `key` as an own property (never an inherited one). */
export function own(obj: object, key: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** `table[key]` when it is an own property, else undefined (name → value lookups). */
export function ownGet<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return own(table, key) ? table[key] : undefined;
}

/**
 * Validates an options argument: `undefined` → `{}`; anything but a plain object throws;
 * every own key must be in `allowed` (else an error naming `who`, the key, and the key the
 * user probably meant). Returns a copy holding only the own properties, so an inherited
 * key (a polluted `Object.prototype`, an options object made with `Object.create`) is never
 * read as an option: callers use the returned object.
 */
export function checkOptions<T extends object>(args: T | undefined, allowed: readonly string[], who: string): T {
  if (args === undefined) return {} as T;
  if (args === null || typeof args !== 'object' || Array.isArray(args) || ArrayBuffer.isView(args)) {
    throw new Error(`${who}: expected an options object, got ${describe(args)}`);
  }
  for (const key of Object.keys(args)) {
    if (allowed.includes(key)) continue;
    if (NOT_IMPLEMENTED.has(camel(key))) {
      throw new Error(`${who}: option '${key}' (Keras '${camel(key)}') is not implemented in this version of lstm-wasm; remove it`);
    }
    const hint = suggest(key, allowed);
    const list = allowed.length ? `; known options: ${allowed.join(', ')}` : '; it takes no options';
    throw new Error(`${who}: unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}${list}`);
  }
  return { ...args };
}
