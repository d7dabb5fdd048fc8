/** Dropout (inverted: kept units scaled by 1/(1-rate)) and Flatten; neither has weights. */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace, BASE_LAYER_OPTIONS } from './layer.js';
import { describe } from '../names.js';

export interface DropoutArgs extends BaseLayerArgs {
  rate: number;
  noiseShape?: null;
  seed?: number | null;
}
export const DROPOUT_OPTIONS = [...BASE_LAYER_OPTIONS, 'rate', 'noiseShape', 'seed'] as const;

export class Dropout extends Layer {
  readonly rate: number;
  private Y = 0;
  private m = 0;
  private n = 0;
  private active = false;

  constructor(args: DropoutArgs) {
    super('Dropout', 'dropout', args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`${this.name}: rate must be a number in [0, 1), got ${describe(args.rate)}`);
    }
    if (args.noiseShape != null) throw new Error(`${this.name}: noiseShape is not supported (got ${describe(args.noiseShape)}); use null`);
    this.rate = args.rate;
  }

  computeOutputShape(s: Shape): Shape {
    return s;
  }
  protected kerasConfig() {
    return { rate: this.rate, noise_shape: null, seed: null };
  }

  plan(ws: Workspace, inShape: number[], training: boolean): void {
    const n = inShape.reduce((a, b) => a * b, 1);
    this.Y = training && this.rate > 0 ? ws.alloc(n, 'Y') : 0;
    this.m = training && this.rate > 0 ? ws.alloc(n, 'mask') : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    this.active = ctx.training && this.rate > 0;
    if (!this.active) return x;
    const n = (this.n = x.shape.reduce((a, b) => a * b, 1));
    const f = ctx.be.f32();
    const keep = 1 - this.rate, s = 1 / keep;
    const x0 = x.ptr >>> 2, y0 = this.Y >>> 2, m0 = this.m >>> 2;
    for (let i = 0; i < n; i++) {
      const mv = ctx.rng.next() < keep ? s : 0;
      f[m0 + i] = mv;
      f[y0 + i] = f[x0 + i] * mv;
    }
    return { ptr: this.Y, shape: x.shape, mask: x.mask };
  }

  backward(ctx: Ctx, dy: number): number {
    if (!this.active) return dy;
    const f = ctx.be.f32();
    const d0 = dy >>> 2, m0 = this.m >>> 2;
    for (let i = 0; i < this.n; i++) f[d0 + i] *= f[m0 + i];
    return dy;
  }
}

export class Flatten extends Layer {
  constructor(args: BaseLayerArgs = {}) {
    super('Flatten', 'flatten', args);
  }
  computeOutputShape(s: Shape): Shape {
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) {
      throw new Error(`${this.name}: needs every non-batch dimension known, got [${s}] (set inputLength / inputShape)`);
    }
    return [s[0], (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  protected kerasConfig() {
    return {};
  }
  plan(): void {}
  forward(_ctx: Ctx, x: Act): Act {
    return { ptr: x.ptr, shape: [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)], mask: 0 };
  }
  backward(_ctx: Ctx, dy: number): number {
    return dy;
  }
}
