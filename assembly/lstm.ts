// LSTM forward over a sequence and its BPTT backward. Contract: src/backend/types.ts
// (`lstmForward`, `lstmBackward`); equations: fixtures README "Equations".
//
// Dimension letters: B batch, T time, I input features, H units, G = 4H (gates i, f, c, o).
// Step s = 0 … T-1 is processing order; it consumes input time t = s, or T-1-s with
// RNN_GO_BACKWARDS. Y [B,T,H] is stored by s; every cache array by t.
//
// cache (lstmCacheFloats): Up    packed U for gemmPackedB, packedBFloats(H, G) (first: 16-byte aligned)
//                          gates [B,T,G]  activated i, f, act(zc), o
//                          cells [B,T,H]  c_t
//                          hprev [B,T,H]  h_{t-1}, ⊙ recMask under recurrent dropout (written
//                                         only with RNN_TRAINING, or always with a recMask)
// work (lstmWorkFloats):   UTp   packed Uᵀ, packedBFloats(G, H)
//                          dG    [B,T,G]  dL/dz for every step
//                          dh, dc [B,H]   running state gradients
//                          tmp   [B,H]    dG_t·Uᵀ under recurrent dropout
//
// Masking (tfjs rnn()): at a masked step (mask 0) h and c are kept and the step output is
// the kept h (h0, or zeros, before the first real token). So Y[:, s] always equals the state
// h after step s, and the per-step recurrent product reads its h_{t-1} straight from Y.
//
// Recurrent dropout (recMask [B,H], types.ts): z = x_t·W + (h_{t-1}⊙m)·U + b; c_t, h_t,
// masked steps and outputs use the unmasked state. The product then reads h⊙m from hprev
// (written before the product), which is also exactly dU's operand in the backward.
// Porting note: this is Keras 2's implementation=2 (one mask for the fused product; the
// lead's contract). Keras 3's LSTMCell.__init__ switches to implementation 1 whenever
// recurrent_dropout > 0 and draws dropout_mask_count = 4 independent masks, one per gate
// (keras/src/layers/rnn/lstm.py, LSTMCell.call: h_tm1_i = h_tm1 * rec_dp_mask[0], ...;
// GRUCell likewise with 3). Both are variational dropout (one mask per sequence); a caller
// wanting per-gate masks would need a [G,B,H] mask and G separate products.
import { gemm, packB, gemmPackedB, packedBFloats } from './gemm';
import { GEMM_ACCUMULATE, GEMM_TRANS_A, GEMM_TRANS_B, RNN_GO_BACKWARDS, RNN_TRAINING, RNN_PROJECTED,
         ACT_TANH, ACT_SIGMOID } from './codes';
import { cellForwardRow, cellBackwardRow } from './lstm/cell';
import { mulRows, addMul } from './rnn';

/** Below this batch the per-step products stream U in place (gemm's direct row path)
 *  instead of packing it: measured faster at B = 1 (see bench/suites/lstm.ts). */
const SMALL_B: i32 = 4;

/** dst[0..bytes) = src, or zeros when src is 0. */
// @ts-ignore: decorator
@inline function copyOrZero(dst: usize, src: usize, bytes: usize): void {
  if (src != 0) memory.copy(dst, src, bytes);
  else memory.fill(dst, 0, bytes);
}

/** Address of float element `i` of the array at `base`. */
// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/**
 * Y [B,T,H], hT, cT [B,H] (either may be 0) ← X [B,T,I]; W [I,G]; U [H,G]; bias [G] or 0;
 * h0, c0 [B,H] or 0; mask f32 [B,T] or 0; recMask f32 [B,H] or 0.
 * cache: see the layout above; flags: RNN bits.
 * Y is required even when only hT is wanted: step s reads its h_{t-1} rows from Y[:, s-1].
 * Y must not alias X or the cache. Preconditions (checked in TS): B, T, I, H ≥ 1.
 */
export function lstmForward(Y: usize, hT: usize, cT: usize, X: usize, W: usize, U: usize, bias: usize,
                            h0: usize, c0: usize, mask: usize, recMask: usize, cache: usize,
                            B: i32, T: i32, I: i32, H: i32, act: i32, recAct: i32, flags: i32): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H;
  const back = (flags & RNN_GO_BACKWARDS) != 0;
  const training = (flags & RNN_TRAINING) != 0;
  const Up = cache;
  const gates = at(Up, packedBFloats(H, G));
  const cells = at(gates, B * T * G);
  const hprev = at(cells, B * T * H);
  const hBytes = <usize>H << 2;
  const fast = act == ACT_TANH && recAct == ACT_SIGMOID;

  // 1. Input projection of every step in one GEMM: gates[B·T, G] = X[B·T, I] · W
  //    (unless the caller wrote it already: RNN_PROJECTED).
  if ((flags & RNN_PROJECTED) == 0) gemm(gates, X, W, B * T, I, G, I, G, G, 0);

  // 2. Recurrent products h_{t-1}·U. Packing U costs about one product, so only when ≥ 2 use it.
  const nRec = h0 != 0 ? T : T - 1;
  const packed = nRec >= 2 && B >= SMALL_B;
  if (packed) packB(Up, U, H, G, G, false);

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    const tp = back ? t + 1 : t - 1;
    const gt = at(gates, t * G);
    // h_{t-1} rows: the previous step's outputs (stride T·H), or h0 (stride H), or zeros.
    let A: usize = 0;
    let lda = 0;
    if (s > 0) { A = at(Y, (s - 1) * H); lda = T * H; }
    else if (h0 != 0) { A = h0; lda = H; }
    // Under recurrent dropout the product reads h_{t-1}⊙m, stored in hprev first.
    const dropped = recMask != 0 && A != 0;
    let Am = A;
    let ldm = lda;
    if (dropped) {
      Am = at(hprev, t * H);
      ldm = T * H;
      mulRows(Am, ldm, A, lda, recMask, B, H);
    }
    if (A != 0) {
      if (packed) gemmPackedB(gt, Am, Up, B, H, G, ldm, T * G, true);
      else gemm(gt, Am, U, B, H, G, ldm, G, T * G, GEMM_ACCUMULATE);
    }
    // 3. One fused pass: nonlinearities + c/h update, row by row.
    for (let b = 0; b < B; b++) {
      const hp: usize = A != 0 ? at(A, b * lda) : 0;
      const cp: usize = s > 0 ? at(cells, (b * T + tp) * H) : (c0 != 0 ? at(c0, b * H) : 0);
      const yRow = at(Y, (b * T + s) * H);
      const cRow = at(cells, (b * T + t) * H);
      if (training && !dropped) copyOrZero(at(hprev, (b * T + t) * H), hp, hBytes);
      if (mask != 0 && load<f32>(at(mask, b * T + t)) == 0) {
        copyOrZero(yRow, hp, hBytes);
        copyOrZero(cRow, cp, hBytes);
        continue;
      }
      const gRow = at(gt, b * T * G);
      if (fast) cellForwardRow(gRow, bias, cp, cRow, yRow, H, ACT_TANH, ACT_SIGMOID);
      else cellForwardRow(gRow, bias, cp, cRow, yRow, H, act, recAct);
    }
  }

  const tLast = back ? 0 : T - 1;
  for (let b = 0; b < B; b++) {
    if (hT != 0) memory.copy(at(hT, b * H), at(Y, (b * T + T - 1) * H), hBytes);
    if (cT != 0) memory.copy(at(cT, b * H), at(cells, (b * T + tLast) * H), hBytes);
  }
}

/**
 * BPTT for lstmForward run with RNN_TRAINING and the same arguments.
 * Outputs: dX [B,T,I] (=), dW [I,G] (+=), dU [H,G] (+=), db [G] (+=), dh0, dc0 [B,H] (=); each may be 0.
 * Inputs: dY [B,T,H] by processing step, dhT, dcT [B,H]; each may be 0 (= zeros).
 * Y is not read (the cache holds h_{t-1}). recMask as in the forward. work: see the layout above.
 */
export function lstmBackward(dX: usize, dW: usize, dU: usize, db: usize, dh0: usize, dc0: usize,
                             dY: usize, dhT: usize, dcT: usize, Y: usize, X: usize, W: usize, U: usize, bias: usize,
                             h0: usize, c0: usize, mask: usize, recMask: usize, cache: usize, work: usize,
                             B: i32, T: i32, I: i32, H: i32, act: i32, recAct: i32, flags: i32): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H;
  const back = (flags & RNN_GO_BACKWARDS) != 0;
  const gates = at(cache, packedBFloats(H, G));
  const cells = at(gates, B * T * G);
  const hprev = at(cells, B * T * H);
  const UTp = work;
  const dG = at(UTp, packedBFloats(G, H));
  const dh = at(dG, B * T * G);
  const dc = at(dh, B * H);
  const tmp = at(dc, B * H);
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(B * H) << 2;
  const fast = act == ACT_TANH && recAct == ACT_SIGMOID;

  copyOrZero(dh, dhT, stateBytes);
  copyOrZero(dc, dcT, stateBytes);

  // dh_{t-1} = dG_t · Uᵀ once per step except the first processed one (unless dh0 is wanted).
  const nRec = dh0 != 0 ? T : T - 1;
  const packed = nRec >= 2;
  if (packed) packB(UTp, U, G, H, G, true);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    const tp = back ? t + 1 : t - 1;
    for (let b = 0; b < B; b++) {
      const dhRow = at(dh, b * H);
      const dyRow: usize = dY != 0 ? at(dY, (b * T + s) * H) : 0;
      const dgRow = at(dG, (b * T + t) * G);
      if (mask != 0 && load<f32>(at(mask, b * T + t)) == 0) {
        // Forward: h, c kept and output = h_{t-1}: the gradients pass straight through.
        memory.fill(dgRow, 0, hBytes << 2);
        if (dyRow != 0) {
          for (let j = 0; j < H; j++) {
            store<f32>(at(dhRow, j), load<f32>(at(dhRow, j)) + load<f32>(at(dyRow, j)));
          }
        }
        continue;
      }
      const cp: usize = s > 0 ? at(cells, (b * T + tp) * H) : (c0 != 0 ? at(c0, b * H) : 0);
      const gRow = at(gates, (b * T + t) * G);
      const cRow = at(cells, (b * T + t) * H);
      const dcRow = at(dc, b * H);
      if (fast) cellBackwardRow(dgRow, dhRow, dyRow, dcRow, gRow, cRow, cp, H, ACT_TANH, ACT_SIGMOID);
      else cellBackwardRow(dgRow, dhRow, dyRow, dcRow, gRow, cRow, cp, H, act, recAct);
      // Unmasked rows get their dh_{t-1} from the product below; masked ones keep theirs.
      if (mask != 0) memory.fill(dhRow, 0, hBytes);
    }
    if (s > 0 || dh0 != 0) {
      // z = … + (h_{t-1}⊙m)·U: dh_{t-1} = (dG_t·Uᵀ)⊙m under recurrent dropout.
      const dGt = at(dG, t * G);
      const dst = recMask != 0 ? tmp : dh;
      const acc = recMask == 0 && mask != 0;
      if (packed) gemmPackedB(dst, dGt, UTp, B, G, H, T * G, H, acc);
      else gemm(dst, dGt, U, B, G, H, T * G, G, H, GEMM_TRANS_B | (acc ? GEMM_ACCUMULATE : 0));
      if (recMask != 0) addMul(dh, tmp, recMask, B * H, mask != 0);
    }
  }
  if (dh0 != 0) memory.copy(dh0, dh, stateBytes);
  if (dc0 != 0) memory.copy(dc0, dc, stateBytes);

  // The three big products over all B·T rows at once (K = B·T).
  const BT = B * T;
  if (dW != 0) gemm(dW, X, dG, I, BT, G, I, G, G, GEMM_TRANS_A | GEMM_ACCUMULATE);
  if (dU != 0) gemm(dU, hprev, dG, H, BT, G, H, G, G, GEMM_TRANS_A | GEMM_ACCUMULATE);
  if (dX != 0) gemm(dX, dG, W, BT, G, I, G, G, I, GEMM_TRANS_B);
  if (db != 0) columnSums(db, dG, BT, G);
}

/** db[N] += Σ_rows D[rows, N]; rows outer so D streams once and db stays in L1. */
function columnSums(db: usize, D: usize, rows: i32, N: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = at(D, r * N);
    let j = 0;
    for (; j + 4 <= N; j += 4) v128.store(at(db, j), f32x4.add(v128.load(at(db, j)), v128.load(at(d, j))));
    for (; j < N; j++) store<f32>(at(db, j), load<f32>(at(db, j)) + load<f32>(at(d, j)));
  }
}
