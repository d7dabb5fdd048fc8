/**
 * Mask combination shared by the merge layers (rules: src/keras/config.ts MaskRule).
 * Masks are f32 [B, T] (1 keep, 0 masked) on rank-3 activations; pointer 0 = no mask.
 */

/** out[r] = OR (or AND) over `masks` of mask[r] for r < rows; an absent mask (0) counts as all kept. */
export function combineMasks(f: Float32Array, out: number, masks: readonly number[], rows: number, op: 'or' | 'and'): void {
  const o = out >>> 2;
  for (let r = 0; r < rows; r++) {
    let keep = op === 'and';
    for (const m of masks) {
      const v = m === 0 || f[(m >>> 2) + r] !== 0;
      keep = op === 'and' ? keep && v : keep || v;
    }
    f[o + r] = keep ? 1 : 0;
  }
}

/** Row count of an activation's mask: B·T for rank-3 [B, T, F]; masks exist only there. */
export function maskRows(shape: readonly number[]): number {
  return shape.length === 3 ? shape[0] * shape[1] : 0;
}
