/**
 * normalizeTopology: any accepted model topology -> one canonical description.
 *
 * Accepted inputs
 * - tfjs `model.toJSON(null, false)`: Sequential, or Model (functional);
 * - Keras 2 `model.to_json()`: Sequential (optionally starting with an
 *   InputLayer with `batch_input_shape`; Keras <= 2.1 wrote `config` as the
 *   layer list itself), Model / Functional;
 * - Keras 3 `model.to_json()`: the same with `module` / `registered_name` /
 *   `build_config` fields, `batch_shape`, DTypePolicy objects, nested
 *   initializer objects, Bidirectional with `layer` and `backward_layer` objects,
 *   and the dict-style functional `inbound_nodes` with `keras_history`;
 * - the tensorflowjs converter's wrapper `{ model_config, training_config, ... }`
 *   (its model.json modelTopology).
 * Functional graphs must be one chain input -> layer -> ... (each layer
 * consuming the previous layer's output 0); the model outputs may be any
 * tensors of that chain (e.g. an LSTM's [sequence, h, c]).
 *
 * Output: { name, layers, batchInputShape, inputDtype, outputs, source } where
 * each layer is { className, name, config (canonical snake_case), weightCount,
 * weightNames (tfjs `<layer>/<weight>`), weightShapes, outputShapes }.
 * InputLayer is folded into batchInputShape (and written as the first layer's
 * `batch_input_shape`, as tfjs Sequential.toJSON does).
 */
import {
  canonicalConfig, layerShapes, SUPPORTED_LAYER_CLASSES,
  type Dim, type LayerClass, type Source,
} from './layer-configs.js';

export { SUPPORTED_LAYER_CLASSES, SUPPORTED_ACTIVATIONS } from './layer-configs.js';
export type { LayerClass, Dim } from './layer-configs.js';

export interface CanonicalLayer {
  className: LayerClass;
  name: string;
  /** Snake_case config; semantic options explicit (no nulls). Bidirectional: `layer: {class_name, config}`. */
  config: Record<string, unknown>;
  weightCount: number;
  /** tfjs weight names, e.g. 'lstm/kernel', 'bidirectional/forward_lstm/bias'. */
  weightNames: string[];
  /** Expected shapes; null where the topology does not fix a dimension. */
  weightShapes: Dim[][];
  inputShape: Dim[];
  outputShapes: Dim[][];
}

/** What weight matching needs of a layer: a chain's CanonicalLayer, or a functional graph's layer (merge classes too). */
export type WeightLayer = Pick<CanonicalLayer, 'name' | 'weightCount' | 'weightNames' | 'weightShapes'> & { className: string };
export interface WeightTopology { name: string; layers: readonly WeightLayer[] }

/** Which chain tensor is a model output: layer index in `layers`, output tensor index (0 = main, 1.. = states). */
export interface OutputRef { layer: number; tensor: number }

export interface CanonicalTopology {
  name: string;
  layers: CanonicalLayer[];
  /** Including the batch dimension; null entries are free. */
  batchInputShape: Dim[];
  inputDtype: 'float32' | 'int32';
  /** 'last' = the single output of the last layer; else the listed tensors, in order. */
  outputs: 'last' | OutputRef[];
  source: Source;
  kerasVersion?: string;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function detectSource(top: Json): Source {
  const kv = typeof top.keras_version === 'string' ? top.keras_version : '';
  if (kv.startsWith('tfjs')) return 'tfjs';
  if (kv.startsWith('3.') || 'module' in top || 'registered_name' in top) return 'keras3';
  return 'keras2';
}

/** Keras 3 DTypePolicy objects / dtype strings -> 'float32' | 'int32' (else error). */
export function readDtype(v: unknown, where: string, allowInt: boolean): 'float32' | 'int32' | undefined {
  if (v == null) return undefined;
  let name: unknown = v;
  if (isObj(v)) name = isObj(v.config) ? v.config.name : undefined;
  if (name === 'float32') return 'float32';
  if (allowInt && (name === 'int32' || name === 'int64')) return 'int32';
  throw new Error(`${where}: dtype ${JSON.stringify(v)} is not supported (layers compute in float32; ` +
    `mixed-precision policies are not supported)`);
}

export function readShape(v: unknown, where: string): Dim[] | undefined {
  if (v == null) return undefined;
  if (isObj(v) && Array.isArray(v.items)) v = v.items; // TensorShape object in TF keras metadata
  if (!Array.isArray(v) || !v.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
    throw new Error(`${where}: input shape must be a list of positive integers or null, got ${JSON.stringify(v)}`);
  }
  return v as Dim[];
}

/** Strip Keras 3 serialization wrappers from a layer entry: {module, class_name, config, registered_name, build_config}. */
export function unwrapLayer(entry: unknown, where: string): { className: string; config: Json; buildInput?: Dim[]; raw: Json } {
  if (!isObj(entry) || typeof entry.class_name !== 'string' || !isObj(entry.config)) {
    throw new Error(`${where}: expected a layer {class_name, config}, got ${JSON.stringify(entry)?.slice(0, 120)}`);
  }
  if (entry.registered_name != null && entry.registered_name !== entry.class_name &&
      !(typeof entry.registered_name === 'string' && entry.registered_name.startsWith('keras'))) {
    throw new Error(`${where}: custom registered layer "${String(entry.registered_name)}" is not supported`);
  }
  // A multi-input layer (merge) builds on a list of shapes; only a single shape says the input of a chain.
  const built = isObj(entry.build_config) ? entry.build_config.input_shape : undefined;
  const build = Array.isArray(built) && built.some(Array.isArray) ? undefined : readShape(built, where);
  return { className: entry.class_name, config: entry.config, buildInput: build, raw: entry };
}

function checkClass(className: string, where: string): asserts className is (typeof SUPPORTED_LAYER_CLASSES)[number] {
  if (!(SUPPORTED_LAYER_CLASSES as readonly string[]).includes(className)) {
    throw new Error(`${where}: unknown layer class "${className}"; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
}

interface RawLayer { className: string; config: Json; buildInput?: Dim[]; name: string; raw: Json }

/** Bidirectional: canonical inner layer from `layer` (+ optional Keras 3 `backward_layer`). */
function bidirectionalInner(config: Json, where: string, source: Source): Json {
  const inner = unwrapLayer(config.layer, `${where} option "layer"`);
  if (!['LSTM', 'GRU', 'SimpleRNN'].includes(inner.className)) {
    throw new Error(`${where}: wraps a "${inner.className}"; Bidirectional supports LSTM, GRU and SimpleRNN`);
  }
  const innerClass = inner.className as 'LSTM' | 'GRU' | 'SimpleRNN';
  const innerName = String(inner.config.name ?? innerClass.toLowerCase()).replace(/^forward_/, '');
  const innerWhere = `${where} inner layer "${innerName}" (${innerClass})`;
  const ctx = { where: innerWhere, source, className: innerClass };
  const fwd = canonicalConfig(innerClass, { ...inner.config, dtype: undefined }, ctx);
  readDtype(inner.config.dtype, innerWhere, false);
  if (fwd.go_backwards) throw new Error(`${innerWhere}: go_backwards=true inside Bidirectional is not supported`);
  fwd.name = innerName;
  if (config.backward_layer != null) {
    // Keras 3 always writes the backward copy; accept it only when it is the automatic one.
    const back = unwrapLayer(config.backward_layer, `${where} option "backward_layer"`);
    const bctx = { ...ctx, where: `${where} backward_layer` };
    const bwd = back.className === innerClass ? canonicalConfig(innerClass, { ...back.config, dtype: undefined }, bctx) : null;
    const same = bwd != null && bwd.go_backwards === true &&
      Object.keys(fwd).every((k) => k === 'name' || k === 'go_backwards' || k.endsWith('_initializer') ||
        JSON.stringify(fwd[k]) === JSON.stringify(bwd[k]));
    if (!same) {
      throw new Error(`${where}: a custom backward_layer that is not the go_backwards copy of "layer" is not supported`);
    }
  }
  return { class_name: innerClass, config: fwd };
}

/** TimeDistributed: canonical inner Dense (the only wrapped class supported). */
function timeDistributedInner(config: Json, where: string, source: Source): Json {
  const inner = unwrapLayer(config.layer, `${where} option "layer"`);
  if (inner.className !== 'Dense') throw new Error(`${where}: wraps a "${inner.className}"; TimeDistributed supports Dense`);
  const innerWhere = `${where} inner layer "${String(inner.config.name ?? 'dense')}" (Dense)`;
  readDtype(inner.config.dtype, innerWhere, false);
  const cfg = canonicalConfig('Dense', { ...inner.config, dtype: undefined }, { where: innerWhere, source, className: 'Dense' });
  return { class_name: 'Dense', config: cfg };
}

/** Read a Keras 2/tfjs or Keras 3 inbound node list -> list of [layerName, tensorIndex]. */
function inboundTensors(raw: Json, where: string): [string, number][][] {
  const nodes = raw.inbound_nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    if (Array.isArray(node)) { // Keras 2 / tfjs: [[name, nodeIndex, tensorIndex, kwargs], ...]
      return node.map((t) => {
        if (!Array.isArray(t)) throw new Error(`${where}: malformed inbound node ${JSON.stringify(node)}`);
        if (isObj(t[3]) && Object.keys(t[3]).some((k) => k !== 'training' && k !== 'mask' && t[3][k] != null)) {
          throw new Error(`${where}: call arguments ${JSON.stringify(t[3])} are not supported (e.g. initial_state)`);
        }
        return [String(t[0]), Number(t[2])] as [string, number];
      });
    }
    if (isObj(node)) { // Keras 3: {args: [keras tensor...], kwargs: {...}}
      const kwargs = isObj(node.kwargs) ? node.kwargs : {};
      for (const [k, v] of Object.entries(kwargs)) {
        if (v != null && k !== 'training' && k !== 'mask') {
          throw new Error(`${where}: call argument "${k}" is not supported (only a single input tensor per layer)`);
        }
      }
      const args = Array.isArray(node.args) ? node.args : [];
      const tensors = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
      return tensors.map((a) => {
        const h = isObj(a) && isObj(a.config) ? a.config.keras_history : undefined;
        if (!Array.isArray(h)) throw new Error(`${where}: inbound argument is not a Keras tensor: ${JSON.stringify(a)?.slice(0, 100)}`);
        return [String(h[0]), Number(h[2])] as [string, number];
      });
    }
    throw new Error(`${where}: malformed inbound node ${JSON.stringify(node)}`);
  });
}

function refList(v: unknown): [string, number][] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [[String(v[0]), Number(v[2])]]; // Keras 3 single output: ["dense", 0, 0]
  return v.map((r) => [String((r as unknown[])[0]), Number((r as unknown[])[2])]);
}

/** Order a functional model's layers as a chain; returns raw layers (InputLayer first) and output refs. */
function functionalChain(config: Json, where: string): { layers: RawLayer[]; outputs: [string, number][] } {
  const entries = (Array.isArray(config.layers) ? config.layers : []).map((e, i) => {
    const u = unwrapLayer(e, `${where} layers[${i}]`);
    const name = String((isObj(e) && e.name) || u.config.name);
    return { ...u, name };
  });
  const byName = new Map(entries.map((e) => [e.name, e]));
  const inputs = refList(config.input_layers);
  if (inputs.length !== 1) throw new Error(`${where}: functional models must have exactly one input, found ${inputs.length}`);
  const consumers = new Map<string, RawLayer>();
  for (const e of entries) {
    const nodes = inboundTensors(e.raw, `${where} layer "${e.name}"`);
    if (e.className === 'InputLayer') continue;
    if (nodes.length !== 1 || nodes[0].length !== 1) {
      throw new Error(`${where}: layer "${e.name}" is called ${nodes.length} time(s) with ${nodes[0]?.length ?? 0} input(s); ` +
        'only single-chain functional models (each layer called once on one tensor) are supported');
    }
    const [src, tensor] = nodes[0][0];
    if (tensor !== 0) throw new Error(`${where}: layer "${e.name}" consumes output ${tensor} of "${src}"; only output 0 can feed the next layer`);
    if (consumers.has(src)) throw new Error(`${where}: "${src}" feeds several layers; only single-chain models are supported`);
    consumers.set(src, e);
  }
  const chain: RawLayer[] = [];
  let cur = byName.get(inputs[0][0]);
  if (cur == null) throw new Error(`${where}: input layer "${inputs[0][0]}" is not in the layer list`);
  while (cur != null) {
    chain.push(cur);
    cur = consumers.get(cur.name);
  }
  if (chain.length !== entries.length) {
    const off = entries.filter((e) => !chain.includes(e)).map((e) => e.name);
    throw new Error(`${where}: layers ${off.join(', ')} are not on the chain from the input; only single-chain models are supported`);
  }
  return { layers: chain, outputs: refList(config.output_layers) };
}

/**
 * One layer entry's canonical config (class checked, dtype checked, options through
 * canonicalConfig, wrapped layers read); shared by the chain reader below and the functional
 * reader (src/io/functional/read.ts). batch_input_shape on a layer is accepted and dropped
 * later, as Keras and tfjs do.
 */
export function canonicalLayerConfig(r: { className: string; config: Json; name: string }, source: Source, lw: string): { className: LayerClass; config: Json } {
  checkClass(r.className, lw);
  if (r.className === 'InputLayer') throw new Error(`${lw}: an InputLayer cannot be called on a tensor`);
  const className = r.className;
  readDtype(r.config.dtype, lw, className === 'Embedding');
  const cfg = canonicalConfig(className, { ...r.config }, { where: lw, source, className });
  cfg.name = r.name;
  if (className === 'Bidirectional') cfg.layer = bidirectionalInner(r.config, lw, source);
  if (className === 'TimeDistributed') cfg.layer = timeDistributedInner(r.config, lw, source);
  return { className, config: cfg };
}

/** An InputLayer's options: its shape (with the batch dimension) and dtype, either possibly unstated. */
export function readInputLayer(config: Json, w: string): { batchInputShape?: Dim[]; inputDtype?: 'float32' | 'int32' } {
  for (const key of Object.keys(config)) {
    if (!['batch_input_shape', 'batch_shape', 'shape', 'dtype', 'sparse', 'ragged', 'name', 'optional', 'input_tensor'].includes(key)) {
      throw new Error(`${w}: unknown option "${key}"`);
    }
  }
  if (config.sparse || config.ragged || config.optional) throw new Error(`${w}: sparse/ragged/optional inputs are not supported`);
  const batchInputShape = readShape(config.batch_input_shape ?? config.batch_shape, w) ??
    (config.shape != null ? [null, ...readShape(config.shape, w)!] : undefined);
  return { batchInputShape, inputDtype: readDtype(config.dtype, w, true) };
}

/** A topology's root, unwrapped: what both the chain reader and the functional reader start from. */
export interface TopologyRoot { top: Json; source: Source; modelClass: string; config: Json; modelName: string; where: string }

/** Unwrap a model.json / the converter's `{model_config}` wrapper / JSON text down to `{class_name, config}`. */
export function topologyRoot(topology: unknown): TopologyRoot {
  let top = topology;
  if (typeof top === 'string') {
    try { top = JSON.parse(top); } catch { throw new Error('normalizeTopology: the string given is not JSON'); }
  }
  if (isObj(top) && isObj(top.modelTopology)) top = top.modelTopology; // a whole model.json
  if (isObj(top) && isObj(top.model_config)) top = { keras_version: top.keras_version, ...top.model_config };
  if (!isObj(top) || typeof top.class_name !== 'string' || top.config == null) {
    throw new Error('normalizeTopology: not a Keras/TensorFlow.js model topology: expected {class_name: "Sequential" | ' +
      `"Model" | "Functional", config: {...}}, got ${JSON.stringify(top)?.slice(0, 120)}`);
  }
  const modelClass = top.class_name;
  // Keras <= 2.1 Sequential: config is the layer list.
  const config: Json = Array.isArray(top.config) ? { layers: top.config } : (top.config as Json);
  const modelName = String(config.name ?? (modelClass === 'Sequential' ? 'sequential' : 'model'));
  return { top, source: detectSource(top), modelClass, config, modelName, where: `model "${modelName}"` };
}

/**
 * Normalize a tfjs / Keras 2 / Keras 3 topology (or a model.json, or the
 * converter's `{model_config}` wrapper) into a CanonicalTopology. Throws an
 * Error naming the layer and option for anything unsupported.
 */
export function normalizeTopology(topology: unknown): CanonicalTopology {
  const { top, source, modelClass, config, modelName, where } = topologyRoot(topology);

  let raw: RawLayer[];
  let outputRefs: [string, number][] | null = null;
  if (modelClass === 'Sequential') {
    if (!Array.isArray(config.layers)) throw new Error(`${where}: Sequential config has no "layers" list`);
    raw = config.layers.map((e, i) => {
      const u = unwrapLayer(e, `${where} layers[${i}]`);
      return { ...u, name: String(u.config.name ?? `layer_${i}`) };
    });
  } else if (modelClass === 'Model' || modelClass === 'Functional') {
    const chain = functionalChain(config, where);
    raw = chain.layers;
    outputRefs = chain.outputs;
  } else {
    throw new Error(`${where}: model class "${modelClass}" is not supported; expected Sequential, Model or Functional`);
  }

  // Input shape: InputLayer, else the first layer's shape options, else Keras 3 build shapes.
  let batchInputShape: Dim[] | undefined;
  let inputDtype: 'float32' | 'int32' | undefined;
  if (raw.length > 0 && raw[0].className === 'InputLayer') {
    const il = raw.shift()!;
    ({ batchInputShape, inputDtype } = readInputLayer(il.config, `${where} InputLayer "${il.name}"`));
  }
  if (raw.length === 0) throw new Error(`${where}: the model has no layers`);
  const first = raw[0];
  const fw = `${where} layer "${first.name}"`;
  batchInputShape ??= readShape(first.config.batch_input_shape ?? first.config.batch_shape, fw);
  if (batchInputShape == null && first.config.input_shape != null) batchInputShape = [null, ...readShape(first.config.input_shape, fw)!];
  if (batchInputShape == null && first.className === 'Embedding' && Number.isInteger(first.config.input_length)) {
    batchInputShape = [null, first.config.input_length as number];
  }
  batchInputShape ??= first.buildInput ?? readShape(config.build_input_shape, where);
  if (batchInputShape == null) {
    // Unknown until weights are seen: rank from the first layer's kind.
    batchInputShape = first.className === 'Embedding' ? [null, null] : first.className === 'Dense' ? [null, null] : [null, null, null];
  }
  inputDtype ??= first.className === 'Embedding' ? 'int32' : readDtype(first.config.dtype, fw, true) ?? 'float32';

  const layers: CanonicalLayer[] = [];
  let shape = batchInputShape;
  for (const [i, r] of raw.entries()) {
    const lw = `${where} layer "${r.name}" (${r.className})`;
    if (r.className === 'InputLayer') throw new Error(`${lw}: an InputLayer may only come first`);
    const { className, config: cfg } = canonicalLayerConfig(r, source, lw);
    if (i === 0) cfg.batch_input_shape = batchInputShape;
    const s = layerShapes(className, cfg, shape, lw);
    layers.push({
      className, name: r.name, config: cfg, weightCount: s.weightNames.length,
      weightNames: s.weightNames.map((n) => `${r.name}/${n}`), weightShapes: s.weightShapes,
      inputShape: shape, outputShapes: s.outputShapes,
    });
    shape = s.outputShapes[0];
  }

  // Outputs.
  let outputs: CanonicalTopology['outputs'] = 'last';
  if (outputRefs != null) {
    const refs = outputRefs.map(([name, tensor]) => {
      const li = layers.findIndex((l) => l.name === name);
      if (li < 0) throw new Error(`${where}: output "${name}" is not a layer of the chain (an InputLayer cannot be an output)`);
      if (!(tensor >= 0 && tensor < layers[li].outputShapes.length)) {
        throw new Error(`${where}: output ${tensor} of layer "${name}" does not exist (it has ${layers[li].outputShapes.length})`);
      }
      return { layer: li, tensor };
    });
    if (refs.length === 0) throw new Error(`${where}: functional model lists no output_layers`);
    const single = refs.length === 1 && refs[0].layer === layers.length - 1 && refs[0].tensor === 0;
    if (!single) outputs = refs;
  } else {
    const last = layers[layers.length - 1];
    if (last.outputShapes.length > 1) {
      outputs = last.outputShapes.map((_, t) => ({ layer: layers.length - 1, tensor: t }));
    }
  }
  for (const l of layers.slice(0, -1)) {
    if (l.outputShapes.length > 1 && outputs === 'last') {
      throw new Error(`${where}: layer "${l.name}" has return_state=true inside a Sequential chain; its states would be dropped`);
    }
  }

  const result: CanonicalTopology = { name: modelName, layers, batchInputShape, inputDtype, outputs, source };
  if (typeof top.keras_version === 'string') result.kerasVersion = top.keras_version;
  return result;
}
