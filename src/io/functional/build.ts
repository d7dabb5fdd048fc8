/**
 * The one call site where a functional graph read from a file (model.json, .keras, .h5)
 * becomes a model: the engine's `Model.fromGraphSpec(spec, weights)`, given the weights in the
 * reader's order with tfjs names (matched by name there; initializers never run).
 */
import { Model } from '../../models/graph/model.js';
import type { NamedWeight } from '../weights.js';
import type { FunctionalTopology } from './read.js';

export function modelFromGraph(graph: FunctionalTopology, weights: readonly NamedWeight[]): Model {
  return Model.fromGraphSpec(graph.spec, weights);
}
