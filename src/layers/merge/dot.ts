/**
 * Dot (Keras): batched dot product of two rank-2 or rank-3 inputs along one axis of each.
 * A rank-2 input [B, D] is treated as [B, D, 1]; x [B, P, Q] and y [B, R, S] as per-sample
 * matrices X_b, Y_b, with axes (ax, ay) ∈ {1, 2}:
 *
 *   op(X_b) = X_b (ax = 2) or X_bᵀ (ax = 1), [M, K];   op(Y_b) = Y_b (ay = 1) or Y_bᵀ (ay = 2), [K, N]
 *   forward:  C_b = op(X_b) · op(Y_b)                   [M, N] (one gemm per sample)
 *   backward: d op(X_b) = dC_b · op(Y_b)ᵀ,  d op(Y_b) = op(X_b)ᵀ · dC_b
 *
 * Output shape: x's axes without batch and ax, then y's without batch and ay ([B, 1] when none
 * remain): dot([decoder [B,Tq,H], encoder [B,Tv,H]], axes 2) = scores [B,Tq,Tv];
 * dot([weights [B,Tq,Tv], encoder [B,Tv,H]], axes [2, 1]) = context [B,Tq,H] (Luong attention).
 *
 * normalize: each vector along the dot axis is divided by max(‖v‖₂, 1e-7) first (Keras 3
 * ops.normalize; tfjs floors ‖v‖ at √1e-7, tf.keras at 1e-6: they differ only for vectors shorter
 * than that). Backward: dv = (dv̂ − v̂ (v̂·dv̂)) / ‖v‖ above the floor, dv̂ / floor below it.
 * The output has no mask (Keras).
 */
import type { Act, BaseLayerArgs, Ctx, Shape, Workspace } from '../layer.js';
import { GEMM } from '../../backend/types.js';
import { API_DIALECT, optionDefault } from '../../keras/config.js';
import { describe } from '../../names.js';
import { MultiInputLayer, elements } from './base.js';

export interface DotArgs extends BaseLayerArgs {
  /** Axis of both inputs, or [axis of x, axis of y]; negative counts from the end; not 0 (batch). */
  axes: number | [number, number];
  /** L2-normalize along the dot axes first (cosine proximity). Default false. */
  normalize?: boolean;
}

const NORM_FLOOR = 1e-7;

/** One input as a per-sample matrix [P, Q] and its contraction axis (1 = rows P, 2 = columns Q). */
interface Operand { P: number; Q: number; ax: 1 | 2 }

export class Dot extends MultiInputLayer {
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  protected readonly minInputs = 2;
  protected readonly maxInputs = 2;
  private Y = 0;
  private Xn = [0, 0];
  private norms = [0, 0];
  private dN = [0, 0];
  private dX = [0, 0];

  constructor(args: DotArgs) {
    super('Dot', 'dot', args);
    const ok = (a: unknown) => Number.isInteger(a) && a !== 0;
    const ax = args.axes;
    if (!(ok(ax) || (Array.isArray(ax) && ax.length === 2 && ax.every(ok)))) {
      throw new Error(`${this.name}: axes must be a non-zero integer or a pair of them (0 is the batch axis), got ${describe(ax)}`);
    }
    this.axes = Array.isArray(ax) ? [ax[0], ax[1]] : ax;
    const nz = args.normalize ?? (optionDefault('Dot', 'normalize', API_DIALECT) as boolean);
    if (typeof nz !== 'boolean') throw new Error(`${this.name}: normalize must be true or false, got ${describe(nz)}`);
    this.normalize = nz;
  }

  protected kerasConfig() {
    return { axes: Array.isArray(this.axes) ? [...this.axes] : this.axes, normalize: this.normalize };
  }

  /** Positive axes for these ranks (Keras: a negative axis counts from each input's end). */
  private axesFor(s: readonly (readonly (number | null)[])[]): [number, number] {
    const pair = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    return pair.map((a, i) => {
      const R = s[i].length;
      if (R !== 2 && R !== 3) throw this.shapeError(`inputs must have rank 2 or 3 ([batch, features] or [batch, steps, features]); input ${i} has rank ${R}`, s);
      const p = a < 0 ? a + R : a;
      if (p < 1 || p >= R) throw this.shapeError(`axis ${a} is not a non-batch axis of input ${i} (rank ${R})`, s);
      return p;
    }) as [number, number];
  }

  protected outputShapes(s: Shape[]): Shape[] {
    const [ax, ay] = this.axesFor(s);
    const kx = s[0][ax], ky = s[1][ay];
    if (kx !== null && ky !== null && kx !== ky) {
      throw this.shapeError(`the dot axes must have the same size: ${kx} (axis ${ax} of input 0) vs ${ky} (axis ${ay} of input 1)`, s);
    }
    const out: Shape = [s[0][0] ?? s[1][0], ...s[0].filter((_, i) => i > 0 && i !== ax), ...s[1].filter((_, i) => i > 0 && i !== ay)];
    return [out.length === 1 ? [out[0], 1] : out];
  }

  private operands(xs: { shape: number[] }[]): [Operand, Operand] {
    const [ax, ay] = this.axesFor(xs.map((x) => x.shape));
    const op = (s: number[], a: number): Operand => ({ P: s[1], Q: s.length === 3 ? s[2] : 1, ax: a as 1 | 2 });
    return [op(xs[0].shape, ax), op(xs[1].shape, ay)];
  }

  nodePlan(ws: Workspace, inShapes: number[][], _training: boolean, needDx: boolean[]): void {
    const out = this.outputShapes(inShapes)[0] as number[];
    this.Y = ws.alloc(elements(out), 'Y');
    const B = inShapes[0][0];
    this.Xn = inShapes.map((s, i) => (this.normalize ? ws.alloc(elements(s), `normalized${i}`) : 0));
    const [o0, o1] = this.operands(inShapes.map((shape) => ({ shape })));
    this.norms = [o0, o1].map((o, i) => (this.normalize ? ws.alloc(B * (o.ax === 1 ? o.Q : o.P), `norm${i}`) : 0));
    this.dN = inShapes.map((s, i) => (this.normalize && needDx[i] ? ws.alloc(elements(s), `dNormalized${i}`) : 0));
    this.dX = needDx.map((d, i) => (d ? ws.alloc(elements(inShapes[i]), `dX${i}`) : 0));
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    const shapes = xs.map((x) => x.shape);
    const out = this.outputShapes(shapes)[0] as number[];
    if (xs[0].shape[0] !== xs[1].shape[0]) throw this.shapeError('inputs must have the same batch size', shapes);
    this.xs = xs;
    const [a, b] = this.operands(xs);
    const f = ctx.be.f32();
    const src = xs.map((x, i) => {
      if (!this.normalize) return x.ptr;
      l2Normalize(f, this.Xn[i], this.norms[i], x.ptr, x.shape[0], i ? b : a);
      return this.Xn[i];
    });
    const { M, K, N, fa, fb } = dims(a, b);
    const B = xs[0].shape[0], sx = a.P * a.Q * 4, sy = b.P * b.Q * 4, sc = M * N * 4;
    for (let s = 0; s < B; s++) {
      ctx.k.gemm(this.Y + s * sc, src[0] + s * sx, src[1] + s * sy, M, K, N, a.Q, b.Q, N, fa | fb);
    }
    return [{ ptr: this.Y, shape: out, mask: 0 }];
  }

  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const xs = this.xs, [a, b] = this.operands(xs);
    const { M, K, N, fa, fb } = dims(a, b);
    const B = xs[0].shape[0], sx = a.P * a.Q * 4, sy = b.P * b.Q * 4, sc = M * N * 4, dC = dys[0];
    const src = xs.map((x, i) => (this.normalize ? this.Xn[i] : x.ptr));
    // gradient w.r.t. the (normalized) operand goes to dN when normalizing, else straight to dX
    const target = [0, 1].map((i) => (needDx[i] ? (this.normalize ? this.dN[i] : this.dX[i]) : 0));
    for (let s = 0; s < B; s++) {
      const X = src[0] + s * sx, Yb = src[1] + s * sy, C = dC + s * sc;
      if (target[0]) {
        if (a.ax === 2) ctx.k.gemm(target[0] + s * sx, C, Yb, M, N, K, N, b.Q, a.Q, fb ? 0 : GEMM.transB); // dX = dC·op(Y)ᵀ
        else ctx.k.gemm(target[0] + s * sx, Yb, C, K, N, M, b.Q, N, a.Q, (fb ? GEMM.transA : 0) | GEMM.transB); // dX = op(Y)·dCᵀ
      }
      if (target[1]) {
        if (b.ax === 1) ctx.k.gemm(target[1] + s * sy, X, C, K, M, N, a.Q, N, b.Q, fa ? 0 : GEMM.transA); // dY = op(X)ᵀ·dC
        else ctx.k.gemm(target[1] + s * sy, C, X, N, M, K, N, a.Q, b.Q, GEMM.transA | (fa ? GEMM.transB : 0)); // dY = dCᵀ·op(X)
      }
    }
    if (this.normalize) {
      const f = ctx.be.f32();
      for (let i = 0; i < 2; i++) if (needDx[i]) l2NormalizeBackward(f, this.dX[i], this.dN[i], this.Xn[i], this.norms[i], B, i ? b : a);
    }
    return [needDx[0] ? this.dX[0] : 0, needDx[1] ? this.dX[1] : 0];
  }
}

/** gemm sizes and transpose flags of C = op(X)·op(Y). */
function dims(a: Operand, b: Operand): { M: number; K: number; N: number; fa: number; fb: number } {
  return {
    M: a.ax === 2 ? a.P : a.Q, K: a.ax === 2 ? a.Q : a.P, N: b.ax === 1 ? b.Q : b.P,
    fa: a.ax === 1 ? GEMM.transA : 0, fb: b.ax === 2 ? GEMM.transB : 0,
  };
}

/** Vectors along the contraction axis of a [B, P, Q] operand: count and (start, stride) of vector v's element j. */
function vectors(B: number, o: Operand): { count: number; len: number; at: (v: number, j: number) => number } {
  if (o.ax === 2) return { count: B * o.P, len: o.Q, at: (v, j) => v * o.Q + j };
  return { count: B * o.Q, len: o.P, at: (v, j) => ((v / o.Q) | 0) * o.P * o.Q + j * o.Q + (v % o.Q) };
}

/** out = x / max(‖x‖, floor) along the axis; norms[v] = max(‖x_v‖, floor) (0 marks a floored vector: its gradient is dv̂/floor). */
function l2Normalize(f: Float32Array, out: number, norms: number, x: number, B: number, o: Operand): void {
  const { count, len, at } = vectors(B, o), x0 = x >>> 2, y0 = out >>> 2, n0 = norms >>> 2;
  for (let v = 0; v < count; v++) {
    let s = 0;
    for (let j = 0; j < len; j++) s += f[x0 + at(v, j)] ** 2;
    const n = Math.sqrt(s), d = Math.max(n, NORM_FLOOR);
    f[n0 + v] = n > NORM_FLOOR ? n : 0;
    for (let j = 0; j < len; j++) f[y0 + at(v, j)] = f[x0 + at(v, j)] / d;
  }
}

function l2NormalizeBackward(f: Float32Array, dx: number, dn: number, xn: number, norms: number, B: number, o: Operand): void {
  const { count, len, at } = vectors(B, o), d0 = dx >>> 2, g0 = dn >>> 2, u0 = xn >>> 2, n0 = norms >>> 2;
  for (let v = 0; v < count; v++) {
    const n = f[n0 + v];
    if (n === 0) {
      for (let j = 0; j < len; j++) f[d0 + at(v, j)] = f[g0 + at(v, j)] / NORM_FLOOR;
      continue;
    }
    let p = 0;
    for (let j = 0; j < len; j++) p += f[u0 + at(v, j)] * f[g0 + at(v, j)];
    for (let j = 0; j < len; j++) f[d0 + at(v, j)] = (f[g0 + at(v, j)] - f[u0 + at(v, j)] * p) / n;
  }
}
