/**
 * Concatenate (Keras): inputs of equal rank that agree on every axis but `axis` → one output with
 * the sizes along `axis` summed.
 *
 *   forward:  y[o, off_i + a, r] = x_i[o, a, r]   (o: axes before `axis`, r: axes after it)
 *   backward: dx_i[o, a, r] = dy[o, off_i + a, r]
 *
 * Masks (f32 [B, T] on rank-3 inputs; an absent mask counts as all kept): along the time axis the
 * masks are concatenated; along the feature axis they are ORed (Keras >= 3.4) or ANDed (Keras 2,
 * TensorFlow.js): src/keras/config.ts MaskRule.
 */
import type { Act, BaseLayerArgs, Ctx, Shape, Workspace } from '../layer.js';
import { API_DIALECT, MERGE_MASK_RULE, optionDefault, type MaskRule } from '../../keras/config.js';
import { describe } from '../../names.js';
import { MultiInputLayer, elements, type MergeArgs } from './base.js';
import { combineMasks, maskRows } from './masks.js';

export interface ConcatenateArgs extends BaseLayerArgs {
  /** Axis to concatenate along, negative from the end (default -1); not the batch axis 0. */
  axis?: number;
}

export class Concatenate extends MultiInputLayer {
  readonly axis: number;
  readonly maskRule: MaskRule;
  protected readonly minInputs = 1;
  protected readonly maxInputs = Infinity;
  private Y = 0;
  private M = 0;
  private dX: number[] = [];

  constructor(args: ConcatenateArgs & MergeArgs = {}) {
    super('Concatenate', 'concatenate', args);
    const axis = args.axis ?? (optionDefault('Concatenate', 'axis', API_DIALECT) as number);
    if (!Number.isInteger(axis) || axis === 0) throw new Error(`${this.name}: axis must be a non-zero integer (0 is the batch axis), got ${describe(axis)}`);
    this.axis = axis;
    this.maskRule = args.maskRule ?? MERGE_MASK_RULE[API_DIALECT];
  }

  protected kerasConfig() {
    return { axis: this.axis };
  }

  /** The axis as a positive index for rank R, or an error. */
  private axisFor(R: number, shapes: readonly (readonly (number | null)[])[]): number {
    const a = this.axis < 0 ? this.axis + R : this.axis;
    if (a < 1 || a >= R) throw this.shapeError(`axis ${this.axis} is not a non-batch axis of rank-${R} inputs`, shapes);
    return a;
  }

  protected outputShapes(s: Shape[]): Shape[] {
    const R = s[0].length;
    if (s.some((t) => t.length !== R)) throw this.shapeError('inputs must have the same rank', s);
    const a = this.axisFor(R, s);
    const out = s[0].slice();
    for (const t of s.slice(1)) {
      for (let i = 0; i < R; i++) {
        if (i === a) continue;
        if (t[i] !== null && out[i] !== null && t[i] !== out[i]) {
          throw this.shapeError(`inputs must match on every axis except the concatenation axis ${this.axis}`, s);
        }
        if (out[i] === null) out[i] = t[i];
      }
    }
    out[a] = s.some((t) => t[a] === null) ? null : s.reduce((n, t) => n + (t[a] as number), 0);
    return [out];
  }

  nodePlan(ws: Workspace, inShapes: number[][], _training: boolean, needDx: boolean[]): void {
    const a = this.axisFor(inShapes[0].length, inShapes);
    const out = inShapes[0].slice();
    out[a] = inShapes.reduce((n, t) => n + t[a], 0);
    this.Y = ws.alloc(elements(out), 'Y');
    this.M = maskRows(out) ? ws.alloc(maskRows(out), 'mask') : 0;
    this.dX = needDx.map((d, i) => (d ? ws.alloc(elements(inShapes[i]), `dX${i}`) : 0));
  }

  /** Outer count, inner size and each input's extent along the axis. */
  private layout(xs: Act[]): { a: number; outer: number; inner: number; ext: number[]; total: number } {
    const R = xs[0].shape.length, shapes = xs.map((x) => x.shape);
    const a = this.axisFor(R, shapes);
    for (const x of xs) {
      if (x.shape.length !== R || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
        throw this.shapeError(`inputs must match on every axis except the concatenation axis ${this.axis}`, shapes);
      }
    }
    const ext = xs.map((x) => x.shape[a]);
    return { a, outer: elements(xs[0].shape.slice(0, a)), inner: elements(xs[0].shape.slice(a + 1)), ext, total: ext.reduce((p, q) => p + q, 0) };
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    const { a, outer, inner, ext, total } = this.layout(xs);
    this.xs = xs;
    const f = ctx.be.f32(), y0 = this.Y >>> 2;
    let off = 0;
    xs.forEach((x, i) => {
      const w = ext[i] * inner, x0 = x.ptr >>> 2;
      for (let o = 0; o < outer; o++) f.copyWithin(y0 + o * total * inner + off, x0 + o * w, x0 + (o + 1) * w);
      off += w;
    });
    const shape = xs[0].shape.slice();
    shape[a] = total;
    return [{ ptr: this.Y, shape, mask: this.mergeMasks(f, xs, a, total) }];
  }

  private mergeMasks(f: Float32Array, xs: Act[], a: number, total: number): number {
    if (xs[0].shape.length !== 3 || xs.every((x) => !x.mask)) return 0;
    const B = xs[0].shape[0];
    if (a === 2) {
      combineMasks(f, this.M, xs.map((x) => x.mask), B * xs[0].shape[1], this.maskRule === 'keras3' ? 'or' : 'and');
    } else {
      // along time: the masks side by side, an absent one as all kept
      const m0 = this.M >>> 2;
      let off = 0;
      for (const x of xs) {
        const T = x.shape[1];
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < T; t++) f[m0 + b * total + off + t] = x.mask ? f[(x.mask >>> 2) + b * T + t] : 1;
        }
        off += T;
      }
    }
    return this.M;
  }

  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const { outer, inner, ext, total } = this.layout(this.xs);
    const f = ctx.be.f32(), d0 = dys[0] >>> 2;
    let off = 0;
    return this.xs.map((_, i) => {
      const w = ext[i] * inner, start = off;
      off += w;
      if (!needDx[i]) return 0;
      const o0 = this.dX[i] >>> 2;
      for (let o = 0; o < outer; o++) f.copyWithin(o0 + o * w, d0 + o * total * inner + start, d0 + o * total * inner + start + w);
      return this.dX[i];
    });
  }
}
