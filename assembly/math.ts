// Vector (f32x4) and scalar activation helpers used inside every kernel that
// applies a nonlinearity (activations, dense, lstm, gru, rnn).
//
// Why not Mathf.exp per lane: with exact scalar exp the LSTM cell update costs
// more than its gates GEMM (DESIGN.md "Activations"). These run four lanes at once.
//
// Approximations (ported from Cephes, S. L. Moshier, expf.c; tanh4 reuses its polynomial):
//   exp4(x)    2^n · p(r): n = nearest(x·log2 e) (round-to-integer constant), r = x − n·ln2 (Cody–Waite split
//              C1 + C2, so r is exact), p = Cephes' degree-7 polynomial for e^r on
//              |r| ≤ ln2/2. 2^n is built in two halves (2^n1 · 2^n2) so results
//              that overflow to +inf or fall into the subnormal range are rounded
//              by the final multiplies, not by integer wrap-around.
//   sigmoid4   1 / (1 + e) for x ≥ 0, e / (1 + e) for x < 0, e = exp4(−|x|).
//   tanh4      em/(em + 2), em = e^{2|x|} − 1 from exp4's reduction without its final "+ 1"
//              (e^r − 1 = r + r²·p(r) is relatively exact for tiny r, so tanh(x) ≈ x stays
//              relatively exact for tiny and subnormal x without a separate branch);
//              2|x| clamped to 40; sign restored by copying x's sign bit.
//   hardSigmoid4  clip(0.2x + 0.5, 0, 1)  (Keras 2 / tfjs definition, not Keras 3's x/6).
//
// Accuracy (test/activations.test.ts, dense sweep of [-90, 90] + tiny |x|, against
// float64): relative error ≤ 1e-6 wherever the true value is ≥ 2^-126 (measured
// maxima: sigmoid 1.75e-7 at x = −11.09, tanh 1.60e-7 at x = −0.177; an exhaustive-stride sweep of
// 157 M float32 values (every 7th bit pattern up to 20, both signs): 1.76e-7 / 1.74e-7); below 2^-126 (sigmoid(x) for
// x < −87.3, subnormal results) the absolute error is < 1e-6 · 2^-126. Limits are exact: sigmoid(−inf) = 0,
// sigmoid(+inf) = 1, tanh(±inf) = ±1; no NaN for finite input; NaN in gives NaN out.
// No fused multiply-add, so the plain and relaxed-SIMD builds give identical bits.
//
// The scalar versions run the vector code on a splat and read lane 0, so a kernel's
// scalar tail produces exactly the bits its vector lanes would.
import { ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID, ACT_HARD_SIGMOID_KERAS3 } from './codes';

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// ln 2 = C1 + C2; C1 = 0.693359375 has 9 significant bits, so n·C1 is exact for |n| < 2^15.
// @ts-ignore: decorator
@inline const LN2_C1: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_C2: f32 = -2.12194440e-4;
// exp(-104) is below the smallest subnormal (2^-149 ≈ 1.4e-45), exp(89) above f32 max (3.4e38):
// clamping there keeps n inside [-150, 129] while the result still saturates to 0 / +inf.
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -104.0;
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 89.0;
// 2|x| above this gives tanh = 1 in float32 anyway; keeps 2^n a normal float in tanh4
// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 40.0;
// 1.5·2^23 and its bit pattern (0x4B400000)
// @ts-ignore: decorator
@inline const ROUND_MAGIC: f32 = 12582912.0;
// @ts-ignore: decorator
@inline const ROUND_MAGIC_BITS: i32 = 0x4B400000;

/**
 * The reduction shared by exp4 and tanh4: t = x·log2 e + 1.5·2^23. Adding the constant
 * leaves n = nearest(x·log2 e) (|n| ≤ 150) in the low mantissa bits, rounded ties-to-even
 * like f32x4.nearest, so n and z = t − 1.5·2^23 are the same bits as nearest + trunc_sat,
 * minus their ~10 x86 instructions. n = bits(t) − bits(1.5·2^23).
 */
// @ts-ignore: decorator
@inline function roundedLog2(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
}

/**
 * e^r − 1 = r + r²·p(r) with r = x − n·ln 2 (Cody–Waite, so r is exact) and p Cephes expf's
 * polynomial: theoretical peak relative error of e^r on [-0.5, 0.5] is 4.2e-9, and the form
 * stays relatively exact for tiny r. t = roundedLog2(x).
 */
// @ts-ignore: decorator
@inline function expm1Reduced(x: v128, t: v128): v128 {
  const z = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(x, f32x4.mul(z, f32x4.splat(LN2_C1)));
  r = f32x4.sub(r, f32x4.mul(z, f32x4.splat(LN2_C2)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  return f32x4.add(f32x4.mul(p, r2), r);
}

/** e^x on four lanes (see header for the method and accuracy). */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // pmax/pmin (one x86 instruction each, unlike max/min) keep a NaN x because x is
  // their first operand: pmax(a, b) = a < b ? b : a.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const t = roundedLog2(x);
  const p = f32x4.add(expm1Reduced(x, t), f32x4.splat(1)); // e^r
  // 2^n = 2^n1 · 2^n2 with n1 = n >> 1: each factor is a normal float for n in [-150, 129].
  const n = i32x4.sub(t, i32x4.splat(ROUND_MAGIC_BITS));
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * 1 / (1 + e^-x) on four lanes, computed as e/(1 + e) with e = e^{-|x|} for x < 0 so that
 * the result stays relatively accurate down to the subnormal range (sigmoid(-100) ≈ 3.7e-44).
 */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(e, one, f32x4.lt(x, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(one, e));
}

/**
 * tanh on four lanes: em/(em + 2) with em = e^{2|x|} − 1, sign restored from x.
 * em comes from exp4's reduction without its final "+ 1": e^r − 1 = r + r²·p(r) stays
 * relatively exact for tiny r, so no separate small-|x| branch is needed, and with
 * 2|x| clamped to 40 (tanh = 1 in float32 from 2|x| ≈ 17) n ≤ 58 needs one scale factor:
 * em = 2^n·(e^r − 1) + (2^n − 1).
 */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const one = f32x4.splat(1);
  const a = f32x4.pmin(f32x4.add(f32x4.abs(x), f32x4.abs(x)), f32x4.splat(TANH_CLAMP)); // NaN stays NaN
  const t = roundedLog2(a);
  const em1r = expm1Reduced(a, t); // e^r − 1
  const n = i32x4.sub(t, i32x4.splat(ROUND_MAGIC_BITS));
  const s = i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23); // 2^n, 0 ≤ n ≤ 58
  const em = f32x4.add(f32x4.mul(em1r, s), f32x4.sub(s, one));
  const mag = f32x4.div(em, f32x4.add(em, f32x4.splat(2)));
  return v128.bitselect(x, mag, f32x4.splat(-0.0)); // copy x's sign bit (also tanh(-0) = -0)
}

/** clip(0.2x + 0.5, 0, 1) on four lanes (Keras 2 hard_sigmoid). */
// @ts-ignore: decorator
@inline export function hardSigmoid4(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5));
  return f32x4.pmin(f32x4.pmax(y, f32x4.splat(0)), f32x4.splat(1)); // NaN stays NaN (see exp4)
}

/** clip(x/6 + 0.5, 0, 1) on four lanes (Keras 3 hard_sigmoid = relu6(x + 3) / 6). */
// @ts-ignore: decorator
@inline export function hardSigmoidKeras34(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>1.0 / 6.0)), f32x4.splat(0.5));
  return f32x4.pmin(f32x4.pmax(y, f32x4.splat(0)), f32x4.splat(1)); // NaN stays NaN (see exp4)
}

/** max(x, 0) on four lanes (NaN stays NaN). */
// @ts-ignore: decorator
@inline export function relu4(x: v128): v128 {
  return f32x4.max(x, f32x4.splat(0));
}

// ---- scalar versions: lane 0 of the vector code, so tails match lanes bit for bit ----

// @ts-ignore: decorator
@inline export function expS(x: f32): f32 { return f32x4.extract_lane(exp4(f32x4.splat(x)), 0); }
// @ts-ignore: decorator
@inline export function sigmoidS(x: f32): f32 { return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0); }
// @ts-ignore: decorator
@inline export function tanhS(x: f32): f32 { return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0); }
// @ts-ignore: decorator
@inline export function hardSigmoidS(x: f32): f32 { return f32x4.extract_lane(hardSigmoid4(f32x4.splat(x)), 0); }
// @ts-ignore: decorator
@inline export function hardSigmoidKeras3S(x: f32): f32 { return f32x4.extract_lane(hardSigmoidKeras34(f32x4.splat(x)), 0); }

/** act(x) for a scalar, act = ACT_* (not softmax). */
// @ts-ignore: decorator
@inline export function actS(x: f32, act: i32): f32 {
  if (act == ACT_SIGMOID) return sigmoidS(x);
  if (act == ACT_TANH) return tanhS(x);
  if (act == ACT_RELU) return max<f32>(x, 0);
  if (act == ACT_HARD_SIGMOID) return hardSigmoidS(x);
  if (act == ACT_HARD_SIGMOID_KERAS3) return hardSigmoidKeras3S(x);
  return x;
}

/** act'(x) expressed through y = act(x). hard_sigmoid/relu: 0 at the kinks. */
// @ts-ignore: decorator
@inline export function actGradS(y: f32, act: i32): f32 {
  if (act == ACT_SIGMOID) return y * (1 - y);
  if (act == ACT_TANH) return 1 - y * y;
  if (act == ACT_RELU) return y > 0 ? 1 : 0;
  if (act == ACT_HARD_SIGMOID) return y > 0 && y < 1 ? 0.2 : 0;
  if (act == ACT_HARD_SIGMOID_KERAS3) return y > 0 && y < 1 ? <f32>1.0 / 6.0 : 0;
  return 1;
}

/** act over 4 lanes (not softmax). Callers in hot loops should hoist `act` (see activations.ts). */
// @ts-ignore: decorator
@inline export function act4(x: v128, act: i32): v128 {
  if (act == ACT_SIGMOID) return sigmoid4(x);
  if (act == ACT_TANH) return tanh4(x);
  if (act == ACT_RELU) return relu4(x);
  if (act == ACT_HARD_SIGMOID) return hardSigmoid4(x);
  if (act == ACT_HARD_SIGMOID_KERAS3) return hardSigmoidKeras34(x);
  return x;
}

/** act' over 4 lanes, from the outputs y (same values as actGradS). */
// @ts-ignore: decorator
@inline export function actGrad4(y: v128, act: i32): v128 {
  const one = f32x4.splat(1);
  if (act == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  if (act == ACT_TANH) return f32x4.sub(one, f32x4.mul(y, y));
  if (act == ACT_RELU) return v128.and(f32x4.gt(y, f32x4.splat(0)), one);
  if (act == ACT_HARD_SIGMOID) {
    return v128.and(v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, one)), f32x4.splat(0.2));
  }
  if (act == ACT_HARD_SIGMOID_KERAS3) {
    return v128.and(v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, one)), f32x4.splat(<f32>1.0 / 6.0));
  }
  return one;
}
