/**
 * Symbolic tensors: what `input()` and `layer.apply()` return while a functional model is
 * described (Keras `KerasTensor`). They hold a shape (batch included, null = free), a dtype and
 * where they come from (a node: one call of a layer); no data. `new Model({ inputs, outputs })`
 * walks them back from the outputs (graph/topology.ts).
 */
import type { Layer, Shape } from '../../layers/layer.js';
import { uniqueName } from '../../layers/layer.js';
import { checkOptions } from '../../util/options.js';
import { describe, shapeStr } from '../../names.js';

export type SymbolicDType = 'float32' | 'int32';

/** A model input (Keras `InputLayer`): one node with no inputs and one output. */
export class InputLayer {
  readonly className = 'InputLayer';
  constructor(readonly name: string, readonly batchInputShape: Shape, readonly dtype: SymbolicDType) {}
  toConfig(): { class_name: string; config: Record<string, unknown> } {
    return { class_name: 'InputLayer', config: { batch_input_shape: this.batchInputShape.slice(), dtype: this.dtype, sparse: false, name: this.name } };
  }
}

/** One call of a layer: `layer.apply(inputs, { initialState, training })`. */
/** One call of a layer in a graph (what `layer.apply` records): its input and output tensors. */
export interface SymbolicNode {
  layer: Layer | InputLayer;
  /** Positional inputs, then initialState tensors (Keras appends them the same way). */
  inputs: SymbolicTensor[];
  /** How many of `inputs` are positional (the rest are initial states). */
  nPositional: number;
  outputs: SymbolicTensor[];
  /** Keras `training=` on the call: fixes dropout on (true) or off (false) at this node. */
  training?: boolean;
  /** Layer-specific call options (Layer.nodeCall; Attention: useCausalMask, returnAttentionScores). */
  kwargs?: Record<string, unknown>;
  /** Creation order (sorts a layer's nodes). */
  serial: number;
}

/** Output `index` of node `node`. */
export class SymbolicTensor {
  constructor(readonly shape: Shape, readonly dtype: SymbolicDType, readonly node: SymbolicNode, readonly index: number, readonly name: string) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `SymbolicTensor ${this.name} ${shapeStr(this.shape)} ${this.dtype}`;
  }
}

/** What `apply` returns for a layer whose several-outputs flag is `R`: one tensor (false), an array (true), or either. */
export type SymbolicResult<R> = [R] extends [false] ? SymbolicTensor : [R] extends [true] ? SymbolicTensor[] : SymbolicTensor | SymbolicTensor[];
/** What `layer.apply` returns, read from the layer's type: an array for returnState / several outputs. */
export type SymbolicOutput<L> = L extends { readonly returnState: infer R } ? SymbolicResult<R>
  : L extends { readonly multiOutput: infer M } ? SymbolicResult<M>
  : SymbolicTensor;

let serial = 0;
export const nextSerial = (): number => serial++;

/** Options of {@link input}. */
export interface InputArgs {
  /** Shape without the batch dimension (null = free, e.g. the time axis). */
  shape?: (number | null)[];
  /** Shape with the batch dimension (instead of shape). */
  batchShape?: (number | null)[];
  dtype?: SymbolicDType;
  batchSize?: number;
  name?: string;
}
export const INPUT_OPTIONS = ['shape', 'batchShape', 'dtype', 'batchSize', 'name'] as const;

/**
 * A model input (Keras `Input`): a symbolic tensor to apply layers to.
 *
 * @example
 * ```ts
 * const x = input({ shape: [null, 8] });        // any batch, any length, 8 features
 * const y = layers.lstm({ units: 16 }).apply(x);
 * ```
 */
export function input(args: InputArgs): SymbolicTensor {
  if (!args || typeof args !== 'object') throw new Error(`input: expected { shape, dtype?, batchSize?, name? }, got ${describe(args)}`);
  args = checkOptions(args, INPUT_OPTIONS, 'input');
  if (args.name !== undefined && (typeof args.name !== 'string' || !args.name)) throw new Error(`input: name must be a non-empty string, got ${describe(args.name)}`);
  const name = args.name ?? uniqueName('input');
  const who = `input '${name}'`;
  if ((args.shape === undefined) === (args.batchShape === undefined)) {
    throw new Error(`${who}: give exactly one of shape (without batch) or batchShape, got ${args.shape === undefined ? 'neither' : 'both'}`);
  }
  if (args.batchSize !== undefined && (!Number.isInteger(args.batchSize) || args.batchSize <= 0)) {
    throw new Error(`${who}: batchSize must be a positive integer, got ${describe(args.batchSize)}`);
  }
  if (args.batchSize !== undefined && args.batchShape !== undefined) throw new Error(`${who}: batchSize goes with shape, not batchShape (which has the batch already)`);
  const dtype = args.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${who}: dtype must be 'float32' or 'int32', got ${describe(args.dtype)}`);
  const shape = args.batchShape !== undefined ? checkFree(args.batchShape, `${who}: batchShape`, true)
    : [args.batchSize ?? null, ...checkFree(args.shape!, `${who}: shape`, false)];
  const layer = new InputLayer(name, shape, dtype);
  const node: SymbolicNode = { layer, inputs: [], nPositional: 0, outputs: [], serial: nextSerial() };
  node.outputs.push(new SymbolicTensor(shape, dtype, node, 0, name));
  return node.outputs[0];
}

/** Positive integers or null (any dimension may be free in a functional input; layers check what they need). */
function checkFree(s: unknown, what: string, withBatch: boolean): Shape {
  if (!Array.isArray(s) || (s.length === 0 && withBatch)) throw new Error(`${what}: expected an array of positive integers or null, got ${describe(s)}`);
  for (const d of s) {
    if (d !== null && (!Number.isInteger(d) || d <= 0)) throw new Error(`${what}: expected positive integers or null, got ${describe(s)}`);
  }
  return s.slice() as Shape;
}
