/**
 * Data-parallel training on several cores: `fit(x, y, { threads: n })`.
 *
 * Each batch is cut into n contiguous chunks of its (shuffled) rows. This
 * thread computes the gradients of chunk 0 on the model itself while n − 1
 * workers, each holding a replica of the model, compute theirs at the same
 * weights. The gradients are summed, weighted by the rows each chunk's loss
 * averaged over (so the result is the gradient of the whole batch's mean
 * loss, exactly as with one thread up to float rounding), and the optimizer
 * steps once, here. Weights and optimizer state live only in this thread;
 * the params travel to each worker and its gradients come back in one
 * transferred buffer per step (no copies through the structured clone).
 *
 * Workers start once per model (on the first fit that asks for them) and stay
 * up between fit calls while the model, its loss, metrics, backend and thread
 * count stay the same; `model.dispose()` stops them. In Node they do not keep
 * the process alive.
 */
import { getBackend, backend } from '../backend/index.js';
import type { Sequential } from '../models/sequential.js';
import { takeRows } from '../models/data.js';
import type { Tensor } from '../tensor.js';
import { spawnTrainingWorker, type WorkerPort } from './port.js';
import type { FromWorker, TensorData } from './protocol.js';

interface Pending {
  resolve: (r: { loss: number; rows: number; acc: number[]; block: Float32Array }) => void;
  reject: (e: Error) => void;
}

class Replica {
  private pending = new Map<number, Pending>();
  private ready: Promise<void>;
  failure: Error | null = null;
  /** Params out, grads back: one buffer that goes back and forth. */
  block: Float32Array | null;

  constructor(private port: WorkerPort, readonly index: number, nParams: number) {
    this.block = new Float32Array(nParams);
    let onReady!: () => void, onFail!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => { onReady = res; onFail = rej; });
    port.listen((raw) => {
      const msg = raw as FromWorker;
      if (msg.type === 'ready') { this.idle(); return onReady(); }
      if (msg.type === 'failed') {
        const err = new Error(`training worker ${index}: ${msg.message}`);
        if (msg.id === null) { this.fail(err); onFail(err); return; }
        this.pending.get(msg.id)?.reject(err);
        this.pending.delete(msg.id);
        this.idle();
        return;
      }
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      this.idle();
      p?.resolve(msg);
    }, (e) => {
      const err = new Error(`training worker ${index} failed: ${e.message}`);
      this.fail(err);
      onFail(err);
    });
    port.hold(true); // until 'ready'; idle workers don't keep Node running (after listen: listeners re-ref)
  }

  /** Let an idle worker not keep Node running. */
  private idle(): void {
    if (this.pending.size === 0) this.port.hold(false);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  post(msg: unknown, transfer: ArrayBuffer[]): void {
    this.port.post(msg, transfer);
  }

  /** Send step `id` and wait for its gradients (rejects if the worker fails or the message cannot be sent). */
  request(id: number, msg: unknown, transfer: ArrayBuffer[]): Promise<{ loss: number; rows: number; acc: number[]; block: Float32Array }> {
    if (this.failure) return Promise.reject(this.failure);
    const reply = new Promise<{ loss: number; rows: number; acc: number[]; block: Float32Array }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.port.hold(true);
    try {
      this.port.post(msg, transfer);
    } catch (e) {
      this.pending.delete(id);
      this.idle();
      return Promise.reject(new Error(`training worker ${this.index}: could not send step ${id} (${(e as Error).message})`));
    }
    return reply;
  }

  terminate(): void {
    this.fail(new Error(`training worker ${this.index} was stopped`));
    this.port.terminate();
  }
}

export class DataParallel {
  private nextId = 1;
  private closed = false;

  private constructor(private model: Sequential, readonly threads: number, readonly key: string, private replicas: Replica[]) {}

  /** What the replicas were built from; a different key means they are stale. */
  static keyOf(model: Sequential, threads: number): string {
    const be = backend();
    return JSON.stringify([threads, getBackend(), be.variant, model.loss?.name, model.metrics.map((m) => m.name), model.toJSON()]);
  }

  /** The model's pool for `threads`, started (or restarted) when needed. */
  static async forModel(model: Sequential, threads: number): Promise<DataParallel> {
    const key = DataParallel.keyOf(model, threads);
    const cur = model.parallel;
    if (cur && cur.key === key && !cur.broken()) return cur;
    cur?.close();
    model.parallel = null;
    const dp = await DataParallel.start(model, threads, key);
    model.parallel = dp;
    return dp;
  }

  private static async start(model: Sequential, threads: number, key: string): Promise<DataParallel> {
    const nParams = model.paramFloats();
    const be = backend();
    const replicas: Replica[] = [];
    try {
      for (let i = 1; i < threads; i++) {
        const port = await spawnTrainingWorker();
        const r = new Replica(port, i, nParams);
        replicas.push(r);
        r.post({
          type: 'init', topology: model.toJSON(), loss: model.loss!.name, metrics: model.metrics.map((m) => m.name),
          backend: getBackend(), variant: be.variant, seed: model.rng.fork(i).int(2 ** 32), nParams,
        }, []);
      }
      await Promise.all(replicas.map((r) => r.whenReady()));
    } catch (e) {
      for (const r of replicas) r.terminate();
      throw new Error(`${model.name}.fit: could not start ${threads - 1} training worker(s) for threads: ${threads} (${(e as Error).message})`);
    }
    return new DataParallel(model, threads, key, replicas);
  }

  broken(): boolean {
    return this.closed || this.replicas.some((r) => r.failure !== null);
  }

  /**
   * One optimizer step on rows idx[from..to) of x, y. Nothing changes on the
   * model unless every chunk's gradients arrive.
   */
  async step(x: Tensor, y: Tensor, idx: ArrayLike<number>, from: number, to: number, metricAcc: Float64Array): Promise<{ loss: number; rows: number }> {
    const m = this.model;
    const B = to - from;
    const n = Math.min(this.threads, B);
    if (n === 1) return m.stepChecked(x, y, idx, from, to, true, { metricAcc });
    // chunk k covers rows [cut[k], cut[k+1]); chunk 0 stays here and is never the larger one
    // (this thread also gathers, sends, sums and steps)
    const cut = [from];
    for (let k = 0; k < n; k++) cut.push(cut[k] + Math.floor(B / n) + (k >= n - B % n ? 1 : 0));
    const waits: Promise<{ loss: number; rows: number; acc: number[]; block: Float32Array }>[] = [];
    for (let k = 1; k < n; k++) {
      const r = this.replicas[k - 1];
      const block = r.block ?? new Float32Array(m.paramFloats());
      r.block = null;
      m.readParams(block);
      const id = this.nextId++;
      const xs = rowsOf(x, idx, cut[k], cut[k + 1]), ys = rowsOf(y, idx, cut[k], cut[k + 1]);
      waits.push(r.request(id, { type: 'step', id, block, x: xs, y: ys }, [block.buffer as ArrayBuffer, xs.data.buffer as ArrayBuffer, ys.data.buffer as ArrayBuffer]));
    }
    const all = Promise.all(waits); // handlers attached before this thread's (synchronous) chunk
    const acc0 = m.metricState();
    let mine: { loss: number; rows: number };
    try {
      mine = m.stepChecked(x, y, idx, cut[0], cut[1], false, { metricAcc: acc0 });
    } catch (e) {
      all.catch(() => {}); // this thread's error is the one to report
      throw e;
    }
    const theirs = await all;
    theirs.forEach((t, i) => { this.replicas[i].block = t.block; });
    let rows = mine.rows, lossSum = mine.loss * mine.rows;
    for (const t of theirs) { rows += t.rows; lossSum += t.loss * t.rows; }
    m.applyCombined(mine.rows / rows, theirs.map((t) => ({ w: t.rows / rows, g: t.block })), lossSum / rows);
    metricAcc.forEach((_, i) => { metricAcc[i] += acc0[i] + theirs.reduce((s, t) => s + t.acc[i], 0); });
    return { loss: lossSum / rows, rows };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.replicas) r.terminate();
  }
}

function rowsOf(t: Tensor, idx: ArrayLike<number>, from: number, to: number): TensorData {
  const { data, shape, dtype } = takeRows(t, idx, from, to);
  return { data, shape, dtype };
}
