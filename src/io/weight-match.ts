/**
 * matchWeights: decoded manifest weights -> the canonical topology's weights, in
 * getWeights() order, renamed to tfjs names (`lstm/kernel`, ...). BY NAME, as
 * TensorFlow.js and Keras do: position inside a layer means nothing (a manifest
 * listing recurrent_kernel before kernel loads them into the right slots).
 *
 * Name rules (every writer this package reads):
 *   [scope/]<layer>/[<dir>_<inner>/][<cell>/]<slot>[:N]
 *   scope  an optional model-name scope (Keras 3 via the converter: `sequential/...`)
 *   layer  a layer name of the topology
 *   dir    Bidirectional only: `forward_*` or `backward_*` (Keras 2 writes `forward_lstm_1`)
 *   cell   an optional RNN cell scope (`lstm_cell`, `gru_cell_3`, `cell`; Keras 2/3 via the converter)
 *   slot   kernel | recurrent_kernel | bias | embeddings
 *   :N     a TensorFlow variable suffix (`kernel:0`, h5 weight_names)
 * A name that matches no slot, two names for one slot, a slot nobody fills, a wrong shape
 * or dtype: each is an Error naming the weights and the layer. Optimizer slots
 * (group 'optimizer') are not model weights and are skipped.
 *
 * matchWeightsByPosition is for formats that store no usable names: there, every
 * shape must agree with the topology.
 */
import type { DecodedWeight, NamedWeight } from './weights.js';
import type { WeightLayer, WeightTopology } from './topology.js';
import type { Dim } from './layer-configs.js';

interface Slot { layer: WeightLayer; name: string; shape: Dim[] }

const CELL = /(^|_)cell(_\d+)?$/;

/** 'forward/kernel', 'kernel': a slot's key inside its layer, from the tfjs weight name. */
function slotKey(layer: WeightLayer, tfjsName: string): string {
  const rest = tfjsName.slice(layer.name.length + 1).split('/');
  const slot = rest[rest.length - 1];
  return layer.className === 'Bidirectional' ? `${rest[0].startsWith('forward_') ? 'forward' : 'backward'}/${slot}` : slot;
}

/** The slot key a manifest name points at inside `layer`, given the part after `<layer>/`; null if none. */
function keyFromRest(layer: WeightLayer, rest: string[]): string | null {
  let parts = rest;
  let dir = '';
  if (layer.className === 'Bidirectional') {
    const m = /^(forward|backward)_./.exec(parts[0] ?? '');
    if (!m) return null;
    dir = `${m[1]}/`;
    parts = parts.slice(1);
  }
  if (parts.length === 2 && CELL.test(parts[0])) parts = parts.slice(1);
  if (parts.length !== 1 || parts[0].length === 0) return null;
  return dir + parts[0];
}

function resolve(name: string, layers: readonly WeightLayer[], slots: Map<string, Slot>): Slot | null {
  const bare = name.replace(/:\d+$/, '');
  const starts = [0];
  const firstSlash = bare.indexOf('/');
  if (firstSlash >= 0) starts.push(firstSlash + 1);
  for (const start of starts) {
    for (const layer of layers) {
      if (!bare.startsWith(`${layer.name}/`, start)) continue;
      const key = keyFromRest(layer, bare.slice(start + layer.name.length + 1).split('/'));
      const slot = key == null ? undefined : slots.get(`${layer.name}\n${key}`);
      if (slot) return slot;
    }
  }
  return null;
}

function checkValue(w: DecodedWeight, e: Slot): NamedWeight {
  if (w.dtype !== 'float32') {
    throw new Error(`weight "${w.name}" (used as ${e.name} of layer "${e.layer.name}"): dtype ${w.dtype}, expected float32`);
  }
  const okShape = w.shape.length === e.shape.length && e.shape.every((d, i) => d == null || d === w.shape[i]);
  if (!okShape) {
    throw new Error(`wrong shape for weight "${w.name}" (used as ${e.name} of layer "${e.layer.name}", ${e.layer.className}): ` +
      `expected [${e.shape.map((d) => d ?? '?')}], got [${w.shape}]`);
  }
  return { name: e.name, shape: [...w.shape], data: w.data as Float32Array };
}

function expectedSlots(topology: WeightTopology, weights: readonly DecodedWeight[]): { model: DecodedWeight[]; expected: Slot[] } {
  const seen = new Set<string>();
  for (const l of topology.layers) {
    if (seen.has(l.name)) throw new Error(`model "${topology.name}": two layers are named "${l.name}"; layer names must be unique (weights are matched by name)`);
    seen.add(l.name);
  }
  const model = weights.filter((w) => w.group !== 'optimizer');
  const expected = topology.layers.flatMap((l) => l.weightNames.map((name, k) => ({ layer: l, name, shape: l.weightShapes[k] })));
  if (model.length !== expected.length) {
    const perLayer = topology.layers.filter((l) => l.weightCount > 0).map((l) => `${l.name}: ${l.weightCount}`).join(', ');
    const verb = model.length < expected.length ? 'missing weights' : 'extra weights';
    throw new Error(`${verb}: the model needs ${expected.length} weights (${perLayer}) but the file has ${model.length} ` +
      `(${model.map((w) => w.name).join(', ') || 'none'})`);
  }
  return { model, expected };
}

export function matchWeights(topology: WeightTopology, weights: readonly DecodedWeight[]): NamedWeight[] {
  const { model, expected } = expectedSlots(topology, weights);
  const slots = new Map(expected.map((e) => [`${e.layer.name}\n${slotKey(e.layer, e.name)}`, e]));
  // Longest layer names first: "lstm_1/kernel" belongs to "lstm_1" even if a layer "lstm" exists.
  const layers = [...topology.layers].sort((a, b) => b.name.length - a.name.length);
  const filled = new Map<Slot, DecodedWeight>();
  for (const w of model) {
    const slot = resolve(w.name, layers, slots);
    if (slot == null) {
      throw new Error(`weight "${w.name}" in the file matches no weight of model "${topology.name}"; expected names like ` +
        `${expected.slice(0, 6).map((e) => `"${e.name}"`).join(', ')}${expected.length > 6 ? ', …' : ''}`);
    }
    const prev = filled.get(slot);
    if (prev) throw new Error(`weights "${prev.name}" and "${w.name}" in the file both match ${slot.name} of layer "${slot.layer.name}"`);
    filled.set(slot, w);
  }
  return expected.map((e) => {
    const w = filled.get(e);
    if (!w) throw new Error(`missing weight: layer "${e.layer.name}" needs ${e.name} (shape [${e.shape.map((d) => d ?? '?')}]) and no weight in the file matches it`);
    return checkValue(w, e);
  });
}

/** For formats without usable names: weights in getWeights() order; every shape must agree with the topology's. */
export function matchWeightsByPosition(topology: WeightTopology, weights: readonly DecodedWeight[]): NamedWeight[] {
  const { model, expected } = expectedSlots(topology, weights);
  return expected.map((e, k) => checkValue(model[k], e));
}
