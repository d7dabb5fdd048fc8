/**
 * The pure-TypeScript backend: every kernel's twin over a growable ArrayBuffer.
 * Reference for the wasm kernels, and the fallback where WebAssembly SIMD is missing.
 */
import { Heap } from '../heap.js';
import type { Backend, Kernels } from '../types.js';
import { mem, growJsMemory } from './heap.js';
import { gemm } from './gemm.js';
import { activate, activateBackward, softmax, softmaxBackward } from './activations.js';
import { denseForward, denseBackward } from './dense.js';
import { embeddingForward, embeddingBackward } from './embedding.js';
import { mseLoss, bceLoss, cceLoss, sparseCceLoss } from './losses.js';
import { sgdUpdate, momentumUpdate, rmspropUpdate, rmspropCenteredUpdate, adamUpdate, sumSquares, scale, clipByValue }
  from './optimizers.js';
import { lstmForward, lstmBackward } from './lstm.js';
import { gruForward, gruBackward } from './gru.js';
import { rnnForward, rnnBackward } from './rnn.js';

export const jsKernels: Kernels = {
  gemm, activate, activateBackward, softmax, softmaxBackward,
  denseForward, denseBackward, embeddingForward, embeddingBackward,
  mseLoss, bceLoss, cceLoss, sparseCceLoss,
  sgdUpdate, momentumUpdate, rmspropUpdate, rmspropCenteredUpdate, adamUpdate, sumSquares, scale, clipByValue,
  lstmForward, lstmBackward, gruForward, gruBackward, rnnForward, rnnBackward,
};

let instance: Backend | null = null;

/** The single JS backend (one memory, like the single wasm instance). */
export function createJsBackend(): Backend {
  if (instance) return instance;
  const heap = new Heap(64, growJsMemory, () => mem.buffer.byteLength);
  const zero = (ptr: number, n: number) => mem.u8.fill(0, ptr, ptr + n);
  instance = {
    name: 'js',
    variant: 'typescript',
    k: jsKernels,
    f32: () => mem.f32,
    i32: () => mem.i32,
    u8: () => mem.u8,
    alloc: (bytes) => heap.alloc(bytes, zero),
    free: (ptr) => heap.release(ptr),
    memoryBytes: () => mem.buffer.byteLength,
    heapUsedBytes: () => heap.usedBytes(),
    availableBytes: () => heap.availableBytes(),
  };
  return instance;
}
