/**
 * readFunctional: a functional topology (tfjs `Model`, Keras 2 `Model`/`Functional`, Keras 3
 * `Functional`; through topologyRoot also the converter's `{model_config}` wrapper and a
 * whole model.json) -> GraphSpec, plus what weight matching needs per layer.
 *
 * Call nodes (`inbound_nodes`) come in two styles:
 *   list  (tfjs, Keras 2; keras/src/models/functional.py deserialize_node "Legacy case"):
 *         `[[layer, node, tensor, kwargs], …]` per call. A recurrent layer called with
 *         `initial_state` lists them after its input (tfjs RNN.apply and Keras 2 RNN.__call__
 *         append them to the positional inputs): `[x, h, c]`; Bidirectional forward then backward.
 *   dict  (Keras 3; functional.py serialize_node): `{args: [x | [x, y, …]], kwargs: {…}}`, every
 *         tensor a `{class_name: "__keras_tensor__", config: {keras_history: [layer, node, tensor]}}`,
 *         `initial_state` / `mask` / `training` in kwargs.
 * Call arguments other than initial_state, mask (none given: masks propagate as in Keras) and
 * training (kept for the engine), and Attention's use_causal_mask / return_attention_scores,
 * are refused by name. Layer configs go through the same per-class reading as chains
 * (canonicalLayerConfig, src/keras/config.ts), in the dialect of the writer.
 * References and order are checked by src/io/validate/graph.ts; shapes are then inferred call
 * by call, which checks every tensor index, initial-state count and size, and that a shared
 * layer's calls agree on its weight shapes.
 */
import {
  canonicalConfig, layerShapes, mergeShapes, MERGE_LAYER_CLASSES,
  type Dim, type LayerClass, type LayerShapes, type MergeClass, type Source,
} from '../../keras/config.js';
import type { GraphLayerSpec, GraphNodeSpec, GraphSpec, TensorRef } from '../../models/graph/spec.js';
import { canonicalLayerConfig, readDtype, readInputLayer, unwrapLayer, type TopologyRoot, type WeightLayer } from '../topology.js';
import { checkGraph } from '../validate/graph.js';
import { checkRef } from '../validate/topology.js';
import { MAX_GRAPH_LAYERS } from '../validate/limits.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Json, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** A layer of the graph as weight matching sees it (InputLayers excluded), with each call's output shapes. */
export interface FunctionalLayer extends WeightLayer {
  config: Json;
  /** Per call: its output shapes ([0] main, then states / attention scores). */
  nodeOutputs: Dim[][][];
}

export interface FunctionalTopology {
  name: string;
  spec: GraphSpec;
  /** Layers with their weights, in spec order, InputLayers excluded: what matchWeights / the Keras readers read. */
  layers: FunctionalLayer[];
  source: Source;
  kerasVersion?: string;
}

const RECURRENT = ['LSTM', 'GRU', 'SimpleRNN'];
const isMerge = (c: string): c is MergeClass => (MERGE_LAYER_CLASSES as readonly string[]).includes(c);

function readRef(v: unknown, at: string): TensorRef {
  checkRef(v, at, true);
  const r = v as [string, number, number];
  return { layer: r[0], node: r[1], tensor: r[2] };
}

/** A Keras 3 serialized KerasTensor -> its reference. */
function kerasTensor(v: unknown, at: string): TensorRef {
  const cfg = isObj(v) ? own(v, 'config') : undefined;
  const h = isObj(cfg) ? own(cfg, 'keras_history') : undefined;
  if (!isObj(v) || (own(v, 'class_name') !== undefined && own(v, 'class_name') !== '__keras_tensor__') || h === undefined) {
    throw new Error(`${at}: expected a Keras tensor {class_name: "__keras_tensor__", config: {keras_history: [layer, node, tensor]}}, ` +
      `found ${JSON.stringify(v)?.slice(0, 100)}`);
  }
  return readRef(h, `${at}.config.keras_history`);
}

/** Flatten nested lists of Keras 3 tensors (Keras `tree.flatten`) in order. */
function kerasTensors(v: unknown, at: string): TensorRef[] {
  if (!Array.isArray(v)) return [kerasTensor(v, at)];
  return v.flatMap((x, i) => kerasTensors(x, `${at}[${i}]`));
}

const noMask = (v: unknown): boolean => v == null || (Array.isArray(v) && v.every(noMask));

/**
 * Call arguments -> GraphNodeSpec fields. `tensors` reads a tensor (or list) in this style.
 * initial_state / mask / training are known to every layer; Attention also takes its two flags.
 */
function readKwargs(kw: Json, cls: string, at: string, tensors: (v: unknown, at: string) => TensorRef[], node: GraphNodeSpec): void {
  for (const k of Object.keys(kw)) {
    const v = kw[k];
    if (v === undefined) continue; // absent, as JSON.stringify treats it (objects built in code)
    if (k === 'initial_state') {
      if (v == null) continue;
      if (!RECURRENT.includes(cls) && cls !== 'Bidirectional') throw new Error(`${at}: call argument "initial_state" is given to a ${cls} layer; only LSTM, GRU, SimpleRNN and Bidirectional take one`);
      node.initialState = [...(node.initialState ?? []), ...tensors(v, `${at}.initial_state`)];
    } else if (k === 'mask') {
      // Keras records only explicit masks; implicit ones (Embedding mask_zero, Masking) propagate through the graph.
      if (!noMask(v)) throw new Error(`${at}: call argument "mask" is an explicit mask tensor; only masks that propagate from Embedding(mask_zero) / Masking are supported`);
    } else if (k === 'training') {
      if (v == null) continue;
      if (typeof v !== 'boolean') throw new Error(`${at}: call argument "training" must be true, false or null, got ${JSON.stringify(v)}`);
      node.kwargs = { ...node.kwargs, training: v };
    } else if (cls === 'Attention' && (k === 'use_causal_mask' || k === 'return_attention_scores')) {
      if (v == null || v === false) continue;
      if (v !== true) throw new Error(`${at}: call argument "${k}" must be true or false, got ${JSON.stringify(v)}`);
      node.kwargs = { ...node.kwargs, [k]: true };
    } else {
      throw new Error(`${at}: call argument "${k}" = ${JSON.stringify(v)?.slice(0, 60)} is not supported ` +
        `(known: initial_state, mask, training${cls === 'Attention' ? ', use_causal_mask, return_attention_scores' : ''})`);
    }
  }
}

/** One entry of a layer's inbound_nodes -> a call. */
function readNode(raw: unknown, name: string, cls: string, at: string): GraphNodeSpec {
  const node: GraphNodeSpec = { layer: name, inputs: [] };
  if (Array.isArray(raw)) {
    const refs = raw.map((t, j) => readRef(t, `${at}[${j}]`));
    // Keras reads one kwargs per call (the last entry's); tfjs writes it on every entry. They must agree.
    const kws = raw.map((t) => (Array.isArray(t) && t.length === 4 ? t[3] as Json : {}));
    const kw = kws[kws.length - 1] ?? {};
    if (kws.some((k) => JSON.stringify(k) !== JSON.stringify(kw))) throw new Error(`${at}: the entries of one call carry different kwargs`);
    const legacyTensors = (v: unknown, p: string): TensorRef[] => {
      if (Array.isArray(v) && typeof v[0] === 'string') return [readRef(v, p)];
      if (!Array.isArray(v)) throw new Error(`${p}: expected tensor references [layer, node, tensor], found ${JSON.stringify(v)?.slice(0, 60)}`);
      return v.map((x, i) => readRef(x, `${p}[${i}]`));
    };
    readKwargs(kw, cls, at, legacyTensors, node);
    const takesState = RECURRENT.includes(cls) || cls === 'Bidirectional';
    node.inputs = takesState ? refs.slice(0, 1) : refs;
    if (takesState && refs.length > 1) node.initialState = [...refs.slice(1), ...(node.initialState ?? [])];
    return node;
  }
  if (isObj(raw)) {
    for (const k of Object.keys(raw)) if (k !== 'args' && k !== 'kwargs') throw new Error(`${at}: unknown field "${k}" in a call node (expected args, kwargs)`);
    const args = own(raw, 'args') ?? [];
    const kwargs = own(raw, 'kwargs') ?? {};
    if (!Array.isArray(args) || args.length !== 1) {
      throw new Error(`${at}.args: expected one positional argument (a tensor or a list of tensors), found ${JSON.stringify(args)?.slice(0, 80)}`);
    }
    if (!isObj(kwargs)) throw new Error(`${at}.kwargs: expected an object, found ${JSON.stringify(kwargs)?.slice(0, 60)}`);
    node.inputs = kerasTensors(args[0], `${at}.args[0]`);
    readKwargs(kwargs, cls, `${at}.kwargs`, kerasTensors, node);
    return node;
  }
  throw new Error(`${at}: expected a call node (a list of tensor references, or {args, kwargs}), found ${JSON.stringify(raw)?.slice(0, 60)}`);
}

/** input_layers / output_layers: one reference (Keras 3, a single tensor) or a list of them. */
function readRefList(v: unknown, at: string): TensorRef[] {
  if (isObj(v)) throw new Error(`${at}: a dict of named tensors is not supported; expected a list of [layer, node, tensor]`);
  if (!Array.isArray(v)) throw new Error(`${at}: expected a list of tensor references, found ${JSON.stringify(v)?.slice(0, 60)}`);
  if (typeof v[0] === 'string') return [readRef(v, at)];
  return v.map((r, i) => readRef(r, `${at}[${i}]`));
}

/** One layer entry -> its canonical spec and raw inbound nodes. */
function readLayer(entry: unknown, i: number, where: string, source: Source): { layer: GraphLayerSpec; nodes: unknown[] } {
  const u = unwrapLayer(entry, `${where} layers[${i}]`);
  const outer = isObj(entry) ? own(entry, 'name') : undefined;
  const inner = own(u.config, 'name');
  const name = outer ?? inner;
  if (typeof name !== 'string' || name.length === 0) throw new Error(`${where} layers[${i}]: the layer has no name`);
  if (inner !== undefined && inner !== name) throw new Error(`${where} layers[${i}]: names "${name}" and config.name "${String(inner)}" differ`);
  const rawNodes = isObj(entry) ? own(entry, 'inbound_nodes') ?? [] : [];
  if (!Array.isArray(rawNodes)) throw new Error(`${where} layer "${name}": inbound_nodes must be a list`);
  const lw = `${where} layer "${name}" (${u.className})`;
  if (u.className === 'InputLayer') {
    const { batchInputShape, inputDtype } = readInputLayer(u.config, lw);
    if (batchInputShape == null) throw new Error(`${lw}: no input shape (batch_input_shape, batch_shape or shape)`);
    if (rawNodes.length > 0) throw new Error(`${lw}: an InputLayer has no inbound calls, found ${rawNodes.length}`);
    return { layer: { className: 'InputLayer', name, config: { batch_input_shape: batchInputShape, dtype: inputDtype ?? 'float32', sparse: false, name } }, nodes: [] };
  }
  return { layer: canonicalGraphLayer(u.className, u.config, name, source, lw), nodes: rawNodes };
}

/**
 * A (non-input) layer of a graph with its canonical config, merge layers included: what files are
 * read into and what a built model describes itself as (graph/spec-io.ts), through one path.
 */
export function canonicalGraphLayer(cls: string, raw: Json, name: string, source: Source, lw: string): GraphLayerSpec {
  if (isMerge(cls)) {
    readDtype(raw.dtype, lw, false);
    const config = canonicalConfig(cls, { ...raw }, { where: lw, source, className: cls });
    config.name = name;
    return { className: cls, name, config };
  }
  const { className, config } = canonicalLayerConfig({ className: cls, config: raw, name }, source, lw);
  delete config.batch_input_shape; // shapes come from the InputLayers in a graph
  return { className, name, config };
}

const STATES: Record<string, number> = { LSTM: 2, GRU: 1, SimpleRNN: 1 };

/** Shapes of one call; checks inputs count, initial states (count and size). */
function callShapes(l: GraphLayerSpec, node: GraphNodeSpec, ins: Dim[][], states: Dim[][], where: string): LayerShapes {
  const cls = l.className;
  if (isMerge(cls)) return mergeShapes(cls, l.config, ins, where, node.kwargs?.return_attention_scores === true);
  if (ins.length !== 1) throw new Error(`${where}: a ${cls} layer takes one input tensor, got ${ins.length}`);
  const s = layerShapes(cls as LayerClass, l.config, ins[0], where);
  if (states.length > 0) {
    const rnn = cls === 'Bidirectional' ? (l.config.layer as { class_name: string; config: Json }) : { class_name: cls, config: l.config };
    const want = STATES[rnn.class_name] * (cls === 'Bidirectional' ? 2 : 1);
    if (states.length !== want) {
      throw new Error(`${where}: initial_state has ${states.length} tensor(s); a ${cls === 'Bidirectional' ? `Bidirectional(${rnn.class_name})` : cls} ` +
        `needs ${want}${cls === 'Bidirectional' ? ' (forward states, then backward states)' : rnn.class_name === 'LSTM' ? ' ([h, c])' : ' ([h])'}`);
    }
    const units = rnn.config.units as number;
    states.forEach((st, k) => {
      if (st.length !== 2 || (st[1] != null && st[1] !== units) || (st[0] != null && ins[0][0] != null && st[0] !== ins[0][0])) {
        throw new Error(`${where}: initial_state[${k}] has shape [${st.map((d) => d ?? '?')}], expected [batch, ${units}]`);
      }
    });
  }
  return s;
}

const shapeText = (s: Dim[]): string => `[${s.map((d) => d ?? '?')}]`;

/** Read a Model / Functional topology root into a GraphSpec (validated) and its weight layout. */
export function readFunctional(root: TopologyRoot): FunctionalTopology {
  const { config, source, modelName, where, top } = root;
  if (!Array.isArray(config.layers)) throw new Error(`${where}: a functional config needs a "layers" list`);
  if (config.layers.length > MAX_GRAPH_LAYERS) throw new Error(`${where}: ${config.layers.length} layers; at most ${MAX_GRAPH_LAYERS} are supported`);
  const read = config.layers.map((e, i) => readLayer(e, i, where, source));
  const layers = read.map((r) => r.layer);
  const nodes = read.flatMap((r) => r.nodes.map((n, j) => readNode(n, r.layer.name, r.layer.className, `${where} layer "${r.layer.name}" inbound_nodes[${j}]`)));
  const spec: GraphSpec = {
    name: modelName, layers, nodes,
    inputs: readRefList(own(config, 'input_layers'), `${where} input_layers`),
    outputs: readRefList(own(config, 'output_layers'), `${where} output_layers`),
  };
  const order = checkGraph(spec, where);

  // Shapes call by call in dependency order; each reference's tensor index is checked here.
  const byName = new Map(layers.map((l) => [l.name, l]));
  const outShapes = new Map<string, Dim[][]>();
  const callNo = new Map<GraphNodeSpec, number>();
  const counts = new Map<string, number>();
  for (const n of nodes) { callNo.set(n, counts.get(n.layer) ?? 0); counts.set(n.layer, (counts.get(n.layer) ?? 0) + 1); }
  for (const l of layers) if (l.className === 'InputLayer') outShapes.set(`${l.name}\n0`, [l.config.batch_input_shape as Dim[]]);
  const shapeOf = (r: TensorRef, what: string): Dim[] => {
    const outs = outShapes.get(`${r.layer}\n${r.node}`)!;
    if (!(r.tensor < outs.length)) {
      throw new Error(`${where}: ${what} ["${r.layer}", ${r.node}, ${r.tensor}] names output ${r.tensor} of layer "${r.layer}", which has ${outs.length} output(s)` +
        (outs.length === 1 && RECURRENT.includes(byName.get(r.layer)!.className) ? ' (states are outputs only with return_state: true)' : ''));
    }
    return outs[r.tensor];
  };
  const weights = new Map<string, LayerShapes>();
  for (const n of order) {
    const l = byName.get(n.layer)!;
    const k = callNo.get(n)!;
    const cw = `${where} layer "${l.name}" (${l.className}) call ${k}`;
    const ins = n.inputs.map((r) => shapeOf(r, `input of ${cw}:`));
    const states = (n.initialState ?? []).map((r) => shapeOf(r, `initial_state of ${cw}:`));
    const s = callShapes(l, n, ins, states, cw);
    const first = weights.get(l.name);
    if (first == null) weights.set(l.name, s);
    else {
      // A shared layer has one set of weights: every call must fit it (the first known size wins).
      const merged = first.weightShapes.map((ws, i) => ws.map((d, j) => {
        const e = s.weightShapes[i]?.[j];
        if (d != null && e != null && d !== e) {
          throw new Error(`${cw}: this shared layer's weight ${first.weightNames[i]} would be ${shapeText(s.weightShapes[i])} for this call ` +
            `but ${shapeText(ws)} for an earlier one (a shared layer is called on inputs of one feature size)`);
        }
        return d ?? e ?? null;
      }));
      weights.set(l.name, { ...first, weightShapes: merged });
    }
    outShapes.set(`${l.name}\n${k}`, s.outputShapes);
  }
  for (const r of spec.outputs) shapeOf(r, 'model output');

  const out: FunctionalLayer[] = layers.filter((l) => l.className !== 'InputLayer').map((l) => {
    const w = weights.get(l.name) ?? { weightNames: [], weightShapes: [], outputShapes: [] };
    return {
      className: l.className, name: l.name, config: l.config, weightCount: w.weightNames.length,
      weightNames: w.weightNames.map((x) => `${l.name}/${x}`), weightShapes: w.weightShapes,
      nodeOutputs: Array.from({ length: counts.get(l.name) ?? 0 }, (_, k) => outShapes.get(`${l.name}\n${k}`) ?? []),
    };
  });
  const result: FunctionalTopology = { name: modelName, spec, layers: out, source };
  if (typeof top.keras_version === 'string') result.kerasVersion = top.keras_version;
  return result;
}

/**
 * Is the graph one chain, the form the Sequential reader (normalizeTopology) loads as today:
 * one input, every other layer called once on output 0 of the layer before it, nothing else
 * (no initial states, merges, call arguments, shared or branching tensors).
 */
export function isChain(spec: GraphSpec): boolean {
  if (spec.inputs.length !== 1) return false;
  const fed = new Set<string>();
  for (const n of spec.nodes) {
    if (n.inputs.length !== 1 || (n.initialState?.length ?? 0) > 0 || Object.keys(n.kwargs ?? {}).length > 0) return false;
    if (n.inputs[0].tensor !== 0 || n.inputs[0].node !== 0 || fed.has(n.inputs[0].layer)) return false;
    fed.add(n.inputs[0].layer);
  }
  const layers = spec.layers.filter((l) => l.className !== 'InputLayer');
  if (spec.layers.length - layers.length !== 1 || layers.some((l) => isMerge(l.className))) return false;
  const called = new Set(spec.nodes.map((n) => n.layer));
  if (spec.nodes.length !== layers.length || called.size !== layers.length) return false;
  // One path (the graph is connected and acyclic, each tensor feeds at most one call): its end
  // is the one layer that feeds nothing, and the model outputs are that layer's outputs in order.
  const ends = layers.filter((l) => !fed.has(l.name));
  return ends.length === 1 && spec.outputs.every((o, i) => o.layer === ends[0].name && o.node === 0 && o.tensor === i);
}
