/**
 * Backend selection: `init()` instantiates WebAssembly once, `setBackend()`
 * switches between the wasm kernels and their pure-TS twins.
 */
import type { Backend, BackendName } from './types.js';
import { createJsBackend } from './js/index.js';
import { checkOptions } from '../util/options.js';
import { createWasmBackend, createWasmBackendSync, supportedVariants, type WasmVariant } from './wasm.js';
import { assertNoFitRunning } from '../models/guard.js';

export type { Backend, BackendName } from './types.js';

/** Options of {@link init}. */
export interface InitOptions {
  /** 'auto' (default) picks relaxed SIMD when the runtime has it, else plain SIMD. */
  variant?: 'auto' | WasmVariant;
}
export const INIT_OPTIONS = ['variant'] as const;

let wasm: Backend | null = null;
let wasmUnavailable: string | null = null;
let current: BackendName = 'wasm';
let warned = false;

function pickVariant(opt: InitOptions = {}): WasmVariant | null {
  const ok = supportedVariants();
  if (opt.variant && opt.variant !== 'auto') {
    if (!ok.includes(opt.variant)) throw new Error(`init: variant '${opt.variant}' is not supported by this runtime (supported: ${ok.join(', ') || 'none'})`);
    return opt.variant;
  }
  return ok[0] ?? null;
}

function fallBack(reason: string): void {
  wasmUnavailable = reason;
  current = 'js';
  if (!warned) {
    warned = true;
    console.warn(`lstm-wasm: WebAssembly SIMD unavailable (${reason}); using the pure-TypeScript backend.`);
  }
}

/**
 * Instantiates the WebAssembly kernels once (idempotent), in Node, browsers and workers;
 * loads only the build it picks (relaxed SIMD where the runtime has it, else SIMD).
 *
 * @example
 * ```ts
 * import { init } from 'lstm-wasm';
 * await init();
 * ```
 */
export async function init(opt: InitOptions = {}): Promise<void> {
  opt = checkOptions(opt, INIT_OPTIONS, 'init');
  if (wasm && (!opt.variant || opt.variant === 'auto' || opt.variant === wasm.variant)) return;
  const v = pickVariant(opt);
  if (!v) return fallBack('this runtime does not validate the SIMD module');
  wasm = await createWasmBackend(v);
}

/** 'wasm' (default) or 'js' (pure TypeScript kernels). */
export function setBackend(name: BackendName): void {
  if (name !== 'wasm' && name !== 'js') {
    throw new Error(`setBackend: expected 'wasm' or 'js', got ${JSON.stringify(name)}`);
  }
  assertNoFitRunning('setBackend');
  current = name;
}

/** The backend in use: `'wasm'`, or `'js'` when selected or when WebAssembly SIMD is unavailable. */
export function getBackend(): BackendName {
  return current === 'wasm' && wasmUnavailable ? 'js' : current;
}

/** The wasm backend, instantiated synchronously if init() was not awaited (Node, workers). */
export function wasmBackend(): Backend {
  if (wasm) return wasm;
  const v = pickVariant();
  if (!v) throw new Error('lstm-wasm: WebAssembly SIMD is not supported by this runtime; use setBackend(\'js\')');
  try {
    wasm = createWasmBackendSync(v);
  } catch (e) {
    throw new Error(`lstm-wasm: call \`await init()\` before using the wasm backend (${(e as Error).message})`);
  }
  return wasm;
}

export function jsBackend(): Backend {
  return createJsBackend();
}

/** The backend selected now. */
export function backend(name: BackendName = getBackend()): Backend {
  return name === 'js' || wasmUnavailable ? jsBackend() : wasmBackend();
}
