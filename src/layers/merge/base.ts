/**
 * Multi-input layers (merge layers, attention): the node protocol of src/layers/layer.ts with
 * several inputs. They have no single-input form, so the single-input methods throw; a model
 * reaches them only through nodeBuild / nodePlan / nodeForward / nodeBackward.
 *
 * Per-node state (shared layers run each node on a view `Object.create(layer)`): every field set
 * in nodePlan / nodeForward is ASSIGNED (fresh arrays), never mutated in place, so a view never
 * writes into its prototype's arrays.
 */
import { Layer, type Act, type BaseLayerArgs, type Shape } from '../layer.js';
import { shapeStr } from '../../names.js';
import type { MaskRule } from '../../keras/config.js';

export interface MergeArgs extends BaseLayerArgs {
  /** @internal How input masks combine (src/keras/config.ts MERGE_MASK_RULE); set by the loaders from the file's dialect. */
  maskRule?: MaskRule;
}

export const elements = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export abstract class MultiInputLayer extends Layer {
  /** Inputs of the last forward at this node. */
  protected xs: Act[] = [];

  /** Fewest / most inputs this class takes. */
  protected abstract readonly minInputs: number;
  protected abstract readonly maxInputs: number;
  /** Output shapes for these input shapes; throws naming the layer and the shapes when it cannot take them. */
  protected abstract outputShapes(inputShapes: Shape[]): Shape[];

  nodeBuild(inputShapes: Shape[]): Shape[] {
    const n = inputShapes.length;
    if (n < this.minInputs || n > this.maxInputs) {
      const want = this.minInputs === this.maxInputs ? `${this.minInputs}` : this.maxInputs === Infinity ? `at least ${this.minInputs}` : `${this.minInputs} to ${this.maxInputs}`;
      throw new Error(`${this.name} (${this.className}): expected a list of ${want} input tensors, got ${n} (${this.shapesStr(inputShapes)})`);
    }
    const outs = this.outputShapes(inputShapes);
    if (!this.built) {
      this.built = true;
      this.outputShape = outs[0];
    }
    return outs;
  }

  protected shapesStr(shapes: readonly (readonly (number | null)[])[]): string {
    return shapes.map((s) => shapeStr(s)).join(', ');
  }

  /** An error naming this layer, the problem and every input shape. */
  protected shapeError(what: string, inputShapes: readonly (readonly (number | null)[])[]): Error {
    return new Error(`${this.name} (${this.className}): ${what}; got input shapes ${this.shapesStr(inputShapes)}`);
  }

  // The single-input protocol does not apply (a Sequential cannot hold a merge layer).
  computeOutputShape(s: Shape): Shape {
    throw new Error(`${this.name} (${this.className}) takes a list of input tensors (layer.apply([a, b])), not one tensor of shape ${shapeStr(s)}; use it in a functional Model`);
  }
  plan(): void {
    throw new Error(`${this.name} (${this.className}): takes a list of inputs; it runs only at a node of a functional Model`);
  }
  forward(): Act {
    throw new Error(`${this.name} (${this.className}): takes a list of inputs; it runs only at a node of a functional Model`);
  }
  backward(): number {
    throw new Error(`${this.name} (${this.className}): takes a list of inputs; it runs only at a node of a functional Model`);
  }
}
