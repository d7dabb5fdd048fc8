/**
 * A first-fit allocator over a backend's linear memory, run from TypeScript.
 * Kernels never allocate, and layers/optimizers never call it directly: each
 * model's MemoryPlan (src/models/memory-plan.ts) places its regions here in a
 * few contiguous blocks. Blocks are 64-byte aligned (cache line, and ≥ the 16
 * bytes f32x4 wants).
 *
 * Addresses are plain numbers up to MAX_MEMORY_BYTES (4 GiB): callers index
 * float views with `ptr >>> 2` (unsigned), never `ptr >>> 2`, which wraps at 2 GiB.
 */
export const ALIGN = 64;

/** WebAssembly 32-bit memories stop at 65536 pages of 64 KiB; the JS backend keeps the same range. */
export const MAX_MEMORY_BYTES = 2 ** 32;

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** alloc() could not be satisfied; nothing was allocated. */
export class HeapFullError extends Error {
  constructor(readonly neededBytes: number, readonly availableBytes: number, readonly reason: string) {
    super(`cannot allocate ${neededBytes} bytes: ${availableBytes} bytes available in one block (${reason})`);
  }
}

export class Heap {
  /** Free blocks sorted by start: [start, size]. */
  private free_: Array<[number, number]> = [];
  private used = new Map<number, number>();
  private top: number;
  /** Bytes at or above this address were never handed out: still zero from memory.grow / a fresh buffer. */
  private fresh: number;

  /**
   * @param base  first usable byte (after the module's static data)
   * @param grow  makes memory at least `bytes` long; returns the new size (may throw)
   * @param size  current memory size in bytes
   * @param limit the memory can never be larger than this
   */
  constructor(base: number, private grow: (bytes: number) => number, private size: () => number,
              private limit = MAX_MEMORY_BYTES) {
    this.top = alignUp(Math.max(base, ALIGN), ALIGN);
    this.fresh = this.top;
  }

  alloc(bytes: number, zero: (ptr: number, bytes: number) => void): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`alloc: invalid byte count ${bytes}`);
    const n = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.free_.length; i++) {
      const [start, size] = this.free_[i];
      if (size >= n) {
        if (size === n) this.free_.splice(i, 1);
        else this.free_[i] = [start + n, size - n];
        this.used.set(start, n);
        zero(start, n);
        return start;
      }
    }
    const ptr = this.top;
    const end = ptr + n;
    if (end > this.limit) throw new HeapFullError(n, this.availableBytes(), `the memory cannot exceed ${this.limit} bytes`);
    if (end > this.size()) {
      try {
        this.grow(end);
      } catch (e) {
        // the runtime refused to grow (the machine's memory): the heap is unchanged
        throw new HeapFullError(n, this.availableBytes(), `growing the memory failed: ${(e as Error).message}`);
      }
    }
    this.top = end;
    this.used.set(ptr, n);
    // only the part that was handed out before needs zeroing (a 3 GiB block costs no memset)
    if (ptr < this.fresh) zero(ptr, Math.min(end, this.fresh) - ptr);
    this.fresh = Math.max(this.fresh, end);
    return ptr;
  }

  release(ptr: number): void {
    const n = this.used.get(ptr);
    if (n === undefined) throw new Error(`free: ${ptr} is not an allocated block`);
    this.used.delete(ptr);
    // insert sorted, then coalesce with neighbours; a block touching `top` returns to it
    let i = 0;
    while (i < this.free_.length && this.free_[i][0] < ptr) i++;
    this.free_.splice(i, 0, [ptr, n]);
    for (let j = Math.max(0, i - 1); j < this.free_.length - 1; ) {
      const a = this.free_[j], b = this.free_[j + 1];
      if (a[0] + a[1] === b[0]) { a[1] += b[1]; this.free_.splice(j + 1, 1); }
      else if (j >= i) break;
      else j++;
    }
    const last = this.free_[this.free_.length - 1];
    if (last && last[0] + last[1] === this.top) { this.top = last[0]; this.free_.pop(); }
  }

  /** Bytes currently handed out (for leak tests). */
  usedBytes(): number {
    let s = 0;
    for (const n of this.used.values()) s += n;
    return s;
  }

  /** The largest block alloc() could hand out now, up to the limit (the machine may still refuse to grow). */
  availableBytes(): number {
    let best = Math.max(0, this.limit - this.top);
    for (const [, size] of this.free_) best = Math.max(best, size);
    return best;
  }
}
