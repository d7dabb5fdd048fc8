/**
 * `#platform` in Node: the Node built-ins, imported statically (this file is never
 * in a browser bundle, see ./types.ts). Both wasm builds are imported here so a
 * Node script may use the wasm backend without awaiting init().
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as os from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';
import { WASM_BASE64 as SIMD } from '../backend/wasm-simd.generated.js';
import { WASM_BASE64 as RELAXED } from '../backend/wasm-relaxed.generated.js';
import type { NodeFiles, Platform } from './types.js';

export const platform: Platform = {
  isNode: true,
  nodeFiles: async (): Promise<NodeFiles> => ({ fs, path }),
  // execArgv: [] — not the parent's (e.g. --input-type, loaders): V8 flags such as
  // --experimental-wasm-relaxed-simd are process-wide and reach the worker anyway.
  nodeWorker: (url) => new Worker(url, { execArgv: [] }),
  nodeParent: () => {
    const p = parentPort;
    if (!p) return null;
    return { post: (msg, transfer) => p.postMessage(msg, transfer), listen: (f) => { p.on('message', f); } };
  },
  embeddedWasm: (variant) => (variant === 'simd' ? SIMD : RELAXED),
  hardwareThreads: () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length || null),
};
