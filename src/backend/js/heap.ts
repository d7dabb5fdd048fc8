/**
 * The pure-TypeScript backend's linear memory. The twins read these views
 * (`mem.f32[ptr >>> 2]`) so that their signatures are the AssemblyScript ones:
 * byte offsets in, nothing returned but scalars.
 */
import { MAX_MEMORY_BYTES } from '../heap.js';

export const mem = {
  buffer: new ArrayBuffer(1 << 16),
  f32: new Float32Array(0),
  i32: new Int32Array(0),
  u8: new Uint8Array(0),
};

function refresh(): void {
  mem.f32 = new Float32Array(mem.buffer);
  mem.i32 = new Int32Array(mem.buffer);
  mem.u8 = new Uint8Array(mem.buffer);
}
refresh();

/**
 * Grow (by copying, doubling) to at least `bytes`; views are re-created. Capped at
 * 4 GiB like a WebAssembly memory, so both backends accept the same offsets.
 */
export function growJsMemory(bytes: number): number {
  if (bytes <= mem.buffer.byteLength) return mem.buffer.byteLength;
  if (bytes > MAX_MEMORY_BYTES) throw new RangeError(`the JS backend's memory cannot exceed ${MAX_MEMORY_BYTES} bytes (asked for ${bytes})`);
  let size = mem.buffer.byteLength;
  while (size < bytes) size = Math.min(size * 2, MAX_MEMORY_BYTES);
  const next = new ArrayBuffer(size);
  new Uint8Array(next).set(mem.u8);
  mem.buffer = next;
  refresh();
  return size;
}
