/**
 * Sequential: a stack of layers with the Keras workflow (compile / fit / evaluate / predict …).
 * It is the chain special case of the functional engine (graph/engine.ts): building it makes a
 * chain graph input → layers[0] → … → layers[n−1] whose outputs are every output of the last
 * layer (the loss applies to the first), and everything else runs on the one engine.
 */
import { writeFunctionalTopology } from '../io/functional/write.js';
import type { GraphLayerSpec, GraphNodeSpec } from './graph/spec.js';
import { checkOptions } from '../util/options.js';
import type { PredictOutput } from './output-types.js';
import { Layer, type Shape } from '../layers/layer.js';
import { Recurrent } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { nextSeed } from '../util/seed.js';
import { stackError } from './data.js';
import { summaryTable } from './summary.js';
import { describe } from '../names.js';
import { claimLayer, releaseLayers } from './guard.js';
import { ModelBase, type PredictArgs } from './graph/engine.js';
import { chainGraph } from './graph/topology.js';

export type { WeightValue, MemoryInfo, CompileArgs, PredictArgs, EvaluateArgs, EvalRun } from './graph/engine.js';
export { COMPILE_OPTIONS, PREDICT_OPTIONS, EVALUATE_OPTIONS } from './graph/engine.js';

/** Options of the {@link Sequential} constructor. */
export interface SequentialArgs {
  name?: string;
  /** Seed for initializers, shuffling and dropout (default: from setSeed(), else random). */
  seed?: number;
}
export const SEQUENTIAL_OPTIONS = ['name', 'seed'] as const;

let modelCounter = 0;

/**
 * A linear stack of layers (Keras `Sequential`).
 *
 * The type parameter is the layer tuple given to the constructor; it only types
 * `predict`'s result (see {@link PredictOutput}).
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   layers.lstm({ units: 32, inputShape: [10, 3] }),
 *   layers.dense({ units: 1, activation: 'sigmoid' }),
 * ]);
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export class Sequential<L extends readonly Layer[] = readonly Layer[]> extends ModelBase {
  private inputShape: Shape | null = null;

  constructor(layers: readonly [...L] = [] as unknown as L, args: SequentialArgs = {}) {
    args = checkOptions(args, SEQUENTIAL_OPTIONS, 'Sequential');
    super(args.name ?? (modelCounter++ === 0 ? 'sequential' : `sequential_${modelCounter - 1}`), args.seed ?? nextSeed());
    if (!Array.isArray(layers)) throw new Error(`Sequential: expected an array of layers, got ${describe(layers)}`);
    try {
      for (const l of layers) this.add(l);
    } catch (e) {
      releaseLayers(this, this.layers); // a model that failed to construct owns nothing
      throw e;
    }
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new Error(`${this.name}.add: expected a layer (layers.lstm(…), layers.dense(…) …), got ${describe(layer)}`);
    if (this.graph) throw new Error(`${this.name}.add: the model is already built; add layers before the first call`);
    if (this.layers.some((l) => l.name === layer.name)) throw new Error(`${this.name}.add: a layer named '${layer.name}' is already in the model`);
    const prev = this.layers[this.layers.length - 1];
    if (prev instanceof Recurrent && prev.returnState) {
      throw new Error(`${this.name}.add: '${prev.name}' has returnState: true, so it must be the last layer`);
    }
    if (prev instanceof Bidirectional && prev.multiOutput) {
      throw new Error(`${this.name}.add: '${prev.name}' has several outputs (mergeMode null or returnState), so it must be the last layer`);
    }
    claimLayer(layer, this, this.name);
    this.layers.push(layer);
    return this;
  }

  // ---------------------------------------------------------------- building

  /** Build for an input shape incl. batch (default: the first layer's inputShape/batchInputShape). */
  build(inputShape?: Shape): void {
    if (this.inputShape) return;
    if (!this.layers.length) throw new Error(`${this.name}: add at least one layer before building`);
    const s0 = inputShape ?? this.layers[0].batchInputShape;
    if (!s0) {
      throw new Error(`${this.name}: the input shape is unknown: give the first layer inputShape (or batchInputShape), or call fit/predict with data first`);
    }
    let s: Shape = s0.slice();
    for (const [i, l] of this.layers.entries()) {
      try {
        l.build(s);
      } catch (e) {
        throw stackError(e, this.layers[i - 1], l, s);
      }
      s = l.outputShape!;
    }
    this.inputShape = s0.slice();
    this.setGraph(chainGraph(this.layers, this.inputShape, 'input'));
  }

  /** Build from the first data seen when no input shape was declared (time left free). */
  protected prepare(x?: unknown): void {
    if (this.inputShape) return;
    if (x === undefined || this.layers[0]?.batchInputShape) return this.build();
    const shape = (x as { shape?: number[] }).shape ?? (x instanceof Tensor ? x.shape : null);
    let s: number[] | null = shape ?? null;
    if (!s && Array.isArray(x)) {
      s = [];
      let cur: unknown = x;
      while (Array.isArray(cur)) { s.push(cur.length); cur = cur[0]; }
    }
    if (!s) throw new Error(`${this.name}: cannot infer the input shape from x (${describe(x)})`);
    const free: Shape = [null, ...s.slice(1)];
    if (free.length >= 2 && this.layers[0] instanceof Recurrent || this.layers[0] instanceof Bidirectional) free[1] = null;
    this.build(free);
  }

  protected lossOnFirstOnly(): boolean {
    return true;
  }

  protected requireCompiled(who: string): void {
    super.requireCompiled(who);
    // Keras applies a loss to every output of a multi-output model; a Sequential takes its loss on the
    // first output only, which would leave the backward layer of mergeMode null untrained: refuse it
    const last = this.layers[this.layers.length - 1];
    if (last instanceof Bidirectional && last.mergeMode === null) {
      throw new Error(`${this.name}.${who}: '${last.name}' has mergeMode null (two outputs), and a loss on the first output alone would never train its backward layer; ` +
        `use mergeMode 'concat' | 'sum' | 'mul' | 'ave' to train (predict works with null), or build a functional Model with one loss per output`);
    }
  }

  /**
   * Inference. Returns one tensor, or [output, ...states] when the last layer has returnState
   * (and the return type says which, see {@link PredictOutput}).
   *
   * @example
   * ```ts
   * const p = model.predict(x);   // Tensor
   * p.data[0];
   * ```
   */
  predict(xIn: TensorLike, args: PredictArgs = {}): PredictOutput<L> {
    return super.predict(xIn, args) as PredictOutput<L>;
  }

  /** Keras-style table of layers, output shapes and parameter counts. */
  summary(lineLength = 65): string {
    this.prepare();
    const counts = this.paramCounts();
    return `${summaryTable(this.name, this.layers, (l) => counts.get(l) ?? 0, lineLength)}\n${this.plannedBytesLine()}`;
  }

  /** Keras/tfjs-layers topology (what model.json's modelTopology holds). */
  toJSON(): Record<string, unknown> {
    this.prepare();
    const configs = this.layers.map((l, i) => {
      const c = l.toConfig();
      if (i === 0 && !('batch_input_shape' in c.config) && this.inputShape) {
        c.config.batch_input_shape = this.inputShape;
        c.config.dtype = 'float32';
      }
      return c;
    });
    const last = this.layers[this.layers.length - 1];
    const nOut = 1 + last.extraOutputShapes().length;
    if (nOut > 1) return functionalTopology(this.name, this.inputShape!, configs, last.name, nOut);
    return {
      class_name: 'Sequential',
      config: { name: this.name, layers: configs },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    };
  }
}
/** A single-chain functional Model (tfjs form) for models whose last layer returns its state: a chain GraphSpec, written by the one writer. */
function functionalTopology(name: string, inputShape: Shape, configs: { class_name: string; config: Record<string, unknown> }[], lastName: string, nOut: number) {
  const layers: GraphLayerSpec[] = [{ className: 'InputLayer', name: 'input', config: { batch_input_shape: inputShape, dtype: 'float32', sparse: false, name: 'input' } }];
  const nodes: GraphNodeSpec[] = [];
  let prev = 'input';
  for (const c of configs) {
    const config = { ...c.config };
    delete config.batch_input_shape;
    delete config.dtype;
    const layerName = config.name as string;
    layers.push({ className: c.class_name, name: layerName, config });
    nodes.push({ layer: layerName, inputs: [{ layer: prev, node: 0, tensor: 0 }] });
    prev = layerName;
  }
  const outputs = Array.from({ length: nOut }, (_, i) => ({ layer: lastName, node: 0, tensor: i }));
  return writeFunctionalTopology({ name, layers, nodes, inputs: [{ layer: 'input', node: 0, tensor: 0 }], outputs });
}
