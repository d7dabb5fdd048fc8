/**
 * The two conversions the model code needs, on top of the pieces:
 *   artifactsFromModel(topologyJSON, weights)  -> ModelArtifacts to save
 *   readModelArtifacts(artifacts)              -> { topology, weights } to build a model from
 * Both validate everything before returning, so the caller never half-builds a model.
 */
import { GENERATED_BY, LAYERS_MODEL_FORMAT, type ModelArtifacts, type TrainingConfig } from './artifacts.js';
import type { CanonicalTopology } from './topology.js';
import { readModelTopology, weightLayout } from './read-topology.js';
import type { FunctionalTopology } from './functional/read.js';
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

/** A functional graph's parts: weights in layer order (each shared layer once), tfjs names. */
export interface GraphParts {
  graph: FunctionalTopology;
  weights: NamedWeight[];
  trainingConfig?: TrainingConfig;
}

/** Normalize, decode and match: everything `io.loadModel` / `io.fromArtifacts` needs, for a chain or a graph. */
export function readArtifactParts(input: ModelArtifacts, who = 'fromArtifacts'): ModelParts | GraphParts {
  // One validation pass over everything the artifacts declare, before anything is built.
  const artifacts = checkModelArtifacts(input, who);
  if (artifacts.modelTopology == null) {
    throw new Error(`${who}: field modelTopology is missing; a layers model needs its Keras topology`);
  }
  const read = readModelTopology(artifacts.modelTopology);
  const layout = weightLayout(read);
  const needsWeights = layout.layers.some((l) => l.weightCount > 0);
  if (needsWeights && (artifacts.weightSpecs == null || artifacts.weightData == null)) {
    throw new Error(`${who}: missing weights: the artifacts have ${artifacts.weightSpecs == null ? 'no weightSpecs' : 'no weightData'} ` +
      `but model "${layout.name}" has ${layout.layers.reduce((n, l) => n + l.weightCount, 0)} weights`);
  }
  const decoded = decodeWeights(artifacts.weightSpecs ?? [], artifacts.weightData ?? new ArrayBuffer(0));
  const weights = matchWeights(layout, decoded);
  const parts: ModelParts | GraphParts = read.kind === 'chain' ? { topology: read.topology, weights } : { graph: read.graph, weights };
  if (artifacts.trainingConfig != null) parts.trainingConfig = artifacts.trainingConfig;
  return parts;
}

/** The same for a chain only (a functional graph is an Error naming the model). */
export function readModelArtifacts(input: ModelArtifacts, who = 'fromArtifacts'): ModelParts {
  const parts = readArtifactParts(input, who);
  if ('graph' in parts) {
    throw new Error(`${who}: model "${parts.graph.name}" is a functional graph (${parts.graph.spec.inputs.length} input(s), ` +
      `${parts.graph.spec.outputs.length} output(s)), not one chain of layers; read it with readArtifactParts`);
  }
  return parts;
}
