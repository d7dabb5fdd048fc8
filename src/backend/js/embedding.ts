/** TS twins of assembly/embedding.ts. Contract: ../types.ts. ids int32 [n]; E, dE [V,D]; Y, dY [n,D]. */
import { mem } from './heap.js';

export function embeddingForward(Y: number, ids: number, E: number, n: number, D: number): void {
  const f = mem.f32, id0 = ids >>> 2;
  for (let i = 0; i < n; i++) {
    const src = (E >>> 2) + mem.i32[id0 + i] * D;
    f.copyWithin((Y >>> 2) + i * D, src, src + D);
  }
}

export function embeddingBackward(dE: number, dY: number, ids: number, n: number, D: number): void {
  const f = mem.f32, id0 = ids >>> 2;
  for (let i = 0; i < n; i++) {
    const dst = (dE >>> 2) + mem.i32[id0 + i] * D, src = (dY >>> 2) + i * D;
    for (let j = 0; j < D; j++) f[dst + j] += f[src + j];
  }
}
