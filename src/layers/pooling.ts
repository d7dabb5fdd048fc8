/**
 * GlobalAveragePooling1D / GlobalMaxPooling1D: [B, T, F] → [B, F] over time,
 * skipping masked steps (mask [B, T] of 1/0 from an Embedding with maskZero).
 *
 *   average: y[b,f] = Σ_t m[b,t]·x[b,t,f] / Σ_t m[b,t]     (Keras' masked mean)
 *   max:     y[b,f] = max over unmasked t of x[b,t,f]
 *
 * Porting note: Keras' GlobalMaxPooling1D ignores the mask (padding steps take
 * part in the max); here masked steps are skipped, like the average. A row
 * whose every step is masked has no value (Keras' average gives 0/0 = NaN): it
 * throws, naming the layer and the row.
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace } from './layer.js';
import { describe } from '../names.js';

export interface GlobalPoolingArgs extends BaseLayerArgs {
  /** Only 'channelsLast' ([batch, steps, features]) is supported. */
  dataFormat?: string;
  /** Only false is supported. */
  keepdims?: boolean;
}

abstract class GlobalPooling1D extends Layer {
  protected Y = 0;
  protected dX = 0;
  protected shape: number[] = [];
  protected mask = 0;

  constructor(className: string, defaultName: string, args: GlobalPoolingArgs) {
    super(className, defaultName, args);
    const df = args.dataFormat;
    if (df !== undefined && df !== 'channelsLast' && df !== 'channels_last') {
      throw new Error(`${this.name}: dataFormat must be 'channelsLast' ([batch, steps, features]), got ${describe(df)}`);
    }
    if (args.keepdims !== undefined && args.keepdims !== false) throw new Error(`${this.name}: keepdims must be false, got ${describe(args.keepdims)}`);
  }

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 3 || s[2] === null) throw new Error(`${this.name}: expected input [batch, steps, features], got [${s}]`);
    return [s[0], s[2]];
  }

  protected kerasConfig() {
    return { data_format: 'channels_last', keepdims: false };
  }

  plan(ws: Workspace, inShape: number[], _training: boolean, needDx: boolean): void {
    const [B, T, F] = inShape;
    this.Y = ws.alloc(B * F);
    this.dX = needDx ? ws.alloc(B * T * F) : 0;
  }

  /** Is step t of row b kept (no mask, or mask 1)? */
  protected kept(f: Float32Array, b: number, T: number, t: number): boolean {
    return !this.mask || f[(this.mask >>> 2) + b * T + t] !== 0;
  }

  /** Number of kept steps of row b; throws when there are none. */
  protected count(f: Float32Array, b: number, T: number): number {
    let n = 0;
    for (let t = 0; t < T; t++) if (this.kept(f, b, T, t)) n++;
    if (n === 0) throw new Error(`${this.name}: sample ${b} of the batch has every time step masked; there is nothing to pool`);
    return n;
  }
}

export class GlobalAveragePooling1D extends GlobalPooling1D {
  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalAveragePooling1D', 'global_average_pooling1d', args);
  }

  forward(ctx: Ctx, x: Act): Act {
    const [B, T, F] = x.shape, f = ctx.be.f32();
    this.shape = x.shape;
    this.mask = x.mask;
    const x0 = x.ptr >>> 2, y0 = this.Y >>> 2;
    for (let b = 0; b < B; b++) {
      const n = this.count(f, b, T);
      for (let j = 0; j < F; j++) {
        let s = 0;
        for (let t = 0; t < T; t++) if (this.kept(f, b, T, t)) s += f[x0 + (b * T + t) * F + j];
        f[y0 + b * F + j] = s / n;
      }
    }
    return { ptr: this.Y, shape: [B, F], mask: 0 };
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    // y = Σ_t m_t x_t / n  ⇒  dx_t = m_t · dy / n
    const [B, T, F] = this.shape, f = ctx.be.f32(), d0 = dy >>> 2, o = this.dX >>> 2;
    f.fill(0, o, o + B * T * F);
    for (let b = 0; b < B; b++) {
      const n = this.count(f, b, T);
      for (let t = 0; t < T; t++) if (this.kept(f, b, T, t)) for (let j = 0; j < F; j++) f[o + (b * T + t) * F + j] = f[d0 + b * F + j] / n;
    }
    return this.dX;
  }
}

export class GlobalMaxPooling1D extends GlobalPooling1D {
  private arg: Int32Array = new Int32Array(0); // argmax step per (row, feature), sized in plan

  plan(ws: Workspace, inShape: number[], training: boolean, needDx: boolean): void {
    super.plan(ws, inShape, training, needDx);
    // always a fresh table: a shared layer's calls run on views of it (Object.create), and a table
    // reused in place would be one array for every call (each call's argmax must survive until its backward)
    this.arg = new Int32Array(inShape[0] * inShape[2]);
  }

  constructor(args: GlobalPoolingArgs = {}) {
    super('GlobalMaxPooling1D', 'global_max_pooling1d', args);
  }

  forward(ctx: Ctx, x: Act): Act {
    const [B, T, F] = x.shape, f = ctx.be.f32();
    this.shape = x.shape;
    this.mask = x.mask;
    const x0 = x.ptr >>> 2, y0 = this.Y >>> 2;
    for (let b = 0; b < B; b++) {
      this.count(f, b, T);
      let first = 0;
      while (!this.kept(f, b, T, first)) first++;
      for (let j = 0; j < F; j++) {
        let best = first;
        for (let t = first + 1; t < T; t++) if (this.kept(f, b, T, t) && f[x0 + (b * T + t) * F + j] > f[x0 + (b * T + best) * F + j]) best = t;
        this.arg[b * F + j] = best;
        f[y0 + b * F + j] = f[x0 + (b * T + best) * F + j];
      }
    }
    return { ptr: this.Y, shape: [B, F], mask: 0 };
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    // y = x[argmax]  ⇒  the gradient goes to the (first) maximal step only
    const [B, T, F] = this.shape, f = ctx.be.f32(), d0 = dy >>> 2, o = this.dX >>> 2;
    f.fill(0, o, o + B * T * F);
    for (let b = 0; b < B; b++) for (let j = 0; j < F; j++) f[o + (b * T + this.arg[b * F + j]) * F + j] = f[d0 + b * F + j];
    return this.dX;
  }
}
