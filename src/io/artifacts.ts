/**
 * The TensorFlow.js `layers-model` file format, as data.
 *
 * These types mirror tfjs-core `io/types.ts` (4.22.0) field for field, so an
 * object built here can be handed to `tf.io.fromMemory()` and a tfjs
 * `ModelArtifacts` can be handed to us. On disk a model is
 *
 *   model.json  = { modelTopology, format, generatedBy, convertedBy,
 *                   weightsManifest: [{ paths: [shard files], weights: [specs] }],
 *                   trainingConfig? }
 *   *.bin       = the weights of one manifest group concatenated in manifest
 *                 order (little-endian, no header, no padding), cut into shards.
 *
 * Key order in `modelJSONFromArtifacts` follows tfjs-core
 * `getModelJSONForModelArtifacts`, so our model.json diffs cleanly against one
 * written by tfjs.
 */
import { checkModelJSON } from './validate/artifacts.js';

/** One entry of a weights manifest: tfjs `WeightsManifestEntry`. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string; // 'float32' | 'int32' are accepted; anything else is rejected on decode
  /** 'optimizer' marks optimizer slots saved with `includeOptimizer`; not model weights. */
  group?: 'model' | 'optimizer';
  /** Written by the Python converter with --quantize_*; dequantized on decode. */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** Keras/tfjs training config (opaque to us; kept so a round trip preserves it). */
export type TrainingConfig = Record<string, unknown>;

/** tfjs `ModelArtifacts` (the subset meaningful for layers models). */
export interface ModelArtifacts {
  /** Keras-style topology object: `{ class_name, config, keras_version?, backend? }`. */
  modelTopology?: object;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightSpec[];
  /** One buffer, or the shards in order (tfjs 4.x also accepts an array). */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

/** tfjs `ModelJSON`: the content of model.json. */
export interface ModelJSON {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: WeightsManifestGroup[];
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
}

/** tfjs `ModelArtifactsInfo`. */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON';
  modelTopologyBytes: number;
  weightSpecsBytes: number;
  weightDataBytes: number;
}

/** tfjs `SaveResult`. */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  /** Paths or URLs written, in order (model.json first). Ours; tfjs has `responses`. */
  paths?: string[];
  responses?: Response[];
}

/**
 * Where a model goes to or comes from. Implement either method (or both) to
 * plug in your own storage; it is the same contract as tfjs's `io.IOHandler`,
 * so tfjs handlers (`tf.io.withSaveHandler`, `tf.io.fromMemory`, ...) work here
 * and ours work in tfjs.
 *
 * - `save(artifacts)` receives `weightData` as ONE ArrayBuffer (all weights,
 *   manifest order) and `weightSpecs` for it; store them however you like.
 * - `load()` returns artifacts whose `weightData` may be one buffer or a list
 *   of shard buffers in manifest order.
 */
export interface IOHandler {
  save?: (artifacts: ModelArtifacts) => Promise<SaveResult>;
  load?: () => Promise<ModelArtifacts>;
}

export const LAYERS_MODEL_FORMAT = 'layers-model';
export const GENERATED_BY = 'lstm-wasm 0.1.0';

/** Concatenate shard buffers (tfjs `CompositeArrayBuffer.join`). */
export function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (data == null) return new ArrayBuffer(0);
  if (data instanceof ArrayBuffer) return data;
  if (!Array.isArray(data)) throw new Error(`weightData: expected an ArrayBuffer or an array of ArrayBuffers, found ${describe(data)}`);
  if (data.length === 1 && data[0] instanceof ArrayBuffer) return data[0];
  let total = 0;
  for (const b of data) {
    if (!(b instanceof ArrayBuffer)) throw new Error(`weightData: expected ArrayBuffer shards, found ${describe(b)}`);
    total += b.byteLength;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
}

/** Build the model.json object for artifacts whose weights are stored at `paths`. */
export function modelJSONFromArtifacts(artifacts: ModelArtifacts, paths: string[]): ModelJSON {
  if (artifacts.modelTopology == null) {
    throw new Error('save: artifacts.modelTopology is missing; a layers model needs its topology');
  }
  const json: ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? LAYERS_MODEL_FORMAT,
    generatedBy: artifacts.generatedBy ?? GENERATED_BY,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  return json;
}

/**
 * Check that a parsed JSON value is a layers-model model.json and return a checked
 * copy (validate/artifacts.ts). `where` names the file/URL for the error message.
 */
export function parseModelJSON(value: unknown, where: string): ModelJSON {
  return checkModelJSON(value, where);
}

/** Flatten a manifest into specs (tfjs `getWeightSpecs`). */
export function weightSpecsOf(manifest: WeightsManifestGroup[]): WeightSpec[] {
  const specs: WeightSpec[] = [];
  for (const g of manifest) specs.push(...g.weights);
  return specs;
}

/** Artifacts from a model.json and its (concatenated or per-shard) weight data. */
export function artifactsFromModelJSON(json: ModelJSON, weightData: ArrayBuffer | ArrayBuffer[]): ModelArtifacts {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: weightSpecsOf(json.weightsManifest),
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig != null) a.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata != null) a.userDefinedMetadata = json.userDefinedMetadata;
  return a;
}

/** tfjs `getModelArtifactsInfoForJSON`. */
export function artifactsInfo(artifacts: ModelArtifacts): ModelArtifactsInfo {
  const enc = new TextEncoder();
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: artifacts.modelTopology == null ? 0 : enc.encode(JSON.stringify(artifacts.modelTopology)).length,
    weightSpecsBytes: artifacts.weightSpecs == null ? 0 : enc.encode(JSON.stringify(artifacts.weightSpecs)).length,
    weightDataBytes: joinWeightData(artifacts.weightData).byteLength,
  };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return typeof v;
}
