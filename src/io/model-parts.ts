/**
 * The two conversions the model code needs, on top of the pieces:
 *   artifactsFromModel(topologyJSON, weights)  -> ModelArtifacts to save
 *   readModelArtifacts(artifacts)              -> { topology, weights } to build a model from
 * Both validate everything before returning, so the caller never half-builds a model.
 */
import { GENERATED_BY, LAYERS_MODEL_FORMAT, type ModelArtifacts, type TrainingConfig } from './artifacts.js';
import { normalizeTopology, type CanonicalTopology } from './topology.js';
import { matchWeights } from './weight-match.js';
import { checkModelArtifacts } from './validate/artifacts.js';
import { decodeWeights, encodeWeights, type NamedWeight } from './weights.js';

/** Artifacts for `model.toJSON()` + `model.getWeights()` (tfjs `LayersModel.save` equivalent). */
export function artifactsFromModel(modelTopology: object, weights: readonly NamedWeight[], trainingConfig?: TrainingConfig): ModelArtifacts {
  const { weightSpecs, weightData } = encodeWeights(weights);
  const a: ModelArtifacts = {
    modelTopology, weightSpecs, weightData, format: LAYERS_MODEL_FORMAT, generatedBy: GENERATED_BY, convertedBy: null,
  };
  if (trainingConfig != null) a.trainingConfig = trainingConfig;
  return a;
}

export interface ModelParts {
  topology: CanonicalTopology;
  /** In getWeights() order with tfjs names; shapes checked against the topology. */
  weights: NamedWeight[];
  trainingConfig?: TrainingConfig;
}

/** Normalize, decode and match: everything `io.loadModel` / `io.fromArtifacts` needs. */
export function readModelArtifacts(input: ModelArtifacts, who = 'fromArtifacts'): ModelParts {
  // One validation pass over everything the artifacts declare, before anything is built.
  const artifacts = checkModelArtifacts(input, who);
  if (artifacts.modelTopology == null) {
    throw new Error(`${who}: field modelTopology is missing; a layers model needs its Keras topology`);
  }
  const topology = normalizeTopology(artifacts.modelTopology);
  const needsWeights = topology.layers.some((l) => l.weightCount > 0);
  if (needsWeights && (artifacts.weightSpecs == null || artifacts.weightData == null)) {
    throw new Error(`${who}: missing weights: the artifacts have ${artifacts.weightSpecs == null ? 'no weightSpecs' : 'no weightData'} ` +
      `but model "${topology.name}" has ${topology.layers.reduce((n, l) => n + l.weightCount, 0)} weights`);
  }
  const decoded = decodeWeights(artifacts.weightSpecs ?? [], artifacts.weightData ?? new ArrayBuffer(0));
  const parts: ModelParts = { topology, weights: matchWeights(topology, decoded) };
  if (artifacts.trainingConfig != null) parts.trainingConfig = artifacts.trainingConfig;
  return parts;
}
