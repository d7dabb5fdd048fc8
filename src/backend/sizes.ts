/**
 * Scratch/cache sizes (in float32 elements) the recurrent kernels need.
 * The TypeScript layers allocate exactly this much; both the AssemblyScript
 * kernels and their twins must stay inside it. One place, so they cannot drift.
 */

/**
 * Room for one weight matrix op(B) [K, N] packed by assembly/gemm.ts packB
 * (kept equal to its packedBFloats(K, N), checked by a test).
 */
export function packedBFloats(K: number, N: number): number {
  return K * ((N + 7) & ~7);
}

/**
 * lstm cache: activated gates [B,T,4H] + cells c_t [B,T,H] + h_{t-1} [B,T,H], all by
 * input time, + U packed for the per-step products.
 */
export function lstmCacheFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * 6 * H + packedBFloats(H, 4 * H);
}

/** lstm backward work: dGates [B,T,4H] + running dh, dc and a temp [B,H] each + Uᵀ packed. */
/** Offset (floats) of the gates block [B,T,4H] inside the LSTM cache (what RNN.projected fills). */
export function lstmCacheGatesOffset(H: number): number {
  return packedBFloats(H, 4 * H);
}

export function lstmWorkFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * 4 * H + 3 * B * H + packedBFloats(4 * H, H);
}

/**
 * Where lstmBackward leaves dL/dz, the gate pre-activation gradients [B,T,4H] by
 * input time (rows aligned with X), inside `work`: this many floats in. Both
 * backends keep it there after the call (tested), so a caller can form products
 * with dz itself — e.g. the Embedding → LSTM path (src/layers/recurrent.ts),
 * which multiplies by per-token sums instead of per-position rows.
 */
export function lstmWorkGatesOffset(_B: number, _T: number, _I: number, H: number): number {
  return packedBFloats(4 * H, H);
}

/** gru cache: activated gates z, r, hh [B,T,3H] + recurrent h-part [B,T,H] + h_{t-1} [B,T,H]. */
export function gruCacheFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * 5 * H + 3 * B * H + packedBFloats(H, 2 * H) + packedBFloats(H, H);
}

/**
 * gru backward work: dGates [B,T,3H] + recurrent-part grads [B,T,3H] + running state grads
 * + Uᵀ packed + h_{t-1}⊙recMask [B,T,H] (dU's operand under recurrent dropout; the cache
 * keeps the unmasked h_{t-1}, which h_t = z⊙h_{t-1} + (1-z)⊙hh differentiates through).
 */
export function gruWorkFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * 7 * H + 4 * B * H + packedBFloats(3 * H, H);
}

/** simple rnn cache: activated outputs h_t [B,T,H] + h_{t-1} [B,T,H]. */
export function rnnCacheFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * 2 * H + packedBFloats(H, H);
}

/** simple rnn backward work: dPre [B,T,H] + running dh and a temp [B,H]. */
export function rnnWorkFloats(B: number, T: number, _I: number, H: number): number {
  return B * T * H + 2 * B * H + packedBFloats(H, H);
}
