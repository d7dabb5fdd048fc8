/**
 * Legacy HDF5 `.h5` (Keras 2.x, tf.keras 2.x, and Keras 3's `model.save("m.h5")`):
 * root attribute `model_config` (JSON), `keras_version`; weights under
 * `model_weights/<layer name>/` listed, in the layer's order, by the attribute
 * `weight_names` (keras/src/legacy/saving/legacy_h5_format.py). Names vary by
 * writer (`lstm_1/kernel:0`, `gru_1/gru_cell_1/kernel:0`, `sequential/gru/gru_cell/kernel`),
 * so a weight is taken by position and checked by its last name segment.
 */
import type { WeightTopology } from '../../io/topology.js';
import { fail } from './errors.js';
import type { H5 } from './hdf5.js';
import { checkedWeight, type LoadedWeights } from './checked-weight.js';
import type { KerasParts } from './keras3.js';

export function readLegacyParts(h5: H5): KerasParts {
  const cfg = h5.stringAttr('', 'model_config');
  if (cfg == null) {
    fail(h5.file, 'HDF5 root', h5.has('model_weights') || h5.has('layers')
      ? 'has weights but no "model_config" attribute: this is a weights-only file (save_weights); save the whole model (model.save)'
      : 'has no "model_config" attribute; not a Keras model file');
  }
  let json: unknown;
  try { json = JSON.parse(cfg); } catch (e) {
    fail(h5.file, 'attribute "model_config"', `is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(h5.file, 'attribute "model_config"', 'must be a JSON object');
  const version = h5.stringAttr('', 'keras_version') ?? '';
  return { topologyJSON: json as Record<string, unknown>, kerasVersion: version };
}

const lastSegment = (name: string): string => name.replace(/:\d+$/, '').split('/').pop() ?? '';

export function legacyWeights(top: WeightTopology, h5: H5): LoadedWeights {
  const root = h5.isGroup('model_weights') ? 'model_weights' : '';
  const out: LoadedWeights = [];
  for (const l of top.layers) {
    if (l.weightCount === 0) continue;
    const g = root ? `${root}/${l.name}` : l.name;
    if (!h5.isGroup(g)) fail(h5.file, `weights of layer "${l.name}" (${l.className})`, `no group "${g}"`);
    const names = h5.stringListAttr(g, 'weight_names') ?? [];
    if (names.length !== l.weightCount) {
      fail(h5.file, `attribute "${g}@weight_names"`, `lists ${names.length} weights (${names.join(', ')}), layer "${l.name}" (${l.className}) needs ` +
        `${l.weightCount} (${l.weightNames.join(', ')})`);
    }
    names.forEach((n, k) => {
      const want = lastSegment(l.weightNames[k]);
      if (lastSegment(n) !== want) {
        fail(h5.file, `attribute "${g}@weight_names"`, `entry ${k} is "${n}", expected a "${want}" weight for ${l.weightNames[k]}`);
      }
      if (n.split('/').some((s) => s === '..' || s === '.')) fail(h5.file, `attribute "${g}@weight_names"`, `entry ${k} "${n}" is not a plain path`);
      out.push(checkedWeight(h5, `${g}/${n}`, l, k));
    });
  }
  return out;
}
