/**
 * GraphSpec both ways: a built graph described as a GraphSpec (`model.toGraphSpec()`), and a Model
 * built from one (`Model.fromGraphSpec(spec, weights?)`) with `layerFromConfig`, never running
 * initializers when weights are given (DESIGN.md "Compatibility").
 */
import type { Layer } from '../../layers/layer.js';
import { layerFromConfig } from '../../layers/index.js';
import { canonicalConfig, CLASS_SPECS, type LayerClass } from '../../keras/config.js';
import { own } from '../../util/options.js';
import { checkGraph } from '../../io/validate/graph.js';
import { describe } from '../../names.js';
import type { GraphSpec, GraphLayerSpec, GraphNodeSpec, TensorRef } from './spec.js';
import type { Graph } from './topology.js';
import { input, SymbolicTensor } from './symbolic.js';

/**
 * A layer's config in canonical snake_case (its input comes from the graph, not a batch_input_shape);
 * a wrapper (Bidirectional, TimeDistributed) keeps its wrapped `layer`, canonical too. Built from
 * keras/config.ts directly rather than through the file readers, so a page that only predicts
 * does not carry the readers.
 */
function canonicalLayer(className: string, config: Record<string, unknown>, name: string): Record<string, unknown> {
  const raw = { ...config };
  delete raw.batch_input_shape;
  delete raw.dtype;
  const c = own(CLASS_SPECS, className)
    ? canonicalConfig(className as LayerClass, raw, { where: `${className} '${name}'`, source: 'tfjs', className: className as LayerClass })
    : raw;
  const inner = config.layer as { class_name: string; config: Record<string, unknown> } | undefined;
  if (inner && typeof inner === 'object') {
    const innerName = (inner.config?.name as string) ?? `${name}/layer`;
    c.layer = { class_name: inner.class_name, config: canonicalLayer(inner.class_name, inner.config, innerName) };
  }
  return c;
}

function layerSpec(l: Layer): GraphLayerSpec {
  const { class_name, config } = l.toConfig();
  return { className: class_name, name: l.name, config: canonicalLayer(class_name, config, l.name) };
}

export function graphToSpec(name: string, g: Graph): GraphSpec {
  const ref = (t: number): TensorRef => {
    const x = g.tensors[t];
    if (x.producer < 0) return { layer: g.inputs[x.slot].layer.name, node: 0, tensor: 0 };
    const n = g.nodes[x.producer];
    return { layer: n.layer.name, node: n.k, tensor: x.slot };
  };
  const layers: GraphLayerSpec[] = g.inputs.map((i) => {
    const c = i.layer.toConfig();
    return { className: c.class_name, name: i.layer.name, config: c.config };
  });
  const nodes: GraphNodeSpec[] = [];
  for (const l of g.layers) {
    layers.push(layerSpec(l));
    g.nodes.filter((n) => n.layer === l).sort((a, b) => a.k - b.k).forEach((n) => {
      const node: GraphNodeSpec = { layer: l.name, inputs: n.inputs.slice(0, n.nPositional).map(ref) };
      if (n.inputs.length > n.nPositional) node.initialState = n.inputs.slice(n.nPositional).map(ref);
      // call options in Keras' snake_case (use_causal_mask …), as files write them
      const kwargs: Record<string, unknown> = {};
      if (n.training !== undefined) kwargs.training = n.training;
      for (const [k, v] of Object.entries(n.kwargs ?? {})) kwargs[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
      if (Object.keys(kwargs).length) node.kwargs = kwargs;
      nodes.push(node);
    });
  }
  return { name, layers, nodes, inputs: g.inputs.map((i) => ref(i.tensor)), outputs: g.outputs.map(ref) };
}

/** Symbolic inputs and outputs of a spec's graph, its layers built from their configs. */
export function symbolicFromSpec(spec: GraphSpec, who: string): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.layers) || !Array.isArray(spec.nodes) || !Array.isArray(spec.inputs) || !Array.isArray(spec.outputs)) {
    throw new Error(`${who}: expected a GraphSpec { name, layers, nodes, inputs, outputs }, got ${describe(spec)}`);
  }
  // the one reference check of every graph (names, calls, references, cycles, reachability); it also orders the calls
  const order = checkGraph(spec, who);
  // tensors made so far, by "layer/node/tensor"
  const made = new Map<string, SymbolicTensor>();
  const key = (r: TensorRef) => `${r.layer}/${r.node}/${r.tensor}`;
  const layers = new Map<string, Layer>();
  for (const l of spec.layers) {
    if (l.className === 'InputLayer') {
      const c = l.config as { batch_input_shape?: (number | null)[]; batch_shape?: (number | null)[]; dtype?: string };
      const shape = c.batch_input_shape ?? c.batch_shape;
      if (!Array.isArray(shape)) throw new Error(`${who}: InputLayer '${l.name}' has no batch_input_shape`);
      const dtype = c.dtype === 'int32' ? 'int32' : 'float32';
      made.set(key({ layer: l.name, node: 0, tensor: 0 }), input({ batchShape: shape, dtype, name: l.name }));
    } else {
      layers.set(l.name, layerFromConfig(l.className, { ...l.config, name: l.name }));
    }
  }
  const nodeIndex = new Map<GraphNodeSpec, number>();
  const counts = new Map<string, number>();
  for (const n of spec.nodes) {
    const k = counts.get(n.layer) ?? 0;
    counts.set(n.layer, k + 1);
    nodeIndex.set(n, k);
  }
  for (const n of order) {
    const read = (r: TensorRef) => {
      const t = made.get(key(r));
      // checkGraph knows calls, not how many outputs each has: a tensor index past them ends here
      if (!t) throw new Error(`${who}: layer '${n.layer}' reads ${JSON.stringify(r)}, which no layer call produces`);
      return t;
    };
    // the layer's own call options (Attention's use_causal_mask …) go to apply in camelCase; the layer checks them
    const { training, ...own } = n.kwargs ?? {};
    const callOptions = Object.fromEntries(Object.entries(own).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
    const xs = n.inputs.map(read);
    const states = (n.initialState ?? []).map(read);
    const out = layers.get(n.layer)!.apply(xs.length === 1 ? xs[0] : xs, {
      ...callOptions,
      ...(states.length ? { initialState: states } : {}),
      ...(typeof training === 'boolean' ? { training } : {}),
    });
    const outs = Array.isArray(out) ? out : [out];
    // keep the spec's numbering of a shared layer's calls (the apply order may differ)
    outs[0].node.serial = -1e9 + spec.nodes.indexOf(n);
    outs.forEach((t, i) => made.set(key({ layer: n.layer, node: nodeIndex.get(n)!, tensor: i }), t));
  }
  const get = (r: TensorRef, what: string) => {
    const t = made.get(key(r));
    if (!t) throw new Error(`${who}: ${what} ${JSON.stringify(r)} is not a tensor of the graph`);
    return t;
  };
  return { inputs: spec.inputs.map((r) => get(r, 'input')), outputs: spec.outputs.map((r) => get(r, 'output')) };
}
