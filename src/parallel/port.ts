/**
 * One message channel to a worker, the same shape in Node (worker_threads)
 * and in browsers (module Web Workers), so the data-parallel trainer does not
 * care where it runs.
 */

export interface WorkerPort {
  post(msg: unknown, transfer?: ArrayBuffer[]): void;
  /** Messages, then a fatal error (the worker crashed or could not start). */
  listen(onMessage: (msg: unknown) => void, onError: (err: Error) => void): void;
  terminate(): void;
  /** Node: keep the process alive while a reply is awaited (busy), not while idle. */
  hold(busy: boolean): void;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

/** Node's worker_threads, imported by a computed name so browser bundlers leave it alone. */
async function nodeWorkerThreads(): Promise<typeof import('node:worker_threads')> {
  const name = 'node:worker_threads';
  return import(/* @vite-ignore */ name);
}

/** Start the training worker (./worker.js beside this file). */
export async function spawnTrainingWorker(): Promise<WorkerPort> {
  if (isNode) {
    const { Worker: NodeWorker } = await nodeWorkerThreads();
    // execArgv: [] — not the parent's (e.g. --input-type, loaders): V8 flags such as
    // --experimental-wasm-relaxed-simd are process-wide and reach the worker anyway.
    // The URL is built apart so browser bundlers, which look for `new Worker(new URL(…))`,
    // only pick up the module-worker line below.
    const url = new URL('./worker.js', import.meta.url);
    const w = new NodeWorker(url, { execArgv: [] });
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      listen: (onMessage, onError) => {
        w.on('message', onMessage);
        w.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));
        w.on('exit', (code) => { if (code !== 0) onError(new Error(`worker exited with code ${code}`)); });
      },
      terminate: () => { void w.terminate(); },
      hold: (busy) => { if (busy) w.ref(); else w.unref(); },
    };
  }
  if (typeof Worker !== 'function') throw new Error('this runtime has no Web Workers');
  // Written literally so bundlers (Vite, webpack 5, esbuild plugins) emit the worker as well.
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    listen: (onMessage, onError) => {
      w.onmessage = (e) => onMessage(e.data);
      w.onerror = (e) => { e.preventDefault?.(); onError(new Error(e.message || 'worker failed to start')); };
      w.onmessageerror = () => onError(new Error('a message from the worker could not be deserialized'));
    },
    terminate: () => w.terminate(),
    hold: () => {},
  };
}

/** The worker side: the channel to the thread that started us. */
export async function parentChannel(): Promise<{ post: WorkerPort['post']; listen: (f: (msg: unknown) => void) => void }> {
  if (isNode) {
    const { parentPort } = await nodeWorkerThreads();
    if (!parentPort) throw new Error('lstm-wasm: the training worker must run in a worker thread');
    return { post: (msg, transfer) => parentPort.postMessage(msg, transfer), listen: (f) => parentPort.on('message', f) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null };
  return { post: (msg, transfer) => scope.postMessage(msg, transfer ?? []), listen: (f) => { scope.onmessage = (e) => f(e.data); } };
}
