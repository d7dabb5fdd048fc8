/**
 * The static graph a model runs: nodes (calls of layers) in topological order and the tensors
 * between them, made from symbolic tensors (`new Model({ inputs, outputs })`) or from a stack of
 * layers (Sequential: the chain special case). Everything a user can get wrong about the graph
 * (a layer not connected to the inputs, a cycle, duplicate names) is refused here, by name.
 */
import type { Layer, Shape } from '../../layers/layer.js';
import { InputLayer, SymbolicTensor, type SymbolicNode, type SymbolicDType } from './symbolic.js';

/** One call of a layer in a model. */
export interface GraphNode {
  layer: Layer;
  /** Which call of `layer` this is within the model (0, 1, … for a shared layer). */
  k: number;
  /** Tensor ids: positional inputs, then initial states. */
  inputs: number[];
  nPositional: number;
  /** Tensor ids of the outputs. */
  outputs: number[];
  /** Keras `training=` of the call, if given. */
  training?: boolean;
  /** Layer-specific call options (Layer.nodeCall), if given. */
  kwargs?: Record<string, unknown>;
}

export interface GraphTensor {
  shape: Shape;
  dtype: SymbolicDType;
  /** Producing node (index into nodes), or -1 for a model input. */
  producer: number;
  /** Output index at the producer (input index for model inputs). */
  slot: number;
  /** (node, input slot) pairs reading it. */
  consumers: { node: number; slot: number }[];
}

export interface Graph {
  inputs: { layer: InputLayer; tensor: number }[];
  outputs: number[];
  /** Topological order: every node after the producers of its inputs. */
  nodes: GraphNode[];
  tensors: GraphTensor[];
  /** Every layer once, in the order of its first node (the getWeights() order). */
  layers: Layer[];
  /** Output names (losses and metrics by name, log keys): the producing layer's name, suffixed when a layer gives several outputs. */
  outputNames: string[];
}

const nameOf = (n: SymbolicNode) => n.layer.name;

/** The graph from `inputs` to `outputs`; throws naming what is wrong. */
export function graphFromSymbolic(inputs: SymbolicTensor[], outputs: SymbolicTensor[], who: string): Graph {
  inputs.forEach((t, i) => {
    if (!(t.node.layer instanceof InputLayer)) {
      throw new Error(`${who}: inputs[${i}] must be a tensor from input(), got the output of layer '${nameOf(t.node)}'`);
    }
    const j = inputs.indexOf(t);
    if (j !== i) throw new Error(`${who}: input '${t.name}' is listed twice in inputs (positions ${j} and ${i})`);
  });
  // post-order DFS from the outputs: a node comes after every node it reads from
  const order: SymbolicNode[] = [];
  const state = new Map<SymbolicNode, 'open' | 'done'>();
  const visit = (n: SymbolicNode, from: string) => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'open') throw new Error(`${who}: the graph has a cycle through layer '${nameOf(n)}'`);
    if (n.layer instanceof InputLayer) {
      if (!inputs.includes(n.outputs[0])) {
        throw new Error(`${who}: layer '${from}' is not connected to the model inputs: it reads input '${n.layer.name}', which is not in inputs ` +
          `(${inputs.map((t) => `'${t.name}'`).join(', ') || 'none'}); add it to inputs`);
      }
      state.set(n, 'done');
      return;
    }
    state.set(n, 'open');
    for (const t of n.inputs) visit(t.node, nameOf(n));
    state.set(n, 'done');
    order.push(n);
  };
  outputs.forEach((t) => visit(t.node, t.name));

  const layers: Layer[] = [];
  const names = new Map<string, object>();
  for (const t of inputs) names.set(t.node.layer.name, t.node.layer);
  for (const n of order) {
    const l = n.layer as Layer;
    if (layers.includes(l)) continue;
    const other = names.get(l.name);
    if (other && other !== l) throw new Error(`${who}: two different layers are named '${l.name}'; layer names must be unique in a model (give one a name)`);
    names.set(l.name, l);
    layers.push(l);
  }
  // a shared layer's calls are numbered in the order they were made (Keras node indices)
  const kOf = new Map<SymbolicNode, number>();
  for (const l of layers) {
    order.filter((n) => n.layer === l).sort((a, b) => a.serial - b.serial).forEach((n, k) => kOf.set(n, k));
  }

  const tensors: GraphTensor[] = [];
  const ids = new Map<SymbolicTensor, number>();
  const add = (t: SymbolicTensor, producer: number, slot: number) => {
    ids.set(t, tensors.length);
    tensors.push({ shape: t.shape.slice(), dtype: t.dtype, producer, slot, consumers: [] });
  };
  inputs.forEach((t, i) => add(t, -1, i));
  const nodes: GraphNode[] = order.map((n, i) => {
    n.outputs.forEach((t, j) => add(t, i, j));
    const node: GraphNode = { layer: n.layer as Layer, k: kOf.get(n)!, inputs: [], nPositional: n.nPositional, outputs: n.outputs.map((t) => ids.get(t)!) };
    if (n.training !== undefined) node.training = n.training;
    if (n.kwargs) node.kwargs = n.kwargs;
    return node;
  });
  order.forEach((n, i) => {
    nodes[i].inputs = n.inputs.map((t, slot) => {
      const id = ids.get(t)!;
      tensors[id].consumers.push({ node: i, slot });
      return id;
    });
  });
  const outIds = outputs.map((t) => ids.get(t)!);
  const ins = inputs.map((t) => ({ layer: t.node.layer as InputLayer, tensor: ids.get(t)! }));
  return { inputs: ins, outputs: outIds, nodes, tensors, layers, outputNames: outputNames({ tensors, nodes, inputs: ins }, outIds) };
}

/** A stack of built layers as a chain graph: input → layers[0] → … ; the outputs are every output of the last layer. */
export function chainGraph(layers: Layer[], inputShape: Shape, inputName: string): Graph {
  const input = new InputLayer(inputName, inputShape.slice(), 'float32');
  const tensors: GraphTensor[] = [{ shape: inputShape.slice(), dtype: 'float32', producer: -1, slot: 0, consumers: [] }];
  let x = 0;
  const nodes: GraphNode[] = layers.map((l, i) => {
    const shapes = [l.outputShape!, ...l.extraOutputShapes()];
    tensors[x].consumers.push({ node: i, slot: 0 });
    const outs = shapes.map((s, j) => {
      tensors.push({ shape: s.slice(), dtype: 'float32', producer: i, slot: j, consumers: [] });
      return tensors.length - 1;
    });
    const node: GraphNode = { layer: l, k: 0, inputs: [x], nPositional: 1, outputs: outs };
    x = outs[0];
    return node;
  });
  const outputs = nodes[nodes.length - 1].outputs.slice();
  const inputs = [{ layer: input, tensor: 0 }];
  return { inputs, outputs, nodes, tensors, layers: layers.slice(), outputNames: outputNames({ tensors, nodes, inputs }, outputs) };
}

function outputNames(g: Pick<Graph, 'tensors' | 'nodes' | 'inputs'>, outputs: number[]): string[] {
  const base = outputs.map((t) => {
    const p = g.tensors[t].producer;
    return p < 0 ? g.inputs[g.tensors[t].slot].layer.name : g.nodes[p].layer.name;
  });
  return base.map((n, i) => (base.indexOf(n) !== base.lastIndexOf(n) ? `${n}_${base.slice(0, i).filter((b) => b === n).length + 1}` : n));
}
