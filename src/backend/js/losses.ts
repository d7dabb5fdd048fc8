/**
 * TS twins of assembly/losses.ts. Contract: ../types.ts; formulas: fixtures README "Losses".
 * P, Yt [rows, cols]; labels int32 [rows]. Return: per-row reduction over cols, mean
 * over rows; dP (if ≠ 0) = d(that)/dP. Everything in float64, rounded once on store.
 */
import { mem } from './heap.js';

/** tfjs clip bounds as float32: epsilon() = 1e-7 and 1 − 1e-7. */
const LO = Math.fround(1e-7);
const HI = Math.fround(1 - 1e-7);
const clip = (x: number) => Math.min(Math.max(x, LO), HI);
/** tfjs clipByValue gradient mask: closed interval. */
const inside = (x: number) => x >= LO && x <= HI;

export function mseLoss(dP: number, P: number, Yt: number, rows: number, cols: number): number {
  const f = mem.f32, n = rows * cols, p0 = P >>> 2, t0 = Yt >>> 2, d0 = dP >>> 2;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = f[p0 + i] - f[t0 + i];
    s += d * d;
    if (dP !== 0) f[d0 + i] = (2 * d) / n;
  }
  return s / n;
}

export function bceLoss(dP: number, P: number, Yt: number, rows: number, cols: number): number {
  const f = mem.f32, n = rows * cols, p0 = P >>> 2, t0 = Yt >>> 2, d0 = dP >>> 2;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = f[p0 + i], y = f[t0 + i], p = clip(x);
    const l = Math.log(p / (1 - p));
    s += Math.max(l, 0) - l * y + Math.log1p(Math.exp(-Math.abs(l)));
    if (dP !== 0) f[d0 + i] = inside(x) ? (p - y) / (p * (1 - p)) / n : 0;
  }
  return s / n;
}

/**
 * One row of categorical crossentropy over predictions p (q = p/Σp, clipped) and
 * target y; returns the row loss and writes dL/dp · scale into out (when given).
 */
function cceRow(p: Float64Array, y: Float64Array, out: Float64Array | null): number {
  let s = 0;
  for (let j = 0; j < p.length; j++) s += p[j];
  let loss = 0, gp = 0;
  for (let j = 0; j < p.length; j++) {
    if (y[j] === 0) continue;
    const q = p[j] / s;
    loss -= y[j] * Math.log(clip(q));
    if (inside(q)) gp += (-y[j] / q) * p[j];
  }
  if (out) {
    for (let j = 0; j < p.length; j++) {
      const q = p[j] / s;
      const g = y[j] !== 0 && inside(q) ? -y[j] / q : 0;
      out[j] = g / s - gp / (s * s);
    }
  }
  return loss;
}

export function cceLoss(dP: number, P: number, Yt: number, rows: number, cols: number): number {
  const f = mem.f32, p = new Float64Array(cols), y = new Float64Array(cols);
  const g = dP !== 0 ? new Float64Array(cols) : null;
  let s = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) { p[j] = f[(P >>> 2) + o + j]; y[j] = f[(Yt >>> 2) + o + j]; }
    s += cceRow(p, y, g);
    if (g) for (let j = 0; j < cols; j++) f[(dP >>> 2) + o + j] = g[j] / rows;
  }
  return s / rows;
}

/** tfjs: clip P to [ε, 1−ε] first, then categorical crossentropy with the one-hot label. */
export function sparseCceLoss(dP: number, P: number, labels: number, rows: number, cols: number): number {
  const f = mem.f32, p = new Float64Array(cols), y = new Float64Array(cols);
  const g = dP !== 0 ? new Float64Array(cols) : null;
  let s = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    y.fill(0);
    y[mem.i32[(labels >>> 2) + r]] = 1;
    for (let j = 0; j < cols; j++) p[j] = clip(f[(P >>> 2) + o + j]);
    s += cceRow(p, y, g);
    if (g) for (let j = 0; j < cols; j++) {
      f[(dP >>> 2) + o + j] = inside(f[(P >>> 2) + o + j]) ? g[j] / rows : 0;
    }
  }
  return s / rows;
}
