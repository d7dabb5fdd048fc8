/**
 * TimeDistributed(Dense): the Dense applied to every time step. Our Dense
 * already maps the last axis of a [B, T, F] input, so this wrapper delegates
 * forward and backward to it and only changes the config (Keras/tfjs
 * `TimeDistributed` with a `layer`) and the weight names (`<wrapper>/kernel`,
 * as Keras 2 and tfjs name them). Other wrapped layers are not supported.
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type ParamStore, type Shape, type WeightSpec, type Workspace } from './layer.js';
import { Dense } from './dense.js';

export interface TimeDistributedArgs extends BaseLayerArgs {
  layer: Dense;
}

export class TimeDistributed extends Layer {
  readonly layer: Dense;

  constructor(args: TimeDistributedArgs) {
    super('TimeDistributed', 'time_distributed', args);
    if (!(args.layer instanceof Dense)) {
      const got = args.layer === undefined ? 'undefined' : (args.layer as Layer)?.className ?? typeof args.layer;
      throw new Error(`${this.name}: layer must be a dense layer (TimeDistributed supports Dense), got ${got}`);
    }
    this.layer = args.layer;
  }

  build(inputShape: Shape): void {
    this.layer.build(inputShape);
    super.build(inputShape);
  }

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 3) throw new Error(`${this.name}: expected input [batch, time, features], got [${s}]`);
    return this.layer.computeOutputShape(s);
  }

  weightSpecs(): WeightSpec[] {
    return this.layer.weightSpecs();
  }

  bind(store: ParamStore, offsets: number[]): void {
    super.bind(store, offsets);
    this.layer.bind(store, offsets);
  }

  protected kerasConfig() {
    const inner = this.layer.toConfig();
    delete inner.config.batch_input_shape;
    delete inner.config.dtype;
    return { layer: inner };
  }

  plan(ws: Workspace, inShape: number[], training: boolean, needDx: boolean): void {
    this.layer.plan(ws, inShape, training, needDx);
  }
  forward(ctx: Ctx, x: Act): Act {
    this.layer.trainable = this.trainable;
    return this.layer.forward(ctx, x);
  }
  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    return this.layer.backward(ctx, dy, needDx);
  }
}
