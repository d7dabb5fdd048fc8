// Browser suite setup: the kernel tests use the wasm backend synchronously (kernels('wasm'),
// wasmBackend()) without awaiting init(). In a browser the builds' bytes are loaded lazily,
// only by init() / loadWasmBytes (Node embeds them), so load both here, once, as init() would —
// for the src/ modules and for the dist/ modules (the tests that also run data-parallel
// workers import dist/, a separate module instance).
import { loadWasmBytes } from '../../src/backend/wasm-bytes.js';
import { loadWasmBytes as loadDistWasmBytes } from '../../dist/src/backend/wasm-bytes.js';

await Promise.all([loadWasmBytes('simd'), loadWasmBytes('relaxed-simd'), loadDistWasmBytes('simd'), loadDistWasmBytes('relaxed-simd')]);
