/**
 * The kernels' WebAssembly bytes: which builds this runtime can run, and the
 * bytes of one build, loaded only when it is picked.
 *
 * Each build is a generated module holding its base64 (scripts/embed-wasm.mjs),
 * imported dynamically so a bundle ships one chunk per build and a page fetches
 * only the one init() chooses. Feature detection validates two tiny probe
 * modules instead of the builds themselves (which would load both).
 */
import { platform } from '#platform';

export type WasmVariant = 'simd' | 'relaxed-simd';

const V128_CONST = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
/** A module with one function `() -> v128` whose body is `body` (no locals). */
function probe(body: number[]): Uint8Array<ArrayBuffer> {
  const fn = [0x00, ...body, 0x0b];
  const code = [0x01, fn.length, ...fn];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 0x0a, code.length, ...code]);
}
/** `v128.const 0` — valid wherever SIMD is. */
const SIMD_PROBE = probe(V128_CONST);
/** `f32x4.relaxed_madd(0, 0, 0)` (opcode 0xfd 0x105) — valid wherever relaxed SIMD is. */
const RELAXED_PROBE = probe([...V128_CONST, ...V128_CONST, ...V128_CONST, 0xfd, 0x85, 0x02]);

/** Which builds this runtime can run, best first. */
export function supportedVariants(): WasmVariant[] {
  if (typeof WebAssembly !== 'object') return [];
  const out: WasmVariant[] = [];
  if (WebAssembly.validate(RELAXED_PROBE)) out.push('relaxed-simd');
  if (WebAssembly.validate(SIMD_PROBE)) out.push('simd');
  return out;
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const loaded: Partial<Record<WasmVariant, Uint8Array<ArrayBuffer>>> = {};

/** Loads one build's bytes (a dynamic import: its own chunk in a bundle). */
export async function loadWasmBytes(variant: WasmVariant): Promise<Uint8Array<ArrayBuffer>> {
  const have = loaded[variant];
  if (have) return have;
  // Two literal import() calls, so every bundler sees and emits both chunks.
  const mod = variant === 'simd'
    ? await import('./wasm-simd.generated.js')
    : await import('./wasm-relaxed.generated.js');
  return (loaded[variant] ??= decodeBase64(mod.WASM_BASE64));
}

/** A build's bytes, synchronously: after loadWasmBytes (init), or in Node (embedded). */
export function wasmBytes(variant: WasmVariant): Uint8Array<ArrayBuffer> {
  const have = loaded[variant];
  if (have) return have;
  const b64 = platform.embeddedWasm(variant);
  if (b64 === null) throw new Error(`the '${variant}' wasm build is not loaded in this runtime; call \`await init()\` first`);
  return (loaded[variant] = decodeBase64(b64));
}
