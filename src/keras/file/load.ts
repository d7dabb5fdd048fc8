/**
 * Bytes of a `.keras` (zip) or `.h5` (HDF5) file -> a ready Sequential.
 * Everything is read and checked (topology, every dataset's shape and values)
 * before the model is built, so a bad file never yields a half-built model.
 * Optimizer state in the file is not read: training starts with fresh slots.
 */
import type { CanonicalTopology } from '../../io/topology.js';
import { readModelTopology, weightLayout, type ModelTopology } from '../../io/read-topology.js';
import type { FunctionalTopology } from '../../io/functional/read.js';
import { checkJsonValue } from '../../io/validate/json.js';
import { checkTopologyFields } from '../../io/validate/topology.js';
import type { NamedWeight } from '../../io/weights.js';
import { modelFromTopology } from '../../models/from-topology.js';
import { modelFromGraph } from '../../io/functional/build.js';
import type { Sequential } from '../../models/sequential.js';
import type { Model } from '../../models/graph/model.js';
import { fail, KerasFileError } from './errors.js';
import { H5, isHdf5 } from './hdf5.js';
import { keras3Weights, readKerasArchive, type KerasParts } from './keras3.js';
import { legacyWeights, readLegacyParts } from './legacy-h5.js';
import { isZip } from './zip.js';

export interface KerasModelParts { topology: CanonicalTopology; weights: NamedWeight[]; format: 'keras3' | 'h5-legacy' }
export interface KerasGraphParts { graph: FunctionalTopology; weights: NamedWeight[]; format: 'keras3' | 'h5-legacy' }

function topologyOf(parts: KerasParts, file: string): ModelTopology {
  try {
    // The same validation pass as model.json (plain JSON, depth, naming fields), then the reader.
    checkJsonValue(parts.topologyJSON, `${file}: model config`, 'config');
    checkTopologyFields(parts.topologyJSON, `${file}: model config`, 'config');
    return readModelTopology({ ...parts.topologyJSON, keras_version: parts.kerasVersion });
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    // The readers' messages name the layer and option; prefix the file. Anything else is a bug surfaced as Error.
    throw new KerasFileError(file, 'model config', e instanceof Error ? e.message : String(e));
  }
}

/** Topology and weights of a .keras / .h5 file, a chain or a functional graph. */
export async function readKerasParts(input: Uint8Array | ArrayBuffer, file = 'Keras file'): Promise<KerasModelParts | KerasGraphParts> {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new Error(`io.fromKeras: expected the file's bytes as a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
  }
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const parts = (read: ModelTopology, weights: NamedWeight[], format: 'keras3' | 'h5-legacy') =>
    read.kind === 'chain' ? { topology: read.topology, weights, format } : { graph: read.graph, weights, format };
  if (isZip(bytes)) {
    const { parts: p, weightsFile } = await readKerasArchive(bytes, file);
    const read = topologyOf(p, file);
    return parts(read, keras3Weights(weightLayout(read), weightsFile), 'keras3');
  }
  if (isHdf5(bytes)) {
    const h5 = await H5.open(bytes, file);
    const read = topologyOf(readLegacyParts(h5), file);
    return parts(read, legacyWeights(weightLayout(read), h5), 'h5-legacy');
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return fail(file, 'format', `neither a .keras zip (PK\\x03\\x04) nor an HDF5 .h5 file (\\x89HDF); first bytes: ${head || '(empty)'}`);
}

/** The same for a chain only (a functional graph is an Error naming the file). */
export async function readKerasFile(input: Uint8Array | ArrayBuffer, file = 'Keras file'): Promise<KerasModelParts> {
  const p = await readKerasParts(input, file);
  if ('graph' in p) fail(file, 'model config', `model "${p.graph.name}" is a functional graph, not one chain of layers; read it with readKerasParts`);
  return p;
}

/** A model from a .keras / .h5 file's bytes. */
export async function modelFromKeras(input: Uint8Array | ArrayBuffer, file?: string): Promise<Sequential | Model> {
  const parts = await readKerasParts(input, file);
  try {
    if ('graph' in parts) return modelFromGraph(parts.graph, parts.weights);
    return modelFromTopology(parts.topology, parts.weights);
  } catch (e) {
    throw new KerasFileError(file ?? 'Keras file', 'model', e instanceof Error ? e.message : String(e));
  }
}
