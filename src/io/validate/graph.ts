/**
 * checkGraph: the references of a functional graph (GraphSpec), checked once, whether the spec
 * was read from a file (src/io/functional/read.ts) or comes from a model about to be written
 * (src/io/functional/write.ts):
 *   - layer names unique, at most MAX_GRAPH_LAYERS layers and MAX_GRAPH_NODES calls;
 *   - every call belongs to a layer of the list that is not an InputLayer, nodes of one layer
 *     numbered 0, 1, … in order, at most MAX_NODE_INPUTS tensors per call;
 *   - every tensor reference names a layer of the list and one of its calls (an InputLayer has
 *     exactly one, node 0, tensor 0);
 *   - the model inputs are distinct InputLayers, the outputs exist;
 *   - every call can run: its inputs come from the model inputs (no cycle, and no InputLayer
 *     that is not a model input: Keras' "graph disconnected");
 *   - every call leads to a model output and every layer is called (what Keras and tfjs save;
 *     a model built from the spec would drop the rest, so it would not round-trip).
 * Tensor indices are checked where the number of outputs of a call is known (read.ts).
 * Returns the calls in an order where each comes after the calls it reads (Kahn's algorithm).
 */
import type { GraphNodeSpec, GraphSpec, TensorRef } from '../../models/graph/spec.js';
import { MAX_GRAPH_LAYERS, MAX_GRAPH_NODES, MAX_NODE_INPUTS } from './limits.js';

const refStr = (r: TensorRef): string => `["${r.layer}", ${r.node}, ${r.tensor}]`;
const key = (layer: string, node: number): string => `${layer}\n${node}`;

/** Every tensor a call reads: positional inputs, then initial states. */
export const nodeInputs = (n: GraphNodeSpec): TensorRef[] => [...n.inputs, ...(n.initialState ?? [])];

export function checkGraph(spec: GraphSpec, where: string): GraphNodeSpec[] {
  if (spec.layers.length > MAX_GRAPH_LAYERS) throw new Error(`${where}: ${spec.layers.length} layers; at most ${MAX_GRAPH_LAYERS} are supported`);
  if (spec.nodes.length > MAX_GRAPH_NODES) throw new Error(`${where}: ${spec.nodes.length} layer calls; at most ${MAX_GRAPH_NODES} are supported`);
  const classOf = new Map<string, string>();
  for (const l of spec.layers) {
    if (classOf.has(l.name)) throw new Error(`${where}: two layers are named "${l.name}"; layer names must be unique (calls and weights refer to layers by name)`);
    classOf.set(l.name, l.className);
  }
  const calls = new Map<string, number>();
  for (const n of spec.nodes) {
    const cls = classOf.get(n.layer);
    if (cls == null) throw new Error(`${where}: a call of layer "${n.layer}", which is not in the layer list`);
    if (cls === 'InputLayer') throw new Error(`${where}: InputLayer "${n.layer}" is called on a tensor; an InputLayer has no inbound calls`);
    const count = nodeInputs(n).length;
    if (n.inputs.length === 0) throw new Error(`${where}: call ${calls.get(n.layer) ?? 0} of layer "${n.layer}" has no input tensor`);
    if (count > MAX_NODE_INPUTS) throw new Error(`${where}: call ${calls.get(n.layer) ?? 0} of layer "${n.layer}" takes ${count} tensors; at most ${MAX_NODE_INPUTS} are supported`);
    calls.set(n.layer, (calls.get(n.layer) ?? 0) + 1);
  }
  const inputs = new Set<string>();
  const checkRef = (r: TensorRef, what: string): void => {
    const cls = classOf.get(r.layer);
    if (cls == null) throw new Error(`${where}: ${what} ${refStr(r)} names layer "${r.layer}", which is not in the layer list`);
    const n = cls === 'InputLayer' ? 1 : calls.get(r.layer) ?? 0;
    if (!(r.node < n)) {
      throw new Error(`${where}: ${what} ${refStr(r)} names call ${r.node} of layer "${r.layer}", which has ${n} call(s)` +
        (cls === 'InputLayer' ? ' (an InputLayer has one output: ["name", 0, 0])' : ''));
    }
    if (cls === 'InputLayer' && r.tensor !== 0) throw new Error(`${where}: ${what} ${refStr(r)}: InputLayer "${r.layer}" has one output, tensor 0`);
  };
  if (spec.inputs.length === 0) throw new Error(`${where}: the model lists no input_layers`);
  for (const r of spec.inputs) {
    checkRef(r, 'model input');
    if (classOf.get(r.layer) !== 'InputLayer') {
      throw new Error(`${where}: model input ${refStr(r)} is the output of a ${classOf.get(r.layer)} layer; model inputs must be InputLayers`);
    }
    if (inputs.has(r.layer)) throw new Error(`${where}: InputLayer "${r.layer}" is listed twice in input_layers`);
    inputs.add(r.layer);
  }
  if (spec.outputs.length === 0) throw new Error(`${where}: the model lists no output_layers`);
  for (const r of spec.outputs) checkRef(r, 'model output');

  // Kahn: a call is ready when every call it reads has run; model inputs are ready from the start.
  const nodeIndex = new Map<GraphNodeSpec, number>();
  const consumers = new Map<string, GraphNodeSpec[]>();
  const waiting = new Map<GraphNodeSpec, number>();
  const ready: GraphNodeSpec[] = [];
  const seen = new Map<string, number>();
  for (const n of spec.nodes) {
    const i = seen.get(n.layer) ?? 0;
    seen.set(n.layer, i + 1);
    nodeIndex.set(n, i);
    const deps = new Set<string>();
    for (const r of nodeInputs(n)) {
      checkRef(r, `input of call ${i} of layer "${n.layer}":`);
      if (classOf.get(r.layer) === 'InputLayer') {
        if (!inputs.has(r.layer)) {
          throw new Error(`${where}: call ${i} of layer "${n.layer}" reads InputLayer "${r.layer}", which is not a model input ` +
            '(the graph is disconnected: list it in input_layers)');
        }
        continue;
      }
      deps.add(key(r.layer, r.node));
    }
    for (const d of deps) {
      const list = consumers.get(d);
      if (list) list.push(n); else consumers.set(d, [n]);
    }
    waiting.set(n, deps.size);
    if (deps.size === 0) ready.push(n);
  }
  // FIFO: calls run in file order where the graph allows it (so messages follow the file).
  const order: GraphNodeSpec[] = [];
  for (let next = 0; next < ready.length; next++) {
    const n = ready[next];
    order.push(n);
    for (const c of consumers.get(key(n.layer, nodeIndex.get(n)!)) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  if (order.length < spec.nodes.length) {
    const stuck = spec.nodes.filter((n) => waiting.get(n)! > 0).slice(0, 6).map((n) => `"${n.layer}" call ${nodeIndex.get(n)}`);
    throw new Error(`${where}: the graph has a cycle: ${stuck.join(', ')} each wait (directly or not) for their own output`);
  }
  // Every call leads to an output: Keras and tfjs save only the calls between inputs and outputs,
  // and a model built from the spec keeps only those, so anything else would not round-trip.
  const needed = new Set(spec.outputs.map((r) => key(r.layer, r.node)));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    if (!needed.has(key(n.layer, nodeIndex.get(n)!))) {
      throw new Error(`${where}: call ${nodeIndex.get(n)} of layer "${n.layer}" does not lead to any model output ` +
        '(Keras and TensorFlow.js save only the calls between the inputs and the outputs)');
    }
    for (const r of nodeInputs(n)) needed.add(key(r.layer, r.node));
  }
  for (const l of spec.layers) {
    if (l.className === 'InputLayer' ? !inputs.has(l.name) : !calls.has(l.name)) {
      throw new Error(`${where}: ${l.className === 'InputLayer' ? `InputLayer "${l.name}" is not a model input` : `layer "${l.name}" is never called`} ` +
        '(Keras and TensorFlow.js save only the layers between the inputs and the outputs)');
    }
  }
  return order;
}
