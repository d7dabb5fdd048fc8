/**
 * Elementwise merges (Keras Add, Subtract, Multiply, Average, Maximum, Minimum): inputs of one
 * shape → one output of that shape. Broadcasting between different shapes is not supported.
 *
 *   add       y = Σ_i x_i                      dx_i = dy
 *   subtract  y = x_0 − x_1                    dx_0 = dy, dx_1 = −dy
 *   average   y = Σ_i x_i / N                  dx_i = dy / N
 *   multiply  y = Π_i x_i'                     dx_i = dy · Π_{j≠i} x_j'   (x_i' below)
 *   maximum   y = max(…max(x_0, x_1)…, x_N-1)  dx_i = dy where input i was selected (ties: the earlier input, as tf.maximum's gradient)
 *   minimum   likewise with min
 *
 * Masks, rule 'keras3' (Keras >= 3.4): Multiply uses x_i' = 1 where input i is masked and, when
 * every input has a mask, zeroes y outside their OR; Maximum/Minimum take the running result in
 * place of a masked input and the input in place of a masked running result; the output mask is
 * the OR of the masks when every input has one. Rule 'keras2' (Keras 2, tfjs): masks never change
 * values; the output mask is the AND of the masks present. (config.ts MaskRule.)
 */
import type { Act, Ctx, Shape, Workspace } from '../layer.js';
import { API_DIALECT, MERGE_MASK_RULE, type MaskRule } from '../../keras/config.js';
import { MultiInputLayer, elements, type MergeArgs } from './base.js';
import { combineMasks, maskRows } from './masks.js';

export type ElementwiseOp = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';
const CLASS: Record<ElementwiseOp, string> = {
  add: 'Add', subtract: 'Subtract', multiply: 'Multiply', average: 'Average', maximum: 'Maximum', minimum: 'Minimum',
};

export class ElementwiseMerge extends MultiInputLayer {
  readonly maskRule: MaskRule;
  protected readonly minInputs: number;
  protected readonly maxInputs: number;
  private Y = 0;
  private M = 0;
  /** maximum/minimum: index of the input each output element came from. */
  private src = 0;
  private dX: number[] = [];
  private outMask = 0;

  constructor(readonly op: ElementwiseOp, args: MergeArgs = {}) {
    super(CLASS[op], op, args);
    this.maskRule = args.maskRule ?? MERGE_MASK_RULE[API_DIALECT];
    this.minInputs = op === 'subtract' ? 2 : 1;
    this.maxInputs = op === 'subtract' ? 2 : Infinity;
  }

  protected kerasConfig() {
    return {};
  }

  protected outputShapes(s: Shape[]): Shape[] {
    const out = s[0].slice();
    for (const t of s) {
      if (t.length !== out.length || t.some((d, i) => i > 0 && d !== null && out[i] !== null && d !== out[i])) {
        throw this.shapeError('inputs must all have the same shape (broadcasting between shapes is not supported)', s);
      }
      t.forEach((d, i) => { if (out[i] === null) out[i] = d; });
    }
    return [out];
  }

  nodePlan(ws: Workspace, inShapes: number[][], _training: boolean, needDx: boolean[]): void {
    const n = elements(inShapes[0]);
    this.Y = ws.alloc(n, 'Y');
    this.M = maskRows(inShapes[0]) ? ws.alloc(maskRows(inShapes[0]), 'mask') : 0;
    this.src = this.op === 'maximum' || this.op === 'minimum' ? ws.alloc(n, 'src') : 0;
    this.dX = needDx.map((d, i) => (d ? ws.alloc(n, `dX${i}`) : 0));
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    const shape = xs[0].shape;
    for (const x of xs) {
      if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
        throw this.shapeError('inputs must all have the same shape', xs.map((a) => a.shape));
      }
    }
    this.xs = xs;
    const f = ctx.be.f32(), n = elements(shape), N = xs.length;
    const rows = maskRows(shape), F = rows ? n / rows : n;
    const masks = rows ? xs.map((x) => x.mask) : xs.map(() => 0);
    const present = masks.filter((m) => m !== 0);
    const k3 = this.maskRule === 'keras3';
    // the output mask (computed first: keras3 Multiply reads it)
    let outMask = 0;
    if (rows && present.length && (!k3 || present.length === N)) {
      combineMasks(f, this.M, present, rows, k3 ? 'or' : 'and');
      outMask = this.M;
    }
    this.outMask = outMask;
    const y0 = this.Y >>> 2, p = xs.map((x) => x.ptr >>> 2), m = masks.map((q) => (q ? q >>> 2 : -1));
    const om = outMask ? outMask >>> 2 : -1;
    const kept = (i: number, e: number) => !k3 || m[i] < 0 || f[m[i] + ((e / F) | 0)] !== 0;
    switch (this.op) {
      case 'add': case 'average': {
        const s = this.op === 'average' ? 1 / N : 1;
        for (let e = 0; e < n; e++) {
          let v = 0;
          for (let i = 0; i < N; i++) v += f[p[i] + e];
          f[y0 + e] = v * s;
        }
        break;
      }
      case 'subtract':
        for (let e = 0; e < n; e++) f[y0 + e] = f[p[0] + e] - f[p[1] + e];
        break;
      case 'multiply':
        for (let e = 0; e < n; e++) {
          let v = 1;
          for (let i = 0; i < N; i++) if (kept(i, e)) v *= f[p[i] + e];
          f[y0 + e] = k3 && om >= 0 && f[om + ((e / F) | 0)] === 0 ? 0 : v;
        }
        break;
      case 'maximum': case 'minimum': {
        const max = this.op === 'maximum', s0 = this.src >>> 2;
        for (let e = 0; e < n; e++) {
          // keras3: a masked input stands in with the running result, a masked running result with the input
          let out = f[p[0] + e], srcOut = 0, outKept = kept(0, e);
          for (let i = 1; i < N; i++) {
            const xKept = kept(i, e);
            let x = f[p[i] + e], srcX = i;
            if (!xKept) { x = out; srcX = srcOut; }
            if (!outKept) { out = x; srcOut = srcX; }
            outKept = outKept || xKept;
            if (max ? !(out >= x) : !(out <= x)) { out = x; srcOut = srcX; }
          }
          f[y0 + e] = out;
          f[s0 + e] = srcOut;
        }
        break;
      }
    }
    return [{ ptr: this.Y, shape, mask: outMask }];
  }

  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const xs = this.xs, f = ctx.be.f32(), shape = xs[0].shape, n = elements(shape), N = xs.length;
    const rows = maskRows(shape), F = rows ? n / rows : n;
    const d0 = dys[0] >>> 2, k3 = this.maskRule === 'keras3';
    const m = xs.map((x) => (rows && x.mask ? x.mask >>> 2 : -1));
    const kept = (i: number, e: number) => !k3 || m[i] < 0 || f[m[i] + ((e / F) | 0)] !== 0;
    const om = this.outMask ? this.outMask >>> 2 : -1;
    for (let i = 0; i < N; i++) {
      if (!needDx[i]) continue;
      const o = this.dX[i] >>> 2;
      switch (this.op) {
        case 'add': case 'average': case 'subtract': {
          const s = this.op === 'average' ? 1 / N : this.op === 'subtract' && i === 1 ? -1 : 1;
          for (let e = 0; e < n; e++) f[o + e] = f[d0 + e] * s;
          break;
        }
        case 'multiply': {
          const p = xs.map((x) => x.ptr >>> 2);
          for (let e = 0; e < n; e++) {
            if (!kept(i, e) || (k3 && om >= 0 && f[om + ((e / F) | 0)] === 0)) { f[o + e] = 0; continue; }
            let v = f[d0 + e];
            for (let j = 0; j < N; j++) if (j !== i && kept(j, e)) v *= f[p[j] + e];
            f[o + e] = v;
          }
          break;
        }
        case 'maximum': case 'minimum': {
          const s0 = this.src >>> 2;
          for (let e = 0; e < n; e++) f[o + e] = f[s0 + e] === i ? f[d0 + e] : 0;
          break;
        }
      }
    }
    return this.dX.map((d, i) => (needDx[i] ? d : 0));
  }
}
