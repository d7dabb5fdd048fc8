/**
 * The WebAssembly backend: instantiates the AssemblyScript kernels (bytes are
 * inlined, so no path configuration anywhere) and exposes them through the
 * `Backend` interface. Picks the relaxed-SIMD build when the runtime
 * validates it, else the plain SIMD build.
 */
import { Heap } from './heap.js';
import { KERNEL_NAMES, type Backend, type Kernels } from './types.js';
import { loadWasmBytes, wasmBytes, type WasmVariant } from './wasm-bytes.js';

export { loadWasmBytes, supportedVariants, wasmBytes, type WasmVariant } from './wasm-bytes.js';

interface Exports extends Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setScratch(ptr: number, bytes: number): void;
  gemmScratchBytes(): number;
}

const PAGE = 65536;

function imports() {
  return {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`lstm-wasm: kernel aborted at ${line}:${col}`);
      },
    },
  };
}

function makeBackend(instance: WebAssembly.Instance, variant: WasmVariant): Backend {
  const ex = instance.exports as unknown as Exports;
  const memory = ex.memory;
  let buf: ArrayBuffer | null = null;
  let f32 = new Float32Array(0), i32 = new Int32Array(0), u8 = new Uint8Array(0);
  const views = () => {
    if (buf !== memory.buffer) {
      buf = memory.buffer;
      f32 = new Float32Array(buf);
      i32 = new Int32Array(buf);
      u8 = new Uint8Array(buf);
    }
  };
  const heap = new Heap(
    ex.heapBase(),
    (bytes) => {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
      return memory.buffer.byteLength;
    },
    () => memory.buffer.byteLength,
  );
  const zero = (ptr: number, n: number) => { views(); u8.fill(0, ptr, ptr + n); };
  const k = {} as Record<string, unknown>;
  for (const name of KERNEL_NAMES) {
    const fn = (ex as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`lstm-wasm: wasm module lacks kernel '${name}'`);
    k[name] = fn;
  }
  const backend: Backend = {
    name: 'wasm',
    variant,
    k: k as unknown as Kernels,
    f32: () => (views(), f32),
    i32: () => (views(), i32),
    u8: () => (views(), u8),
    alloc: (bytes) => heap.alloc(bytes, zero),
    free: (ptr) => heap.release(ptr),
    memoryBytes: () => memory.buffer.byteLength,
    heapUsedBytes: () => heap.usedBytes(),
    availableBytes: () => heap.availableBytes(),
  };
  // GEMM packing scratch: one block per backend instance, owned by the backend (not by any
  // model's plan) because every model's kernels share it and it never changes size
  const scratchBytes = ex.gemmScratchBytes();
  ex.setScratch(backend.alloc(scratchBytes), scratchBytes);
  return backend;
}

/** Asynchronous instantiation: works on a browser's main thread too. */
export async function createWasmBackend(variant: WasmVariant): Promise<Backend> {
  const module = await WebAssembly.compile(await loadWasmBytes(variant));
  const instance = await WebAssembly.instantiate(module, imports());
  return makeBackend(instance, variant);
}

/** Synchronous instantiation (Node, workers); browsers' main threads refuse large modules. */
export function createWasmBackendSync(variant: WasmVariant): Backend {
  const module = new WebAssembly.Module(wasmBytes(variant));
  return makeBackend(new WebAssembly.Instance(module, imports()), variant);
}
