/**
 * Activation (Keras): y = act(x) elementwise, or softmax over the last axis; the mask passes
 * through. Luong attention applies Activation('softmax') to dot-product scores.
 *   forward:  y = act(x)                   backward: dx = dy ⊙ act'(x), from y (activateBackward)
 *   softmax:  y = softmax(x) per row       backward: dx = y ⊙ (dy − Σ dy⊙y)  (softmaxBackward)
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type Workspace, BASE_LAYER_OPTIONS } from './layer.js';
import { activationCode, kerasActivation, parseActivation, type ActivationName } from '../activations.js';
import type { ActivationIdentifier } from '../util/identifiers.js';

export interface ActivationArgs extends BaseLayerArgs {
  activation: ActivationIdentifier;
}
export const ACTIVATION_OPTIONS = [...BASE_LAYER_OPTIONS, 'activation'] as const;

export class Activation extends Layer {
  readonly activation: ActivationName;
  private Y = 0;
  private dX = 0;
  private shape: number[] = [];

  constructor(args: ActivationArgs) {
    super('Activation', 'activation', args);
    this.activation = parseActivation(args.activation, `${this.name}: activation`);
  }

  computeOutputShape(s: Shape): Shape {
    return s;
  }
  protected kerasConfig() {
    return { activation: kerasActivation(this.activation) };
  }

  plan(ws: Workspace, inShape: number[], _training: boolean, needDx: boolean): void {
    const n = inShape.reduce((a, b) => a * b, 1);
    this.Y = ws.alloc(n, 'Y');
    this.dX = needDx ? ws.alloc(n, 'dX') : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    this.shape = x.shape;
    const n = x.shape.reduce((a, b) => a * b, 1), cols = x.shape[x.shape.length - 1];
    if (this.activation === 'softmax') ctx.k.softmax(this.Y, x.ptr, n / cols, cols);
    else ctx.k.activate(this.Y, x.ptr, n, activationCode(this.activation));
    return { ptr: this.Y, shape: x.shape, mask: x.mask };
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    const n = this.shape.reduce((a, b) => a * b, 1), cols = this.shape[this.shape.length - 1];
    if (this.activation === 'softmax') ctx.k.softmaxBackward(this.dX, dy, this.Y, n / cols, cols);
    else ctx.k.activateBackward(this.dX, dy, this.Y, n, activationCode(this.activation));
    return this.dX;
  }
}
