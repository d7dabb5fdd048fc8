/**
 * One memory plan per model: the only owner of the model's bytes in backend
 * memory (llm.c's single planned arena, split into a few blocks that live for
 * different times):
 *
 *   weights      params [n] + grads [n], same layout (an optimizer step is one loop)
 *   optimizer    k slots [n] each, same layout again
 *   workspace    one call shape's input, every layer's activations/caches/work,
 *                targets, dLoss — re-planned when the call shape changes
 *   state:<layer> recurrent state carried across calls (stateful, truncated BPTT)
 *
 * Each block is ONE backend allocation holding named regions at known offsets
 * (sizes from src/backend/sizes.ts via each layer's plan()). A block is measured
 * before anything is allocated; if it cannot fit, a PlanError names the model,
 * the call, the shape, the bytes needed and available, and nothing stays
 * allocated. Blocks are freed on dispose() and, through a FinalizationRegistry
 * that holds only the block list (never the model), when the model is dropped.
 * The GEMM packing scratch is not here: it belongs to the backend instance
 * (shared by every model, fixed size; src/backend/wasm.ts).
 */
import type { Backend } from '../backend/types.js';
import { Workspace, REGION_ALIGN, type Region } from '../layers/layer.js';
import { HeapFullError, MAX_MEMORY_BYTES } from '../backend/heap.js';
import { shapeStr } from '../names.js';

/** What a block was planned for (error messages and the printed map). */
export interface CallInfo {
  /** e.g. 'sequential_1.predict' */
  call: string;
  /** the call's input shape, batch first (empty for weights/optimizer) */
  shape: number[];
}

interface Block {
  ptr: number;
  bytes: number;
  regions: Region[];
  info: CallInfo;
}

/** Everything the finalizer needs: the backend and the blocks. Never the model. */
interface Held {
  be: Backend;
  blocks: Map<string, Block>;
}

const freeAll = (h: Held): void => {
  for (const b of h.blocks.values()) h.be.free(b.ptr);
  h.blocks.clear();
};

/** Models dropped without dispose() give their blocks back. */
const reclaim = new FinalizationRegistry<Held>(freeAll);

/** A block that could not be placed; nothing was allocated. */
export class PlanError extends Error {
  constructor(message: string, readonly neededBytes: number, readonly availableBytes: number) {
    super(message);
    this.name = 'PlanError';
  }
}

export const fmtBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)} MiB`
    : n >= 2 ** 10 ? `${(n / 2 ** 10).toFixed(1)} KiB` : `${n} B`;

export interface RegionInfo {
  block: string;
  name: string;
  /** absolute byte offset in the backend's memory */
  offset: number;
  bytes: number;
}

export class MemoryPlan {
  private readonly held: Held;
  /** How each block's regions are reserved (kept here, not in `held`: they capture the model). */
  private readonly fills = new Map<string, (ws: Workspace) => void>();

  /** @param owner the model (registered for reclaiming; not referenced by the plan) */
  constructor(readonly be: Backend, owner: object) {
    this.held = { be, blocks: new Map() };
    reclaim.register(owner, this.held, this);
  }

  /** Bytes the regions reserved by `fill` need, without allocating (fill runs with placeholder pointers). */
  measure(fill: (ws: Workspace) => void, batchCap = 0): number {
    const ws = new Workspace(this.be, batchCap, REGION_ALIGN);
    fill(ws);
    return ws.bytes;
  }

  /**
   * Place block `name` (replacing any previous one of that name): measure `fill`'s regions, refuse
   * before allocating if they cannot fit, allocate one zero-filled block, run `fill` again at its
   * address. Throws PlanError with nothing allocated (the previous block of that name is freed too:
   * its pointers were already overwritten by the measuring pass).
   */
  place(name: string, info: CallInfo, fill: (ws: Workspace) => void, batchCap = 0): void {
    const probe = new Workspace(this.be, batchCap, REGION_ALIGN);
    fill(probe);
    this.release(name);
    const need = probe.bytes;
    let ptr: number;
    try {
      if (need > MAX_MEMORY_BYTES) throw new HeapFullError(need, this.be.availableBytes(), `more than the 4 GiB a 32-bit memory can address`);
      ptr = this.be.alloc(need);
    } catch (e) {
      if (!(e instanceof HeapFullError)) throw e;
      const big = probe.regions.slice().sort((a, b) => b.bytes - a.bytes).slice(0, 3)
        .map((r) => `${r.name} ${fmtBytes(r.bytes)}`).join(', ');
      throw new PlanError(
        `${info.call}: out of memory planning '${name}'${info.shape.length ? ` for input ${shapeStr(info.shape)}` : ''}: `
        + `needs ${need} bytes (${fmtBytes(need)}; largest regions: ${big}), the ${this.be.name} backend has ${e.availableBytes} bytes `
        + `(${fmtBytes(e.availableBytes)}) available in one block (${e.reason}). `
        + 'Nothing was allocated; use a smaller batchSize or shorter sequences.', need, e.availableBytes);
    }
    const ws = new Workspace(this.be, batchCap, ptr);
    fill(ws);
    this.held.blocks.set(name, { ptr, bytes: need, regions: ws.regions, info });
    this.fills.set(name, fill);
  }

  /** Run block `name`'s reservations again at its address (after a measuring pass clobbered the pointers). */
  replay(name: string): void {
    const b = this.held.blocks.get(name)!;
    const ws = new Workspace(this.be, 0, b.ptr);
    this.fills.get(name)!(ws);
  }

  has(name: string): boolean {
    return this.held.blocks.has(name);
  }

  /** Bytes of block `name` (0 when absent). */
  bytes(name: string): number {
    return this.held.blocks.get(name)?.bytes ?? 0;
  }

  info(name: string): CallInfo | null {
    return this.held.blocks.get(name)?.info ?? null;
  }

  /** Absolute pointers of block `name`'s regions, in reservation order. */
  pointers(name: string): number[] {
    const b = this.held.blocks.get(name);
    return b ? b.regions.map((r) => b.ptr + r.offset) : [];
  }

  release(name: string): void {
    const b = this.held.blocks.get(name);
    if (!b) return;
    this.be.free(b.ptr);
    this.held.blocks.delete(name);
    this.fills.delete(name);
  }

  /** Release every block whose name starts with `prefix`. */
  releasePrefix(prefix: string): void {
    for (const name of [...this.held.blocks.keys()]) if (name.startsWith(prefix)) this.release(name);
  }

  /** Free everything; the plan is empty afterwards (and no longer watched by the finalizer). */
  dispose(): void {
    freeAll(this.held);
    this.fills.clear();
    reclaim.unregister(this);
  }

  totalBytes(): number {
    let s = 0;
    for (const b of this.held.blocks.values()) s += b.bytes;
    return s;
  }

  regions(): RegionInfo[] {
    const out: RegionInfo[] = [];
    for (const [block, b] of this.held.blocks) {
      for (const r of b.regions) out.push({ block, name: r.name, offset: b.ptr + r.offset, bytes: r.bytes });
    }
    return out;
  }

  /** The map: one line per block, then its regions with absolute offsets. */
  toString(title = 'memory plan'): string {
    const lines = [`${title}: ${fmtBytes(this.totalBytes())} (${this.totalBytes()} bytes) on the ${this.be.name} backend`];
    for (const [name, b] of this.held.blocks) {
      const shape = b.info.shape.length ? ` for ${shapeStr(b.info.shape)} (${b.info.call})` : '';
      lines.push(`  ${name}${shape}: ${fmtBytes(b.bytes)} at ${b.ptr}`);
      for (const r of b.regions) lines.push(`    ${r.name.padEnd(36)} ${String(r.bytes).padStart(12)} B  @ ${b.ptr + r.offset}`);
    }
    return lines.join('\n');
  }
}
