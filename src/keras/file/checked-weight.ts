/** One dataset read for one expected weight: shape checked against the config BEFORE its data is read. */
import type { WeightLayer } from '../../io/topology.js';
import type { NamedWeight } from '../../io/weights.js';
import { fail } from './errors.js';
import type { WeightStore } from './hdf5.js';

export type LoadedWeights = NamedWeight[];

export function checkedWeight(h5: WeightStore, path: string, l: WeightLayer, k: number): NamedWeight {
  const want = l.weightShapes[k];
  const shape = h5.shape(path);
  const ok = shape.length === want.length && want.every((d, i) => d == null || d === shape[i]);
  if (!ok) {
    fail(h5.file, `dataset "${path}"`, `has shape [${shape}], but layer "${l.name}" (${l.className}) needs ` +
      `[${want.map((d) => d ?? '?')}] for ${l.weightNames[k]}`);
  }
  const { data } = h5.floats(path);
  return { name: l.weightNames[k], shape, data };
}
