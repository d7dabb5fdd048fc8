/**
 * Normalization layer (Keras `Normalization`, axis −1): y = (x − mean) / max(sqrt(var), ε),
 * or its inverse with `invert: true`. The statistics and the rule are the data
 * utility's (src/data/normalization.ts); this wraps them as a layer with no
 * trainable weights (mean and variance are fixed, so the optimizer never sees
 * them) and saves them in the config, the Keras 3 form
 * `Normalization(mean=[…], variance=[…])`.
 *
 * Backward: dx = dy / scale (or dy · scale inverted), in place on dy.
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace } from './layer.js';
import { checkStats, featureStats, normScale } from '../data/normalization.js';
import { toTensor, type TensorLike } from '../tensor.js';
import { describe } from '../names.js';

export interface NormalizationArgs extends BaseLayerArgs {
  /** Only -1 (per feature of the last axis) is supported. */
  axis?: number;
  mean?: ArrayLike<number> | number;
  variance?: ArrayLike<number> | number;
  invert?: boolean;
}

export class Normalization extends Layer {
  readonly invert: boolean;
  mean: Float64Array | null = null;
  variance: Float64Array | null = null;
  private Y = 0;
  private n = 0;
  private scale: Float64Array | null = null;

  constructor(args: NormalizationArgs) {
    super('Normalization', 'normalization', args);
    if (args.axis !== undefined && args.axis !== -1) {
      throw new Error(`${this.name}: axis must be -1 (statistics per feature of the last axis), got ${describe(args.axis)}`);
    }
    if (args.invert !== undefined && typeof args.invert !== 'boolean') throw new Error(`${this.name}: invert must be true or false, got ${describe(args.invert)}`);
    this.invert = args.invert ?? false;
    const s = checkStats(args.mean, args.variance, this.name);
    if (s) ({ mean: this.mean, variance: this.variance } = s);
  }

  /** Learn mean and variance from training data (before the model first runs). */
  adapt(x: TensorLike): this {
    if (this.built) throw new Error(`${this.name}.adapt: the layer is already built into a model; adapt it before the model first runs`);
    const s = featureStats(toTensor(x, `${this.name}.adapt: x`), `${this.name}.adapt`);
    this.mean = s.mean;
    this.variance = s.variance;
    return this;
  }

  computeOutputShape(s: Shape): Shape {
    if (!this.mean || !this.variance) throw new Error(`${this.name}: call adapt(trainingData) or give { mean, variance } before building the model`);
    const F = s[s.length - 1];
    if (s.length < 2 || F !== this.mean.length) {
      throw new Error(`${this.name}: expected input [batch, …, ${this.mean.length}] (features it was adapted on), got [${s}]`);
    }
    return s;
  }

  build(inputShape: Shape): void {
    super.build(inputShape);
    this.scale = normScale(this.variance!);
  }

  protected kerasConfig() {
    return { axis: -1, invert: this.invert, mean: Array.from(this.mean!), variance: Array.from(this.variance!) };
  }

  plan(ws: Workspace, inShape: number[]): void {
    this.Y = ws.alloc(inShape.reduce((a, b) => a * b, 1));
  }

  forward(ctx: Ctx, x: Act): Act {
    // float64 arithmetic rounded once: the same values as data.normalization's transform
    const f = ctx.be.f32(), m = this.mean!, c = this.scale!, F = m.length;
    const n = (this.n = x.shape.reduce((a, b) => a * b, 1));
    const x0 = x.ptr >>> 2, y0 = this.Y >>> 2;
    if (this.invert) for (let i = 0; i < n; i++) f[y0 + i] = m[i % F] + f[x0 + i] * c[i % F];
    else for (let i = 0; i < n; i++) f[y0 + i] = (f[x0 + i] - m[i % F]) / c[i % F];
    return { ptr: this.Y, shape: x.shape, mask: x.mask };
  }

  backward(ctx: Ctx, dy: number): number {
    // y = (x − m) / c  ⇒  dx = dy / c;   y = m + x·c  ⇒  dx = dy·c
    const f = ctx.be.f32(), c = this.scale!, F = c.length, d0 = dy >>> 2;
    if (this.invert) for (let i = 0; i < this.n; i++) f[d0 + i] *= c[i % F];
    else for (let i = 0; i < this.n; i++) f[d0 + i] /= c[i % F];
    return dy;
  }
}
