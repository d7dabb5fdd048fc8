/**
 * GraphSpec → TensorFlow.js functional topology (what model.json's modelTopology holds for a
 * `Model`): layers with `inbound_nodes`, `input_layers`, `output_layers`. Initial states are
 * written as extra inputs of the node, after x — how tfjs-layers (and Keras 2) record
 * `initial_state`, and how `tf.loadLayersModel` reads it back.
 */
import type { GraphSpec, TensorRef } from './spec.js';

const entry = (r: TensorRef, kwargs: Record<string, unknown> = {}) => [r.layer, r.node, r.tensor, kwargs];

export function specToTopology(spec: GraphSpec): Record<string, unknown> {
  const layers = spec.layers.map((l) => {
    const inbound = spec.nodes.filter((n) => n.layer === l.name).map((n) => {
      const kw = n.kwargs && typeof n.kwargs.training === 'boolean' ? { training: n.kwargs.training } : {};
      return [...n.inputs.map((r) => entry(r, kw)), ...(n.initialState ?? []).map((r) => entry(r))];
    });
    return { class_name: l.className, config: { ...l.config, name: l.name }, name: l.name, inbound_nodes: inbound };
  });
  return {
    class_name: 'Model',
    config: {
      name: spec.name, layers,
      input_layers: spec.inputs.map((r) => [r.layer, r.node, r.tensor]),
      output_layers: spec.outputs.map((r) => [r.layer, r.node, r.tensor]),
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}
