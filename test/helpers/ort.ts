/**
 * onnxruntime-web for the ONNX checks, in Node and in the Chromium suite. In a page its
 * .wasm is fetched by URL: the test server serves the package's dist folder, and one thread
 * is used because the test page is not cross-origin isolated (no SharedArrayBuffer).
 */
import * as ort from 'onnxruntime-web';

if (typeof window !== 'undefined') {
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
}

export { ort };
