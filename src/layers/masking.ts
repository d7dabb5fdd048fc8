/**
 * Masking (Keras semantics, keras/src/layers/core/masking.py): a step t of
 * sample b is masked when EVERY feature equals maskValue; the output is the
 * input with masked steps zeroed, and the mask [B, T] goes downstream (RNNs
 * skip masked steps, losses ignore them).
 *   forward:  m[b,t] = any_f(x[b,t,f] != maskValue);  y = x · m
 *   backward: dx = dy · m   (maskValue is a constant; m is piecewise constant in x)
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace } from './layer.js';
import { optionDefault, API_DIALECT } from '../keras/config.js';
import { describe } from '../names.js';

export interface MaskingArgs extends BaseLayerArgs {
  maskValue?: number;
}

export class Masking extends Layer {
  readonly maskValue: number;
  private Y = 0;
  private mask = 0;
  private n = 0;
  private F = 0;

  constructor(args: MaskingArgs = {}) {
    super('Masking', 'masking', args);
    const v = args.maskValue ?? (optionDefault('Masking', 'mask_value', API_DIALECT) as number);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.name}: maskValue must be a finite number, got ${describe(v)}`);
    this.maskValue = v;
  }

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 3) throw new Error(`${this.name}: expected input [batch, time, features], got [${s}]`);
    return s;
  }

  protected kerasConfig() {
    return { mask_value: this.maskValue };
  }

  plan(ws: Workspace, inShape: number[]): void {
    const [B, T, F] = inShape;
    this.Y = ws.alloc(B * T * F);
    this.mask = ws.alloc(B * T);
  }

  forward(ctx: Ctx, x: Act): Act {
    const [B, T, F] = x.shape;
    const f = ctx.be.f32(), x0 = x.ptr >>> 2, y0 = this.Y >>> 2, m0 = this.mask >>> 2;
    // an incoming mask (none today: Masking comes first) is combined by AND, as Keras does
    const inMask = x.mask ? x.mask >>> 2 : -1;
    for (let r = 0; r < B * T; r++) {
      let keep = 0;
      for (let j = 0; j < F; j++) if (f[x0 + r * F + j] !== this.maskValue) { keep = 1; break; }
      if (inMask >= 0 && f[inMask + r] === 0) keep = 0;
      f[m0 + r] = keep;
      for (let j = 0; j < F; j++) f[y0 + r * F + j] = keep ? f[x0 + r * F + j] : 0;
    }
    this.n = B * T;
    this.F = F;
    return { ptr: this.Y, shape: x.shape, mask: this.mask };
  }

  backward(ctx: Ctx, dy: number): number {
    const f = ctx.be.f32(), d0 = dy >>> 2, m0 = this.mask >>> 2, F = this.F;
    for (let r = 0; r < this.n; r++) if (f[m0 + r] === 0) f.fill(0, d0 + r * F, d0 + (r + 1) * F);
    return dy;
  }
}
