/** RepeatVector (Keras): [B, F] → [B, n, F], the input repeated n times along a new time axis. */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace } from './layer.js';
import { describe } from '../names.js';

export interface RepeatVectorArgs extends BaseLayerArgs {
  n: number;
}

export class RepeatVector extends Layer {
  readonly n: number;
  private Y = 0;
  private dX = 0;
  private shape: number[] = [];

  constructor(args: RepeatVectorArgs) {
    super('RepeatVector', 'repeat_vector', args);
    if (!Number.isInteger(args.n) || args.n <= 0) throw new Error(`${this.name}: n must be a positive integer, got ${describe(args.n)}`);
    this.n = args.n;
  }

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 2 || s[1] === null) throw new Error(`${this.name}: expected input [batch, features], got [${s}]`);
    return [s[0], this.n, s[1]];
  }

  protected kerasConfig() {
    return { n: this.n };
  }

  plan(ws: Workspace, inShape: number[], _training: boolean, needDx: boolean): void {
    const [B, F] = inShape;
    this.Y = ws.alloc(B * this.n * F);
    this.dX = needDx ? ws.alloc(B * F) : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    const [B, F] = x.shape, n = this.n, f = ctx.be.f32(), x0 = x.ptr >>> 2, y0 = this.Y >>> 2;
    this.shape = x.shape;
    for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) f.copyWithin(y0 + (b * n + t) * F, x0 + b * F, x0 + (b + 1) * F);
    return { ptr: this.Y, shape: [B, n, F], mask: 0 };
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    // y[b,t] = x[b] for every t  ⇒  dx[b] = Σ_t dy[b,t]
    const [B, F] = this.shape, n = this.n, f = ctx.be.f32(), d0 = dy >>> 2, o = this.dX >>> 2;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < F; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += f[d0 + (b * n + t) * F + j];
        f[o + b * F + j] = s;
      }
    }
    return this.dX;
  }
}
