/** Dense: y = act(x·W + b), applied to the last axis (per time step on 3-D input, like Keras). */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type WeightSpec, type Workspace, initCfg, BASE_LAYER_OPTIONS } from './layer.js';
import { activationCode, kerasActivation, parseActivation, type ActivationName } from '../activations.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { describe } from '../names.js';
import type { ActivationIdentifier, InitializerSpec } from '../util/identifiers.js';

export interface DenseArgs extends BaseLayerArgs {
  units: number;
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
}
export const DENSE_OPTIONS = [...BASE_LAYER_OPTIONS, 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer'] as const;

export class Dense extends Layer {
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private Y = 0;
  private dX = 0;
  private x: Act | null = null;

  constructor(args: DenseArgs) {
    super('Dense', 'dense', args);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`${this.name}: units must be a positive integer, got ${describe(args.units)}`);
    }
    this.units = args.units;
    this.activation = parseActivation(args.activation ?? 'linear', `${this.name}: activation`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', `${this.name}: kernelInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', `${this.name}: biasInitializer`);
  }

  computeOutputShape(s: Shape): Shape {
    const k = s[s.length - 1];
    if (s.length < 2 || k === null) {
      throw new Error(`${this.name}: expected input [batch, …, features] with known features, got [${s}]`);
    }
    return [...s.slice(0, -1), this.units];
  }

  weightSpecs(): WeightSpec[] {
    const k = this.inputShape![this.inputShape!.length - 1] as number;
    const w: WeightSpec[] = [{ name: 'kernel', shape: [k, this.units], init: this.kernelInitializer }];
    if (this.useBias) w.push({ name: 'bias', shape: [this.units], init: this.biasInitializer });
    return w;
  }

  protected kerasConfig() {
    return {
      units: this.units, activation: kerasActivation(this.activation), use_bias: this.useBias,
      kernel_initializer: initCfg(this.kernelInitializer), bias_initializer: initCfg(this.biasInitializer),
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, bias_constraint: null,
    };
  }

  plan(ws: Workspace, inShape: number[], _training: boolean, needDx: boolean): void {
    const K = inShape[inShape.length - 1];
    const M = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    this.Y = ws.alloc(M * this.units, 'Y');
    this.dX = needDx ? ws.alloc(M * K, 'dX') : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    const K = x.shape[x.shape.length - 1];
    const M = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    ctx.k.denseForward(this.Y, x.ptr, this.w(0), this.useBias ? this.w(1) : 0, M, K, this.units, activationCode(this.activation));
    this.x = x;
    return { ptr: this.Y, shape: [...x.shape.slice(0, -1), this.units], mask: x.shape.length > 2 ? x.mask : 0 };
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    const x = this.x!;
    const K = x.shape[x.shape.length - 1];
    const M = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const t = this.trainable;
    ctx.k.denseBackward(needDx ? this.dX : 0, t ? this.g(0) : 0, t && this.useBias ? this.g(1) : 0, dy, x.ptr,
      this.w(0), this.Y, M, K, this.units, activationCode(this.activation));
    return needDx ? this.dX : 0;
  }
}
