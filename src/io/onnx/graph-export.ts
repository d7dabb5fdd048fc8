/**
 * GraphSpec (src/models/graph/spec.ts) + weights (getWeights() order: layer by layer in
 * `spec.layers` order) → an ONNX graph. The Sequential exporter is the chain special case
 * (sequential.ts builds its GraphSpec).
 *
 * Only the nodes the outputs depend on are emitted, in topological order (depth-first from
 * the outputs). A layer's ONNX initializers are made at its first emitted call and shared by
 * its other calls (shared layers keep one set of weights). Every layer class without an
 * emitter, and every call argument an emitter does not read, is an error naming the layer:
 * no silently different graph.
 */
import type { GraphLayerSpec, GraphNodeSpec, GraphSpec, TensorRef } from '../../models/graph/spec.js';
import { GraphBuilder, type Dim } from './graph.js';
import { DataType } from './schema.js';
import { WeightCursor, type LayerJSON, type WeightRecord } from './config.js';
import { LAYER_EMITTERS, layerWeightCount } from './layers.js';
import { MERGE_EMITTERS } from './merge.js';
import { attention, attentionWeightCount } from './attention.js';
import type { Emitter, LayerCall, Tensor } from './call.js';

const EMITTERS: Record<string, Emitter> = { ...LAYER_EMITTERS, ...MERGE_EMITTERS, Attention: attention };
/** Call kwargs emitters read (besides `training` and `mask`, checked here). */
const KWARGS: Record<string, string[]> = { Attention: ['use_causal_mask', 'return_attention_scores'] };

export interface SpecExportOptions {
  indexType?: 'int32' | 'int64';
  batchSize?: number;
  /** ONNX names of the graph inputs / outputs, one per spec input / output. */
  inputNames: string[];
  outputNames: string[];
  /** Mask rule of a merge layer (see LayerCall.maskRule), by layer name; undefined = not known. */
  maskRule?: (layer: string) => 'keras2' | 'keras3' | undefined;
}

function weightCount(layer: LayerJSON): number {
  return layer.class_name === 'Attention' ? attentionWeightCount(layer.config) : layerWeightCount(layer);
}

const refText = (r: TensorRef) => `['${r.layer}', ${r.node}, ${r.tensor}]`;

export function buildSpecGraph(spec: GraphSpec, weights: readonly WeightRecord[], opts: SpecExportOptions): { graph: GraphBuilder; name: string } {
  const g = new GraphBuilder();
  const indexType = opts.indexType ?? 'int32';
  if (indexType !== 'int32' && indexType !== 'int64') {
    throw new Error(`toONNX: indexType must be 'int32' or 'int64', got ${JSON.stringify(indexType)}`);
  }
  const batch: Dim = opts.batchSize ?? 'batch';

  // Layers, their weight offsets (getWeights order), and their calls.
  const layers = new Map<string, GraphLayerSpec>();
  const offsets = new Map<string, number>();
  let total = 0;
  for (const l of spec.layers) {
    if (layers.has(l.name)) throw new Error(`toONNX: the graph has two layers named '${l.name}'`);
    layers.set(l.name, l);
    if (l.className !== 'InputLayer' && !EMITTERS[l.className]) {
      throw new Error(
        `toONNX: layer '${l.name}' of class '${l.className}' is not supported ` +
          `(supported: InputLayer, ${Object.keys(EMITTERS).join(', ')})`,
      );
    }
    offsets.set(l.name, total);
    total += l.className === 'InputLayer' ? 0 : weightCount({ class_name: l.className, config: l.config });
  }
  const calls = new Map<string, GraphNodeSpec[]>();
  for (const n of spec.nodes) {
    const l = layers.get(n.layer);
    if (!l) throw new Error(`toONNX: a node calls layer '${n.layer}', which is not in the graph's layers`);
    if (l.className === 'InputLayer') continue;
    calls.set(n.layer, [...(calls.get(n.layer) ?? []), n]);
  }

  // Graph names first, so that they are exactly the requested ones.
  for (const n of [...opts.inputNames, ...opts.outputNames]) {
    if (!/^[A-Za-z0-9_./:-]+$/.test(n)) throw new Error(`toONNX: graph input/output name ${JSON.stringify(n)} must use only letters, digits and _ . / : -`);
    if (g.name(n) !== n) throw new Error(`toONNX: the graph input/output name '${n}' is used twice`);
  }

  const produced = new Map<string, Tensor[]>(); // `${layer}#${node}` → outputs
  if (opts.inputNames.length !== spec.inputs.length) throw new Error(`toONNX: internal: ${spec.inputs.length} inputs, ${opts.inputNames.length} names`);
  spec.inputs.forEach((ref, k) => {
    const l = layers.get(ref.layer);
    if (!l || l.className !== 'InputLayer' || ref.node !== 0 || ref.tensor !== 0) {
      throw new Error(`toONNX: model input ${k} ${refText(ref)} must be the output of an InputLayer`);
    }
    produced.set(`${ref.layer}#0`, [modelInput(g, l, opts.inputNames[k]!, batch, indexType, spec.inputs.length === 1)]);
  });

  const params = new Map<string, unknown>();
  const state = new Map<string, 'visiting' | 'done'>();
  const tensorOf = (ref: TensorRef, user: string): Tensor => {
    const l = layers.get(ref.layer);
    if (!l) throw new Error(`toONNX: ${user} reads tensor ${refText(ref)} of an unknown layer '${ref.layer}'`);
    const key = `${ref.layer}#${ref.node}`;
    if (l.className === 'InputLayer' && !produced.has(key)) {
      throw new Error(`toONNX: ${user} reads InputLayer '${ref.layer}', which is not one of the model's inputs`);
    }
    if (!produced.has(key)) emitNode(ref, user);
    const outs = produced.get(key)!;
    const t = outs[ref.tensor];
    if (!t) throw new Error(`toONNX: ${user} reads tensor ${refText(ref)}, but call ${ref.node} of layer '${ref.layer}' has ${outs.length} output(s)`);
    return t;
  };
  const emitNode = (ref: TensorRef, user: string): void => {
    const key = `${ref.layer}#${ref.node}`;
    const node = calls.get(ref.layer)?.[ref.node];
    if (!node) throw new Error(`toONNX: ${user} reads tensor ${refText(ref)}, but layer '${ref.layer}' has no call ${ref.node}`);
    if (state.get(key) === 'visiting') throw new Error(`toONNX: the graph has a cycle through layer '${ref.layer}' (call ${ref.node})`);
    state.set(key, 'visiting');
    const l = layers.get(ref.layer)!;
    const where = `layer '${l.name}' (call ${ref.node})`;
    const inputs = node.inputs.map((r) => tensorOf(r, where));
    const initialState = node.initialState && node.initialState.length ? node.initialState.map((r) => tensorOf(r, where)) : null;
    const kwargs = callKwargs(l, node.kwargs ?? {});
    const call: LayerCall = {
      g, name: l.name, layer: { class_name: l.className, config: l.config }, inputs, initialState, kwargs,
      maskRule: opts.maskRule?.(l.name),
      params<T>(make: (w: WeightCursor) => T): T {
        if (!params.has(l.name)) {
          const start = offsets.get(l.name)!;
          const cursor = new WeightCursor(weights, start);
          params.set(l.name, make(cursor));
          const want = weightCount({ class_name: l.className, config: l.config });
          if (cursor.position - start !== want) {
            throw new Error(`toONNX: internal: layer '${l.name}' read ${cursor.position - start} weights, expected ${want}`);
          }
        }
        return params.get(l.name) as T;
      },
    };
    produced.set(key, EMITTERS[l.className]!(call));
    state.set(key, 'done');
  };

  const outs = spec.outputs.map((ref, k) => ({ t: tensorOf(ref, `model output ${k}`), ref }));
  new WeightCursor(weights).finish(total);
  outs.forEach(({ t, ref }, k) => {
    if (t.ids) throw new Error(`toONNX: model output ${k} ${refText(ref)} is an integer input passed through; outputs must be float32`);
    const name = opts.outputNames[k]!;
    g.identityTo(t.value.name, name);
    g.addOutput(name, DataType.FLOAT, t.value.shape);
  });
  return { graph: g, name: spec.name };
}

/** Keras call arguments: `training` (inference only) and `mask` (masks travel with tensors) are checked here. */
function callKwargs(l: GraphLayerSpec, kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(kwargs)) {
    const k = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`); // useCausalMask → use_causal_mask
    if (k === 'training') {
      if (v === true) throw new Error(`toONNX: layer '${l.name}' (${l.className}) is called with training=true; an ONNX graph runs in inference mode`);
    } else if (k === 'mask') {
      if (v != null) throw new Error(`toONNX: layer '${l.name}' (${l.className}) is called with an explicit mask, which ONNX export does not support (masks from Embedding mask_zero propagate)`);
    } else if ((KWARGS[l.className] ?? []).includes(k)) {
      out[k] = v;
    } else {
      throw new Error(`toONNX: layer '${l.name}' (${l.className}): call argument '${k}' is not supported in ONNX export`);
    }
  }
  return out;
}

function modelInput(g: GraphBuilder, l: GraphLayerSpec, name: string, batch: Dim, indexType: 'int32' | 'int64', only: boolean): Tensor {
  const c = l.config;
  const declared = (c['batch_input_shape'] ?? c['batch_shape']) as (number | null)[] | undefined;
  if (!Array.isArray(declared) || declared.length < 2) {
    throw new Error(`toONNX: InputLayer '${l.name}': expected a batch_input_shape [batch, ...] of rank >= 2, got ${JSON.stringify(declared)}`);
  }
  const shape: Dim[] = declared.map((d, k) => {
    if (k === 0) return batch;
    if (typeof d === 'number') return d;
    return k === 1 && only ? 'time' : `${name}_dim${k}`;
  });
  const dtype = c['dtype'] ?? 'float32';
  if (dtype === 'int32' || dtype === 'int64') {
    const type = indexType === 'int64' ? DataType.INT64 : DataType.INT32;
    return { value: { name: g.addInput(name, type, shape), shape }, mask: null, ids: indexType };
  }
  if (dtype !== 'float32') throw new Error(`toONNX: InputLayer '${l.name}': dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  return { value: { name: g.addInput(name, DataType.FLOAT, shape), shape }, mask: null };
}

/** Default ONNX names: inputs after their InputLayer, outputs after their layer (`_1`, `_2` … when a layer gives several). */
export function defaultIoNames(spec: GraphSpec): { inputs: string[]; outputs: string[] } {
  const inputs = spec.inputs.map((r) => r.layer);
  const used = new Set(inputs);
  const outputs = spec.outputs.map((r) => {
    let n = r.layer;
    for (let k = 1; used.has(n); k++) n = `${r.layer}_${k}`;
    used.add(n);
    return n;
  });
  return { inputs, outputs };
}
