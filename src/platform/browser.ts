/**
 * `#platform` under the `browser` condition (bundlers, Vite, webpack, esbuild with
 * platform 'browser'): no Node built-ins, and no wasm bytes until init() loads the
 * one build the runtime picks.
 */
import type { Platform } from './types.js';

export const platform: Platform = {
  isNode: false,
  nodeFiles: async () => {
    throw new Error('file:// model paths need Node.js (node:fs); in a browser use indexeddb://, downloads://, '
      + 'an http(s) URL or your own IOHandler');
  },
  nodeWorker: () => null,
  nodeParent: () => null,
  embeddedWasm: () => null,
  hardwareThreads: () => {
    const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    return Number.isInteger(n) && n! > 0 ? n! : null;
  },
};
