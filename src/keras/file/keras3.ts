/**
 * Keras 3 `.keras` archive -> topology JSON + weights in getWeights() order.
 *
 * Weights live at `layers/<snake_case class>[_N]/…/vars/<i>` (keras/src/saving/saving_lib.py
 * `_save_container_state`): N counts earlier layers OF THE SAME CLASS, so the
 * configured layer name is not in the path. Inside a layer the path follows
 * attributes: an RNN keeps its weights under `cell/vars`, Bidirectional under
 * `forward_layer/…` and `backward_layer/…`, TimeDistributed under `layer/vars`.
 */
import type { WeightLayer, WeightTopology } from '../../io/topology.js';
import { fail } from './errors.js';
import { H5, type WeightStore } from './hdf5.js';
import { NpzStore } from './npz.js';
import { readZip } from './zip.js';
import { checkedWeight, type LoadedWeights } from './checked-weight.js';

const MEMBERS = ['metadata.json', 'config.json', 'model.weights.h5', 'model.weights.npz'];

/** keras.src.utils.naming.to_snake_case */
export function snakeClass(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function parseJson(bytes: Uint8Array, file: string, member: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    fail(file, `zip member "${member}"`, `is not valid UTF-8 JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, `zip member "${member}"`, 'must hold a JSON object');
  return v as Record<string, unknown>;
}

export interface KerasParts { topologyJSON: Record<string, unknown>; kerasVersion: string }

export async function readKerasArchive(bytes: Uint8Array, file: string): Promise<{ parts: KerasParts; weightsFile: WeightStore }> {
  const { names, members } = await readZip(bytes, file, MEMBERS);
  for (const m of ['metadata.json', 'config.json']) {
    if (!members.has(m)) fail(file, '.keras archive', `has no "${m}" (members: ${names.slice(0, 8).join(', ')})`);
  }
  const meta = parseJson(members.get('metadata.json')!, file, 'metadata.json');
  const version = Object.prototype.hasOwnProperty.call(meta, 'keras_version') ? meta.keras_version : undefined;
  if (typeof version !== 'string') fail(file, 'metadata.json', `"keras_version" must be a string, got ${JSON.stringify(version)}`);
  const config = parseJson(members.get('config.json')!, file, 'config.json');
  const h5 = members.get('model.weights.h5');
  const npz = members.get('model.weights.npz');
  if (h5 == null && npz == null) fail(file, '.keras archive', 'has no "model.weights.h5" (nor "model.weights.npz")');
  const weightsFile = h5 != null ? await H5.open(h5, `${file}!model.weights.h5`) : await NpzStore.open(npz!, `${file}!model.weights.npz`);
  return { parts: { topologyJSON: config, kerasVersion: version }, weightsFile };
}

/** `vars` sub-paths of one layer, in the layer's weight order. */
function varGroups(l: WeightLayer): string[] {
  switch (l.className) {
    case 'LSTM': case 'GRU': case 'SimpleRNN': return ['cell/vars'];
    case 'Bidirectional': return ['forward_layer/cell/vars', 'backward_layer/cell/vars'];
    case 'TimeDistributed': return ['layer/vars'];
    default: return ['vars'];
  }
}

export function keras3Weights(top: WeightTopology, h5: WeightStore): LoadedWeights {
  const counters = new Map<string, number>();
  const out: LoadedWeights = [];
  top.layers.forEach((l) => {
    const snake = snakeClass(l.className);
    const n = counters.get(snake);
    counters.set(snake, n == null ? 0 : n + 1);
    const base = `layers/${n == null ? snake : `${snake}_${n + 1}`}`;
    if (l.weightCount === 0) return;
    if (!h5.isGroup(base)) fail(h5.file, `weights of layer "${l.name}" (${l.className})`, `no group "${base}"`);
    const groups = varGroups(l);
    const per = l.weightCount / groups.length;
    let k = 0;
    for (const g of groups) {
      const path = `${base}/${g}`;
      const keys = h5.isGroup(path) ? h5.keys(path) : [];
      const datasets = keys.filter((key) => /^\d+$/.test(key));
      if (datasets.length !== per) {
        fail(h5.file, `group "${path}" (layer "${l.name}", ${l.className})`, `holds ${datasets.length} weights, the config needs ${per} ` +
          `(${l.weightNames.slice(k, k + per).join(', ')})`);
      }
      for (let i = 0; i < per; i++, k++) out.push(checkedWeight(h5, `${path}/${i}`, l, k));
    }
  });
  return out;
}
