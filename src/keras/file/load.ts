/**
 * Bytes of a `.keras` (zip) or `.h5` (HDF5) file -> a ready Sequential.
 * Everything is read and checked (topology, every dataset's shape and values)
 * before the model is built, so a bad file never yields a half-built model.
 * Optimizer state in the file is not read: training starts with fresh slots.
 */
import { normalizeTopology, type CanonicalTopology } from '../../io/topology.js';
import type { NamedWeight } from '../../io/weights.js';
import { modelFromTopology } from '../../models/from-topology.js';
import type { Sequential } from '../../models/sequential.js';
import { fail, KerasFileError } from './errors.js';
import { H5, isHdf5 } from './hdf5.js';
import { keras3Weights, readKerasArchive, type KerasParts } from './keras3.js';
import { legacyWeights, readLegacyParts } from './legacy-h5.js';
import { isZip } from './zip.js';

export interface KerasModelParts { topology: CanonicalTopology; weights: NamedWeight[]; format: 'keras3' | 'h5-legacy' }

function topologyOf(parts: KerasParts, file: string): CanonicalTopology {
  try {
    return normalizeTopology({ ...parts.topologyJSON, keras_version: parts.kerasVersion });
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    // normalizeTopology's messages name the layer and option; prefix the file. Anything else is a bug surfaced as Error.
    throw new KerasFileError(file, 'model config', e instanceof Error ? e.message : String(e));
  }
}

export async function readKerasFile(input: Uint8Array | ArrayBuffer, file = 'Keras file'): Promise<KerasModelParts> {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new Error(`io.fromKeras: expected the file's bytes as a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
  }
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (isZip(bytes)) {
    const { parts, weightsFile } = await readKerasArchive(bytes, file);
    const topology = topologyOf(parts, file);
    return { topology, weights: keras3Weights(topology, weightsFile), format: 'keras3' };
  }
  if (isHdf5(bytes)) {
    const h5 = await H5.open(bytes, file);
    const topology = topologyOf(readLegacyParts(h5), file);
    return { topology, weights: legacyWeights(topology, h5), format: 'h5-legacy' };
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(file, 'format', `neither a .keras zip (PK\\x03\\x04) nor an HDF5 .h5 file (\\x89HDF); first bytes: ${head || '(empty)'}`);
}

/** A model from a .keras / .h5 file's bytes. */
export async function modelFromKeras(input: Uint8Array | ArrayBuffer, file?: string): Promise<Sequential> {
  const { topology, weights } = await readKerasFile(input, file);
  try {
    return modelFromTopology(topology, weights);
  } catch (e) {
    throw new KerasFileError(file ?? 'Keras file', 'model', e instanceof Error ? e.message : String(e));
  }
}
