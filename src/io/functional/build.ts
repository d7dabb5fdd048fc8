/**
 * The one call site where a functional graph read from a file (model.json, .keras, .h5)
 * becomes a model. The engine's `Model.fromGraphSpec(spec, weights)` (graph part of issue 14)
 * builds it; until that is merged a graph is read and fully checked, then refused here.
 */
import type { NamedWeight } from '../weights.js';
import type { FunctionalTopology } from './read.js';

export function modelFromGraph(graph: FunctionalTopology, _weights: readonly NamedWeight[]): never {
  throw new Error(`model "${graph.name}": a functional graph (${graph.spec.inputs.length} input(s), ${graph.spec.outputs.length} output(s), ` +
    `${graph.layers.length} layers) was read and checked, but this build has no functional Model engine (Model.fromGraphSpec) to build it`);
}
