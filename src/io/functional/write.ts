/**
 * writeFunctionalTopology: GraphSpec -> a tfjs functional topology (`class_name: "Model"`, list-style
 * `inbound_nodes`), what TensorFlow.js 4.22 `tf.models.modelFromJSON` / `tf.loadLayersModel` read
 * (tfjs-layers engine/container.ts fromConfig) and Keras 2 reads too. A recurrent call's initial
 * states follow its input in the call's list (`[x, h, c]`), as tfjs RNN.apply and Keras 2
 * RNN.__call__ record them; call arguments (training, Attention's flags) go in each entry's kwargs.
 * The spec is checked (src/io/validate/graph.ts) first, so nothing unreadable is written.
 */
import type { GraphSpec } from '../../models/graph/spec.js';
import { checkGraph, nodeInputs } from '../validate/graph.js';

export const TFJS_KERAS_VERSION = 'tfjs-layers 4.22.0';

export function writeFunctionalTopology(spec: GraphSpec): Record<string, unknown> {
  checkGraph(spec, `writeFunctionalTopology: model "${spec.name}"`);
  const ref = (r: { layer: string; node: number; tensor: number }) => [r.layer, r.node, r.tensor];
  const layers = spec.layers.map((l) => ({
    name: l.name,
    class_name: l.className,
    config: structuredClone(l.config),
    inbound_nodes: spec.nodes.filter((n) => n.layer === l.name)
      .map((n) => nodeInputs(n).map((r) => [...ref(r), structuredClone(n.kwargs ?? {})])),
  }));
  return {
    class_name: 'Model',
    config: { name: spec.name, layers, input_layers: spec.inputs.map(ref), output_layers: spec.outputs.map(ref) },
    keras_version: TFJS_KERAS_VERSION,
    backend: 'tensor_flow.js',
  };
}
