// Elementwise activations and row-wise softmax, forward and backward.
// Contract: src/backend/types.ts (activate, activateBackward, softmax, softmaxBackward).
// Approximations and their accuracy: assembly/math.ts.
//
// Preconditions: buffers need only 4-byte alignment (v128 loads may be unaligned);
// Y may equal X and dX may equal dY (each element is read before it is written).
// Loops: f32x4 over the first n & ~3 elements, scalar tail with the same math.
import { ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID, ACT_HARD_SIGMOID_KERAS3 } from './codes';
import { exp4, expS, sigmoid4, sigmoidS, tanh4, tanhS, hardSigmoid4, hardSigmoidS, hardSigmoidKeras34, hardSigmoidKeras3S, relu4, actGrad4, actGradS } from './math';

/** Y[i] = act(X[i]), i < n; act ∈ linear, relu, sigmoid, tanh, hardSigmoid. */
export function activate(Y: usize, X: usize, n: i32, act: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let o: usize = 0;
  // one loop per activation so the per-element work carries no dispatch
  if (act == ACT_SIGMOID) {
    for (; o < n4; o += 16) v128.store(Y + o, sigmoid4(v128.load(X + o)));
    for (; o < end; o += 4) store<f32>(Y + o, sigmoidS(load<f32>(X + o)));
  } else if (act == ACT_TANH) {
    for (; o < n4; o += 16) v128.store(Y + o, tanh4(v128.load(X + o)));
    for (; o < end; o += 4) store<f32>(Y + o, tanhS(load<f32>(X + o)));
  } else if (act == ACT_RELU) {
    for (; o < n4; o += 16) v128.store(Y + o, relu4(v128.load(X + o)));
    for (; o < end; o += 4) store<f32>(Y + o, max<f32>(load<f32>(X + o), 0));
  } else if (act == ACT_HARD_SIGMOID) {
    for (; o < n4; o += 16) v128.store(Y + o, hardSigmoid4(v128.load(X + o)));
    for (; o < end; o += 4) store<f32>(Y + o, hardSigmoidS(load<f32>(X + o)));
  } else if (act == ACT_HARD_SIGMOID_KERAS3) {
    for (; o < n4; o += 16) v128.store(Y + o, hardSigmoidKeras34(v128.load(X + o)));
    for (; o < end; o += 4) store<f32>(Y + o, hardSigmoidKeras3S(load<f32>(X + o)));
  } else if (Y != X) {
    memory.copy(Y, X, end); // linear
  }
}

/** dX[i] = dY[i] · act'(x_i), with act' written through the output Y (math.ts actGrad*). */
export function activateBackward(dX: usize, dY: usize, Y: usize, n: i32, act: i32): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  if (act != ACT_RELU && act != ACT_SIGMOID && act != ACT_TANH && act != ACT_HARD_SIGMOID && act != ACT_HARD_SIGMOID_KERAS3) {
    if (dX != dY) memory.copy(dX, dY, end); // linear: act' = 1
    return;
  }
  let o: usize = 0;
  for (; o < n4; o += 16) {
    v128.store(dX + o, f32x4.mul(v128.load(dY + o), actGrad4(v128.load(Y + o), act)));
  }
  for (; o < end; o += 4) store<f32>(dX + o, load<f32>(dY + o) * actGradS(load<f32>(Y + o), act));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
         (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Row-wise softmax, X and Y [rows, cols] (may alias):
 * y = e^{x − max} / Σ e^{x − max}. Subtracting the row max keeps every e^… ≤ 1.
 */
export function softmax(Y: usize, X: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2, c4 = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const x = X + <usize>r * rowBytes, y = Y + <usize>r * rowBytes;
    // row max (f32x4.max propagates NaN, so a NaN row stays NaN)
    let mv = f32x4.splat(f32.NEGATIVE_INFINITY);
    let o: usize = 0;
    for (; o < c4; o += 16) mv = f32x4.max(mv, v128.load(x + o));
    let m = max<f32>(max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
                     max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; o < rowBytes; o += 4) m = max<f32>(m, load<f32>(x + o));
    // e = exp(x − m) into y, summed
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    for (o = 0; o < c4; o += 16) {
      const e = exp4(f32x4.sub(v128.load(x + o), ms));
      v128.store(y + o, e);
      sv = f32x4.add(sv, e);
    }
    let s = hsum(sv);
    for (; o < rowBytes; o += 4) {
      const e = expS(load<f32>(x + o) - m);
      store<f32>(y + o, e);
      s += e;
    }
    // divide (not multiply by 1/s): one rounding per element
    const ss = f32x4.splat(s);
    for (o = 0; o < c4; o += 16) v128.store(y + o, f32x4.div(v128.load(y + o), ss));
    for (; o < rowBytes; o += 4) store<f32>(y + o, load<f32>(y + o) / s);
  }
}

/** dX = Y ⊙ (dY − rowsum(dY ⊙ Y)), [rows, cols]; dX may equal dY (the row sum is taken first). */
export function softmaxBackward(dX: usize, dY: usize, Y: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2, c4 = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const dy = dY + off, y = Y + off, dx = dX + off;
    let dv = f32x4.splat(0);
    let o: usize = 0;
    for (; o < c4; o += 16) dv = f32x4.add(dv, f32x4.mul(v128.load(dy + o), v128.load(y + o)));
    let d = hsum(dv);
    for (; o < rowBytes; o += 4) d += load<f32>(dy + o) * load<f32>(y + o);
    const ds = f32x4.splat(d);
    for (o = 0; o < c4; o += 16) {
      v128.store(dx + o, f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(dy + o), ds)));
    }
    for (; o < rowBytes; o += 4) store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - d));
  }
}
