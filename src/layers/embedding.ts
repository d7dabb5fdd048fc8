/** Embedding: int32 ids [B, T] → vectors [B, T, D]; with maskZero, id 0 is masked downstream. */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type WeightSpec, type Workspace, initCfg, BASE_LAYER_OPTIONS } from './layer.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { describe } from '../names.js';
import type { InitializerSpec } from '../util/identifiers.js';

export interface EmbeddingArgs extends BaseLayerArgs {
  inputDim: number;
  outputDim: number;
  maskZero?: boolean;
  inputLength?: number;
  embeddingsInitializer?: InitializerSpec;
}
export const EMBEDDING_OPTIONS = [...BASE_LAYER_OPTIONS, 'inputDim', 'outputDim', 'maskZero', 'embeddingsInitializer'] as const;

export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | null;
  readonly embeddingsInitializer: Initializer;
  private Y = 0;
  private mask = 0;
  private x: Act | null = null;

  constructor(args: EmbeddingArgs) {
    super('Embedding', 'embedding', args);
    for (const key of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(args[key]) || args[key] <= 0) {
        throw new Error(`${this.name}: ${key} must be a positive integer, got ${describe(args[key])}`);
      }
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    if (args.inputLength !== undefined && args.inputLength !== null && (!Number.isInteger(args.inputLength) || args.inputLength <= 0)) {
      throw new Error(`${this.name}: inputLength must be a positive integer, got ${describe(args.inputLength)}`);
    }
    this.inputLength = args.inputLength ?? null;
    if (!this.batchInputShape) this.batchInputShape = [args.batchSize ?? null, this.inputLength];
    else if (this.inputLength === null && typeof this.batchInputShape[1] === 'number') this.inputLength = this.batchInputShape[1];
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer ?? 'randomUniform', `${this.name}: embeddingsInitializer`);
  }

  /** This layer consumes int32 ids. */
  readonly intInput = true;

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 2) throw new Error(`${this.name}: expected input [batch, time] of token ids, got [${s}]`);
    return [s[0], s[1], this.outputDim];
  }

  weightSpecs(): WeightSpec[] {
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim], init: this.embeddingsInitializer }];
  }

  protected kerasConfig() {
    return {
      input_dim: this.inputDim, output_dim: this.outputDim,
      embeddings_initializer: initCfg(this.embeddingsInitializer),
      embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null,
      mask_zero: this.maskZero, input_length: this.inputLength,
    };
  }

  plan(ws: Workspace, inShape: number[]): void {
    const n = inShape[0] * inShape[1];
    this.Y = ws.alloc(n * this.outputDim, 'Y');
    this.mask = this.maskZero ? ws.alloc(n, 'mask') : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    const [B, T] = x.shape;
    const n = B * T;
    ctx.k.embeddingForward(this.Y, x.ptr, this.w(0), n, this.outputDim);
    if (this.mask) {
      const ids = ctx.be.i32(), m = ctx.be.f32();
      const i0 = x.ptr >>> 2, m0 = this.mask >>> 2;
      for (let i = 0; i < n; i++) m[m0 + i] = ids[i0 + i] !== 0 ? 1 : 0;
    }
    this.x = x;
    return { ptr: this.Y, shape: [B, T, this.outputDim], mask: this.mask };
  }

  /** dy = 0: the next layer already added this layer's gradient (the fused Embedding → LSTM path). */
  backward(ctx: Ctx, dy: number): number {
    const [B, T] = this.x!.shape;
    if (this.trainable && dy) ctx.k.embeddingBackward(this.g(0), dy, this.x!.ptr, B * T, this.outputDim);
    return 0;
  }

  /** For the fused Embedding → LSTM backward: ids of the last forward, the table and its gradient. */
  idsPtr(): number {
    return this.x!.ptr;
  }
  tablePtr(): number {
    return this.w(0);
  }
  tableGradPtr(): number {
    return this.g(0);
  }
}
