/**
 * One message channel to a worker, the same shape in Node (worker_threads)
 * and in browsers (module Web Workers), so the data-parallel trainer does not
 * care where it runs.
 */

import { platform } from '#platform';

export interface WorkerPort {
  post(msg: unknown, transfer?: ArrayBuffer[]): void;
  /** Messages, then a fatal error (the worker crashed or could not start). */
  listen(onMessage: (msg: unknown) => void, onError: (err: Error) => void): void;
  terminate(): void;
  /** Node: keep the process alive while a reply is awaited (busy), not while idle. */
  hold(busy: boolean): void;
}

/** Start the training worker (./worker.js beside this file). */
export async function spawnTrainingWorker(): Promise<WorkerPort> {
  if (platform.isNode) {
    // The URL is built apart so browser bundlers, which look for `new Worker(new URL(…))`,
    // only pick up the module-worker line below.
    const url = new URL('./worker.js', import.meta.url);
    const w = platform.nodeWorker(url)!;
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      listen: (onMessage, onError) => {
        w.on('message', onMessage);
        w.on('error', (e) => onError(new Error(`training worker ${url.href}: ${e instanceof Error ? e.message : String(e)}`)));
        w.on('exit', (code) => { if (code !== 0) onError(new Error(`training worker ${url.href} exited with code ${code}`)); });
      },
      terminate: () => { void w.terminate(); },
      hold: (busy) => { if (busy) w.ref(); else w.unref(); },
    };
  }
  if (typeof Worker !== 'function') throw new Error('this runtime has no Web Workers');
  // Written literally so bundlers (Vite, webpack 5, esbuild plugins) emit the worker as well.
  // Bundlers rewrite the URL inside this call, so the one actually tried is only known to
  // the Worker constructor: record it there, to name it if the worker cannot start.
  const Native = Worker;
  let tried = '';
  const g = globalThis as unknown as { Worker: typeof Worker };
  g.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) { tried = String(url); super(url, options); }
  };
  let w: Worker;
  try {
    // Written literally so bundlers (Vite, webpack 5, Rollup plugins) emit the worker as well.
    w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  } catch (e) {
    throw new Error(`training worker ${tried || './worker.js'}: ${(e as Error).message}`);
  } finally {
    g.Worker = Native;
  }
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    listen: (onMessage, onError) => {
      w.onmessage = (e) => onMessage(e.data);
      w.onerror = (e) => { e.preventDefault?.(); onError(new Error(`training worker ${tried}: ${e.message || 'failed to start (not found, or not a JavaScript module?)'} — `
        + 'a bundler must emit this file (README: "Bundlers")')); };
      w.onmessageerror = () => onError(new Error('a message from the worker could not be deserialized'));
    },
    terminate: () => w.terminate(),
    hold: () => {},
  };
}

/** The worker side: the channel to the thread that started us. */
export async function parentChannel(): Promise<{ post: WorkerPort['post']; listen: (f: (msg: unknown) => void) => void }> {
  if (platform.isNode) {
    const parent = platform.nodeParent();
    if (!parent) throw new Error('lstm-wasm: the training worker must run in a worker thread');
    return parent;
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null };
  return { post: (msg, transfer) => scope.postMessage(msg, transfer ?? []), listen: (f) => { scope.onmessage = (e) => f(e.data); } };
}
