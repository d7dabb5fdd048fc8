/**
 * A Keras Sequential topology (model.toJSON(), tfjs/Keras model.json) as a GraphSpec: the
 * chain special case of the graph exporter. Every layer is called once on the previous
 * layer's output; the last layer's outputs (several with return_state or a Bidirectional
 * merge_mode null) are the model's outputs. The model input is the InputLayer's, or the one
 * the first layer declares; a float input's feature size may come from the first weight.
 */
import type { GraphSpec, GraphLayerSpec, GraphNodeSpec } from '../../models/graph/spec.js';
import { layerName, rnnKindOf, type LayerJSON, type WeightRecord } from './config.js';
import { recurrentOutputCount } from './layers.js';

/** The Keras topology object: `model.toJSON()` or the `modelTopology` of a model.json. */
export interface KerasTopology {
  class_name: string;
  config: { name?: string; layers: LayerJSON[] } | LayerJSON[];
  [key: string]: unknown;
}

function sequentialLayers(topology: KerasTopology): { name: string; layers: LayerJSON[] } {
  if (!topology || topology.class_name !== 'Sequential') {
    throw new Error(
      `toONNX: expected a Sequential topology (class_name 'Sequential'), got ${JSON.stringify(topology?.class_name)}`,
    );
  }
  const cfg = topology.config;
  // Keras < 2.2.3 wrote the layer list directly as config.
  const layers = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('toONNX: the Sequential topology has no layers');
  const name = !Array.isArray(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
  return { name, layers };
}

/** [null, T, F] style shape of the model input, from the first layer or an InputLayer. */
function declaredInputShape(layer: LayerJSON): (number | null)[] | undefined {
  const c = layer.config;
  const shape = (c['batch_input_shape'] ?? c['batch_shape']) as (number | null)[] | undefined;
  if (Array.isArray(shape)) return shape;
  if (Array.isArray(c['input_shape'])) return [null, ...(c['input_shape'] as (number | null)[])];
  return undefined;
}

function outputCount(layer: LayerJSON): number {
  return rnnKindOf(layer.class_name) || layer.class_name === 'Bidirectional'
    ? recurrentOutputCount({ name: layerName(layer), layer })
    : 1;
}

export function sequentialSpec(topology: KerasTopology, weights: readonly WeightRecord[]): GraphSpec {
  const { name, layers: all } = sequentialLayers(topology);
  let declared = declaredInputShape(all[0]!);
  const hasInput = all[0]!.class_name === 'InputLayer';
  const layers = hasInput ? all.slice(1) : all;
  if (layers.length === 0) throw new Error('toONNX: the Sequential topology has only an InputLayer');
  declared ??= declaredInputShape(layers[0]!);
  const first = layers[0]!;

  let inputShape: (number | null)[];
  let dtype: string;
  if (first.class_name === 'Embedding') {
    inputShape = [null, declared?.[1] ?? (first.config['input_length'] as number | null) ?? null];
    dtype = 'int32';
  } else {
    // The feature size is the first weight's leading dimension when not declared.
    const F = declared?.[2] ?? weights[0]?.shape[0];
    if (typeof F !== 'number') {
      throw new Error(`toONNX: cannot tell the input feature size of layer '${layerName(first)}'; give it a batch_input_shape`);
    }
    if (declared && declared.length !== 3) {
      throw new Error(
        `toONNX: layer '${layerName(first)}': expected a 3-D input [batch, time, features] or an Embedding first layer, ` +
          `got batch_input_shape [${declared.join(', ')}]`,
      );
    }
    inputShape = [null, declared?.[1] ?? null, F];
    dtype = 'float32';
  }

  const names = layers.map(layerName);
  let inputName = hasInput ? layerName(all[0]!) : `${names[0]}_input`;
  while (names.includes(inputName)) inputName += '_';
  const specLayers: GraphLayerSpec[] = [
    { className: 'InputLayer', name: inputName, config: { batch_input_shape: inputShape, dtype, sparse: false, name: inputName } },
  ];
  const nodes: GraphNodeSpec[] = [];
  let prev = { layer: inputName, node: 0, tensor: 0 };
  layers.forEach((layer, k) => {
    const lname = names[k]!;
    if (specLayers.some((l) => l.name === lname)) throw new Error(`toONNX: the Sequential topology has two layers named '${lname}'`);
    const n = outputCount(layer);
    if (n > 1 && k < layers.length - 1) {
      const why = layer.class_name === 'Bidirectional' && (layer.config['merge_mode'] ?? null) === null ? 'merge_mode null' : 'return_state=true';
      throw new Error(
        `toONNX: layer '${lname}' (${layer.class_name}) has ${n} outputs (${why}) but is followed by another layer; ` +
          `in a Sequential model only the last layer may have several outputs (Keras)`,
      );
    }
    specLayers.push({ className: layer.class_name, name: lname, config: layer.config ?? {} });
    nodes.push({ layer: lname, inputs: [prev] });
    prev = { layer: lname, node: 0, tensor: 0 };
  });
  const last = layers[layers.length - 1]!;
  const outputs = Array.from({ length: outputCount(last) }, (_, t) => ({ layer: names[names.length - 1]!, node: 0, tensor: t }));
  return { name, layers: specLayers, nodes, inputs: [{ layer: inputName, node: 0, tensor: 0 }], outputs };
}
