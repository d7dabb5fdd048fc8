/**
 * TS twin of assembly/gru.ts: same algorithm, same cache/work layout, plain loops
 * and exact Math.exp/Math.tanh. Contract: ../types.ts. Equations and layout: the
 * header of assembly/gru.ts (gate blocks z, r, h; reset_after false and true).
 *
 * cache: G [B,T,3H] (x-projection, then z, r, hh) | R [B,T,H] (r⊙h, or rh) | Hp [B,T,H] | rec [B,3H] | …
 * work:  dG [B,T,3H] | dR [B,T,3H] (reset_after) | dh [B,H] | tmp [B,H] | … | Hm [B,T,H] (h⊙recMask)
 * Recurrent dropout (recMask): the products read h⊙m (staged in R's rows of step t); the
 * z-mix keeps the unmasked h (assembly/gru.ts header).
 */
import { mem } from './heap.js';
import { gemm } from './gemm.js';
import { GEMM, RNN } from '../types.js';
import { packedBFloats } from '../sizes.js';
import { actValue as actS, actGradValue as actGradS } from './activations.js';
import { isKept, inputProjection, copyPrevState, copyLastOutput, initStateGrad, addRow,
         addColumnSums, mulRows, addMul } from './rnn.js';

export function gruForward(Y: number, hT: number, X: number, W: number, U: number, bias: number, h0: number,
                           mask: number, recMask: number, cache: number, B: number, T: number, I: number, H: number,
                           act: number, recAct: number, flags: number): void {
  const f = mem.f32;
  const BT = B * T, H3 = 3 * H;
  const G = cache, R = G + BT * H3 * 4, Hp = R + BT * H * 4, rec = Hp + BT * H * 4;
  const back = (flags & RNN.goBackwards) !== 0;
  const after = (flags & RNN.resetAfter) !== 0;
  inputProjection(G, X, W, bias, BT, I, H3);

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    copyPrevState(Hp + t * H * 4, Y, h0, s, B, T, H);
    // The products read h⊙m under recurrent dropout, staged in R's rows of step t.
    const hsrc = recMask ? R + t * H * 4 : Hp + t * H * 4;
    if (recMask) mulRows(hsrc, T * H, Hp + t * H * 4, T * H, recMask, B, H);
    if (after) {
      // [rz, rr, rh] = h·U + b_rec
      gemm(rec, hsrc, U, B, H, H3, T * H, H3, H3, 0);
      for (let b = 0; b < B; b++) {
        const row = b * T + t;
        const g = (G >>> 2) + row * H3, rc = (rec >>> 2) + b * H3;
        if (bias) addRow(rc, (bias >>> 2) + H3, H3);
        const rh = (R >>> 2) + row * H, hp = (Hp >>> 2) + row * H, y = (Y >>> 2) + (b * T + s) * H;
        const keep = isKept(mask, row);
        for (let j = 0; j < H; j++) {
          f[g + j] = actS(f[g + j] + f[rc + j], recAct);
          f[g + H + j] = actS(f[g + H + j] + f[rc + H + j], recAct);
          f[rh + j] = f[rc + 2 * H + j];
          f[g + 2 * H + j] = actS(f[g + 2 * H + j] + f[g + H + j] * f[rh + j], act);
          const z = f[g + j], hh = f[g + 2 * H + j];
          f[y + j] = keep ? hh + z * (f[hp + j] - hh) : f[hp + j];
        }
      }
    } else {
      // [xz, xr] += h·[U_z | U_r]
      gemm(G + t * H3 * 4, hsrc, U, B, H, 2 * H, T * H, H3, T * H3, GEMM.accumulate);
      for (let b = 0; b < B; b++) {
        const row = b * T + t;
        const g = (G >>> 2) + row * H3, hp = (hsrc >>> 2) + b * T * H, rh = (R >>> 2) + row * H;
        for (let j = 0; j < 2 * H; j++) f[g + j] = actS(f[g + j], recAct);
        for (let j = 0; j < H; j++) f[rh + j] = f[g + H + j] * f[hp + j];
      }
      // xh += (r⊙h)·U_h
      gemm(G + (t * H3 + 2 * H) * 4, R + t * H * 4, U + 2 * H * 4, B, H, H, T * H, H3, T * H3, GEMM.accumulate);
      for (let b = 0; b < B; b++) {
        const row = b * T + t;
        const g = (G >>> 2) + row * H3, hp = (Hp >>> 2) + row * H, y = (Y >>> 2) + (b * T + s) * H;
        const keep = isKept(mask, row);
        for (let j = 0; j < H; j++) {
          f[g + 2 * H + j] = actS(f[g + 2 * H + j], act);
          const hh = f[g + 2 * H + j];
          f[y + j] = keep ? hh + f[g + j] * (f[hp + j] - hh) : f[hp + j];
        }
      }
    }
  }
  copyLastOutput(hT, Y, B, T, H);
}

export function gruBackward(dX: number, dW: number, dU: number, db: number, dh0: number, dY: number, dhT: number,
                            _Y: number, X: number, W: number, U: number, _bias: number, _h0: number, mask: number,
                            recMask: number, cache: number, work: number,
                            B: number, T: number, I: number, H: number, act: number, recAct: number,
                            flags: number): void {
  const f = mem.f32;
  const BT = B * T, H3 = 3 * H;
  const G = cache, R = G + BT * H3 * 4, Hp = R + BT * H * 4;
  const dG = work, dR = dG + BT * H3 * 4, dh = dR + BT * H3 * 4, tmp = dh + B * H * 4;
  const Hm = tmp + (3 * B * H + packedBFloats(H3, H)) * 4;
  const back = (flags & RNN.goBackwards) !== 0;
  const after = (flags & RNN.resetAfter) !== 0;
  initStateGrad(dh, dhT, B, H);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const g = (G >>> 2) + row * H3, hp = (Hp >>> 2) + row * H, rh = (R >>> 2) + row * H;
      const dg = (dG >>> 2) + row * H3, dr = (dR >>> 2) + row * H3, d = (dh >>> 2) + b * H;
      if (dY) addRow(d, (dY >>> 2) + (b * T + s) * H, H);
      if (!isKept(mask, row)) {
        f.fill(0, dg, dg + H3);
        if (after) f.fill(0, dr, dr + H3);
        continue;
      }
      for (let j = 0; j < H; j++) {
        const dv = f[d + j], z = f[g + j], r = f[g + H + j], hh = f[g + 2 * H + j];
        // h_t = hh + z⊙(h - hh)
        f[dg + j] = dv * (f[hp + j] - hh) * actGradS(z, recAct);
        f[dg + 2 * H + j] = dv * (1 - z) * actGradS(hh, act);
        if (after) {
          // hh = act(xh + r⊙rh)
          f[dg + H + j] = f[dg + 2 * H + j] * f[rh + j] * actGradS(r, recAct);
          f[dr + j] = f[dg + j];
          f[dr + H + j] = f[dg + H + j];
          f[dr + 2 * H + j] = f[dg + 2 * H + j] * r;
          f[d + j] = dv * z;
        }
      }
    }
    if (after) {
      // dh_{t-1} += d(h·U)·Uᵀ, ⊙ m under recurrent dropout
      if (recMask) {
        gemm(tmp, dR + t * H3 * 4, U, B, H3, H, T * H3, H3, H, GEMM.transB);
        addMul(dh, tmp, recMask, B * H, true);
      } else {
        gemm(dh, dR + t * H3 * 4, U, B, H3, H, T * H3, H3, H, GEMM.accumulate | GEMM.transB);
      }
      continue;
    }
    // d(r⊙h) = dxh·U_hᵀ (⊙ m: the product read r⊙(h⊙m))
    gemm(tmp, dG + (t * H3 + 2 * H) * 4, U + 2 * H * 4, B, H, H, T * H3, H3, H, GEMM.transB);
    if (recMask) addMul(tmp, tmp, recMask, B * H, false);
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      if (!isKept(mask, row)) continue;
      const g = (G >>> 2) + row * H3, hp = (Hp >>> 2) + row * H, dg = (dG >>> 2) + row * H3;
      const drh = (tmp >>> 2) + b * H, d = (dh >>> 2) + b * H;
      for (let j = 0; j < H; j++) {
        const z = f[g + j], r = f[g + H + j], x = f[drh + j];
        f[dg + H + j] = x * f[hp + j] * actGradS(r, recAct);
        // dh_{t-1} = dh⊙z + d(r⊙h)⊙r + [dxz, dxr]·[U_z | U_r]ᵀ
        f[d + j] = f[d + j] * z + x * r;
      }
    }
    if (recMask) {
      gemm(tmp, dG + t * H3 * 4, U, B, 2 * H, H, T * H3, H3, H, GEMM.transB);
      addMul(dh, tmp, recMask, B * H, true);
    } else {
      gemm(dh, dG + t * H3 * 4, U, B, 2 * H, H, T * H3, H3, H, GEMM.accumulate | GEMM.transB);
    }
  }

  if (dh0) f.copyWithin(dh0 >>> 2, dh >>> 2, (dh >>> 2) + B * H);
  if (dW) gemm(dW, X, dG, I, BT, H3, I, H3, H3, GEMM.transA | GEMM.accumulate);
  if (dU) {
    // The products read h⊙m under recurrent dropout (R already holds r⊙h⊙m).
    if (recMask) for (let t = 0; t < T; t++) mulRows(Hm + t * H * 4, T * H, Hp + t * H * 4, T * H, recMask, B, H);
    const Hu = recMask ? Hm : Hp;
    if (after) {
      gemm(dU, Hu, dR, H, BT, H3, H, H3, H3, GEMM.transA | GEMM.accumulate);
    } else {
      gemm(dU, Hu, dG, H, BT, 2 * H, H, H3, H3, GEMM.transA | GEMM.accumulate);
      gemm(dU + 2 * H * 4, R, dG + 2 * H * 4, H, BT, H, H, H3, H3, GEMM.transA | GEMM.accumulate);
    }
  }
  if (db) {
    addColumnSums(db, dG, BT, H3, H3);
    if (after) addColumnSums(db + H3 * 4, dR, BT, H3, H3);
  }
  if (dX) gemm(dX, dG, W, BT, H3, I, H3, H3, I, GEMM.transB);
}
