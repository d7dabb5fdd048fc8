/**
 * Per-row losses in float64 (Keras 3 `keras/src/losses/losses.py` definitions):
 * each reduces one row of `cols` predictions p against targets y over the last
 * axis and, when g is given, writes d(row loss)/dp into g. The reduction over
 * rows (mean, sample weights, masks) is src/losses/reduce.ts.
 *
 * Forward and backward sit together; each backward line differentiates the
 * forward line above it. Clip bounds are tfjs' float32 epsilon (1e-7), like the
 * kernels (fixtures README "Losses"); inside a clip the gradient is 0, as in
 * tfjs/Keras (clip_by_value's gradient mask, closed interval).
 */
export type RowLoss = (p: Float64Array, y: Float64Array, g: Float64Array | null) => number;

export const EPS = Math.fround(1e-7);
const HI = Math.fround(1 - 1e-7);
const clip = (x: number) => Math.min(Math.max(x, EPS), HI);
const inside = (x: number) => x >= EPS && x <= HI;
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

export const meanSquaredError: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const d = p[j] - y[j];
    s += d * d; // mean((p − y)²)
    if (g) g[j] = (2 * d) / n;
  }
  return s / n;
};

export const meanAbsoluteError: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const d = p[j] - y[j];
    s += Math.abs(d); // mean(|p − y|); d|d|/dd = sign(d), 0 at 0 (as tf.abs)
    if (g) g[j] = Math.sign(d) / n;
  }
  return s / n;
};

/** 100 · mean(|y − p| / max(|y|, ε)). */
export const meanAbsolutePercentageError: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const den = Math.max(Math.abs(y[j]), EPS);
    const d = p[j] - y[j];
    s += Math.abs(d) / den;
    if (g) g[j] = (100 * Math.sign(d)) / den / n;
  }
  return (100 * s) / n;
};

/** mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²). */
export const meanSquaredLogarithmicError: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const pp = Math.max(p[j], EPS);
    const d = Math.log(pp + 1) - Math.log(Math.max(y[j], EPS) + 1);
    s += d * d;
    if (g) g[j] = p[j] >= EPS ? (2 * d) / (pp + 1) / n : 0;
  }
  return s / n;
};

/** mean(|e| ≤ δ ? e²/2 : δ|e| − δ²/2), e = p − y. */
export const huber = (delta: number): RowLoss => (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const e = p[j] - y[j], a = Math.abs(e);
    s += a <= delta ? 0.5 * e * e : delta * a - 0.5 * delta * delta;
    if (g) g[j] = (a <= delta ? e : delta * Math.sign(e)) / n;
  }
  return s / n;
};

/** mean(log cosh(e)) as Keras: e + softplus(−2e) − log 2; d/de = tanh(e). */
export const logCosh: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const e = p[j] - y[j];
    s += e + softplus(-2 * e) - Math.LN2;
    if (g) g[j] = Math.tanh(e) / n;
  }
  return s / n;
};

/** Σ y·log(y/p), y and p clipped to [ε, 1]. */
export const kullbackLeiblerDivergence: RowLoss = (p, y, g) => {
  let s = 0;
  for (let j = 0; j < p.length; j++) {
    const yy = Math.min(Math.max(y[j], EPS), 1), pp = Math.min(Math.max(p[j], EPS), 1);
    s += yy * Math.log(yy / pp);
    if (g) g[j] = p[j] >= EPS && p[j] <= 1 ? -yy / pp : 0;
  }
  return s;
};

/** mean(p − y·log(p + ε)). */
export const poisson: RowLoss = (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    s += p[j] - y[j] * Math.log(p[j] + EPS);
    if (g) g[j] = (1 - y[j] / (p[j] + EPS)) / n;
  }
  return s / n;
};

/** Keras: labels given as 0/1 become −1/+1 (when every label of the batch is 0 or 1; here per row). */
function hingeLabels(y: Float64Array): Float64Array {
  if (!y.every((v) => v === 0 || v === 1)) return y;
  return y.map((v) => 2 * v - 1);
}

export const hinge: RowLoss = (p, y0, g) => {
  const y = hingeLabels(y0), n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const m = 1 - y[j] * p[j];
    s += Math.max(m, 0);
    if (g) g[j] = m > 0 ? -y[j] / n : 0;
  }
  return s / n;
};

export const squaredHinge: RowLoss = (p, y0, g) => {
  const y = hingeLabels(y0), n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const m = Math.max(1 - y[j] * p[j], 0);
    s += m * m;
    if (g) g[j] = (-2 * m * y[j]) / n;
  }
  return s / n;
};

/**
 * Binary crossentropy, mean over the row. Probabilities: tfjs' logit form on
 * the clipped p (the kernels' formula). fromLogits: max(x, 0) − x·y + log1p(e^−|x|).
 */
export const binaryCrossentropy = (fromLogits: boolean): RowLoss => (p, y, g) => {
  const n = p.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    if (fromLogits) {
      const x = p[j];
      s += softplus(x) - x * y[j];
      if (g) g[j] = (sigmoid(x) - y[j]) / n;
    } else {
      const q = clip(p[j]), l = Math.log(q / (1 - q));
      s += Math.max(l, 0) - l * y[j] + Math.log1p(Math.exp(-Math.abs(l)));
      if (g) g[j] = inside(p[j]) ? (q - y[j]) / (q * (1 - q)) / n : 0;
    }
  }
  return s / n;
};

/**
 * Categorical crossentropy over one row. Probabilities: q = p/Σp clipped,
 * −Σ y log q (tfjs/Keras). fromLogits: −Σ y·log_softmax(x).
 */
export const categoricalCrossentropy = (fromLogits: boolean): RowLoss => (p, y, g) => {
  const n = p.length;
  if (fromLogits) {
    let mx = -Infinity, ysum = 0;
    for (let j = 0; j < n; j++) { mx = Math.max(mx, p[j]); ysum += y[j]; }
    let z = 0;
    for (let j = 0; j < n; j++) z += Math.exp(p[j] - mx);
    const lse = mx + Math.log(z);
    let s = 0;
    for (let j = 0; j < n; j++) {
      s -= y[j] * (p[j] - lse);
      if (g) g[j] = Math.exp(p[j] - lse) * ysum - y[j]; // d/dx_j of −Σ y (x − lse)
    }
    return s;
  }
  let z = 0;
  for (let j = 0; j < n; j++) z += p[j];
  let s = 0, gp = 0;
  for (let j = 0; j < n; j++) {
    if (y[j] === 0) continue;
    const q = p[j] / z;
    s -= y[j] * Math.log(clip(q));
    if (inside(q)) gp += (-y[j] / q) * p[j];
  }
  if (g) {
    for (let j = 0; j < n; j++) {
      const q = p[j] / z;
      const gq = y[j] !== 0 && inside(q) ? -y[j] / q : 0;
      g[j] = gq / z - gp / (z * z); // q_j = p_j / Σp
    }
  }
  return s;
};

/**
 * Sparse: tfjs clips p to [ε, 1 − ε] first, then the one-hot categorical
 * crossentropy: with c = clip(p), z = Σc, q = c_l/z (label l), loss = −log clip(q);
 * d/dc_j = 1/z − [j = l]/(q·z) while q is inside the clip, and d/dp = d/dc inside
 * p's clip. Written out (no per-row allocation): this is the hot path of masked
 * sequence labelling. y is the one-hot row.
 */
export const sparseCategoricalCrossentropy = (fromLogits: boolean): RowLoss => {
  if (fromLogits) return categoricalCrossentropy(true);
  return (p, y, g) => {
    const n = p.length;
    let z = 0, l = 0;
    for (let j = 0; j < n; j++) { z += clip(p[j]); if (y[j] === 1) l = j; }
    const q = clip(p[l]) / z;
    if (g) {
      const live = inside(q);
      for (let j = 0; j < n; j++) {
        g[j] = live && inside(p[j]) ? 1 / z - (j === l ? 1 / (q * z) : 0) : 0;
      }
    }
    return -Math.log(clip(q));
  };
};

/**
 * Keras 3 binary_focal_crossentropy: bce = −[y log p + (1−y) log(1−p)] (p clipped),
 * p_t = y p + (1−y)(1−p), loss = mean((1 − p_t)^γ · bce [· (y α + (1−y)(1−α))]).
 * fromLogits: p = sigmoid(x) first (the chain rule adds p(1−p)).
 */
export const binaryFocalCrossentropy = (gamma: number, alpha: number, balance: boolean, fromLogits: boolean): RowLoss => (x, y, g) => {
  const n = x.length;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const p = fromLogits ? sigmoid(x[j]) : x[j];
    const q = clip(p), t = y[j];
    const bce = -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    const pt = t * p + (1 - t) * (1 - p);
    const ff = Math.pow(1 - pt, gamma);
    const w = balance ? t * alpha + (1 - t) * (1 - alpha) : 1;
    s += w * ff * bce;
    if (g) {
      const dbce = inside(p) ? -(t / q) + (1 - t) / (1 - q) : 0;
      const dpt = 2 * t - 1;
      const dff = gamma === 0 ? 0 : -gamma * Math.pow(1 - pt, gamma - 1) * dpt;
      const dp = w * (dff * bce + ff * dbce);
      g[j] = (fromLogits ? dp * p * (1 - p) : dp) / n;
    }
  }
  return s / n;
};
