/**
 * Model: a functional model (Keras functional API) — a graph from `input()` tensors to outputs
 * made by `layer.apply`. Several inputs and outputs, shared layers (one layer applied at several
 * nodes: one set of weights, gradients summed), per-output losses. It runs on the same engine as
 * Sequential (graph/engine.ts).
 *
 * @example
 * ```ts
 * const a = input({ shape: [null, 4] }), b = input({ shape: [3] });
 * const h = layers.lstm({ units: 8 }).apply(a);
 * const out = layers.dense({ units: 1 }).apply(h);
 * const m = new Model({ inputs: [a, b], outputs: [out, layers.dense({ units: 2 }).apply(b)] });
 * ```
 */
import { checkOptions } from '../../util/options.js';
import { nextSeed } from '../../util/seed.js';
import { describe } from '../../names.js';
import { SymbolicTensor } from './symbolic.js';
import { graphFromSymbolic } from './topology.js';
import { ModelBase, type WeightValue } from './engine.js';
import { graphSummary } from './summary.js';
import { graphToSpec, symbolicFromSpec } from './spec-io.js';
import { writeFunctionalTopology } from '../../io/functional/write.js';
import type { GraphSpec } from './spec.js';

/** Options of the {@link Model} constructor. */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Seed for initializers, shuffling and dropout (default: from setSeed(), else random). */
  seed?: number;
}
export const MODEL_OPTIONS = ['inputs', 'outputs', 'name', 'seed'] as const;

let modelCounter = 0;

function tensorList(v: unknown, what: string): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) throw new Error(`${what}: expected at least one symbolic tensor, got an empty array`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new Error(`${what}${Array.isArray(v) ? `[${i}]` : ''}: expected a symbolic tensor (from input() or layer.apply()), got ${describe(t)}`);
    }
  });
  return list as SymbolicTensor[];
}

export class Model extends ModelBase {
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];

  constructor(args: ModelArgs) {
    if (!args || typeof args !== 'object') throw new Error(`Model: expected { inputs, outputs, name? }, got ${describe(args)}`);
    args = checkOptions(args, MODEL_OPTIONS, 'Model');
    if (args.name !== undefined && (typeof args.name !== 'string' || !args.name)) throw new Error(`Model: name must be a non-empty string, got ${describe(args.name)}`);
    const name = args.name ?? (modelCounter++ === 0 ? 'model' : `model_${modelCounter - 1}`);
    const inputs = tensorList(args.inputs, `Model '${name}': inputs`);
    const outputs = tensorList(args.outputs, `Model '${name}': outputs`);
    const g = graphFromSymbolic(inputs, outputs, `Model '${name}'`);
    super(name, args.seed ?? nextSeed());
    this.inputs = inputs;
    this.outputs = outputs;
    this.layers.push(...g.layers);
    this.setGraph(g);
  }

  protected prepare(): void {}

  protected lossOnFirstOnly(): boolean {
    return false;
  }

  /** Keras-style table: layers (inputs included), output shapes, parameter counts and what each is connected to. */
  summary(lineLength = 98): string {
    return `${graphSummary(this.name, this.graph!, this.paramCounts(), lineLength)}\n${this.plannedBytesLine()}`;
  }

  /**
   * Build a Model from a GraphSpec (what the file readers produce). With `weights` (matched by
   * name, e.g. 'lstm/kernel'), initializers never run.
   */
  static fromGraphSpec(spec: GraphSpec, weights?: readonly WeightValue[]): Model {
    const who = `Model.fromGraphSpec '${(spec as { name?: unknown })?.name}'`;
    const { inputs, outputs } = symbolicFromSpec(spec, who);
    const m = new Model({ inputs, outputs, name: spec.name, seed: 0 });
    if (weights) {
      if (!Array.isArray(weights)) throw new Error(`${who}: weights must be an array of { name, shape, data }, got ${describe(weights)}`);
      const names = m.weightNames();
      const byName = new Map(weights.map((w) => [w?.name, w]));
      const missing = names.filter((n) => !byName.has(n));
      const extra = weights.map((w) => w?.name).filter((n) => !names.includes(n as string));
      if (missing.length || extra.length) {
        throw new Error(`${who}: the weights do not match the model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown ${extra.join(', ')}` : ''}`);
      }
      m.setWeightsNoInit(names.map((n) => byName.get(n)!));
    }
    return m;
  }

  /** The graph as a GraphSpec (canonical snake_case configs; the seam to the file formats). */
  toGraphSpec(): GraphSpec {
    return graphToSpec(this.name, this.graph!);
  }

  /** TensorFlow.js functional topology (`class_name: 'Model'`, layers with inbound_nodes). */
  toJSON(): Record<string, unknown> {
    return writeFunctionalTopology(this.toGraphSpec());
  }
}
