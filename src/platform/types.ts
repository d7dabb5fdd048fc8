/**
 * What the package needs from its host that differs between Node and browsers.
 * `#platform` (package.json "imports") resolves to ./node.js or, under the
 * `browser` condition every bundler sets, to ./browser.js — so no `node:` import
 * is reachable from a browser bundle and no bundler needs configuration.
 */
import type { WasmVariant } from '../backend/wasm-bytes.js';

/** node:fs/promises and node:path (types only: nothing here imports them at run time). */
export interface NodeFiles {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
}

/** A worker thread as the data-parallel trainer sees it (Node's worker_threads.Worker). */
export interface NodeWorkerLike {
  postMessage(msg: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', f: (msg: unknown) => void): unknown;
  on(event: 'error', f: (e: unknown) => void): unknown;
  on(event: 'exit', f: (code: number) => void): unknown;
  terminate(): unknown;
  ref(): void;
  unref(): void;
}

export interface ParentChannel {
  post(msg: unknown, transfer?: ArrayBuffer[]): void;
  listen(f: (msg: unknown) => void): void;
}

export interface Platform {
  /** True in Node (worker_threads and node:fs available). */
  readonly isNode: boolean;
  /** node:fs/promises + node:path; throws with what to use instead outside Node. */
  nodeFiles(): Promise<NodeFiles>;
  /** A Node worker thread running `url`; null outside Node. */
  nodeWorker(url: URL): NodeWorkerLike | null;
  /** The channel to the thread that started this Node worker; null outside Node. */
  nodeParent(): ParentChannel | null;
  /** A wasm build's base64, when it can be had synchronously (Node); null elsewhere (await init()). */
  embeddedWasm(variant: WasmVariant): string | null;
  /** Hardware threads (Node: os.availableParallelism(); browsers: navigator.hardwareConcurrency); null when unknown. */
  hardwareThreads(): number | null;
}
