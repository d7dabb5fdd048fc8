/**
 * The two containers a layers model arrives in, checked before anything is built:
 *   checkModelJSON(value, file)      model.json as parsed from a file or URL
 *   checkModelArtifacts(value, who)  tfjs ModelArtifacts from fromArtifacts/fromMemory/a handler
 * Both run checkJsonValue over every JSON part (depth, plain data, no getters), check
 * each known field's type, refuse unknown fields, and return fresh objects holding only
 * own, checked fields.
 */
import type { ModelArtifacts, ModelJSON, TrainingConfig, WeightSpec } from '../artifacts.js';
import { checkJsonValue, isPlainObject, typeName } from './json.js';
import { checkManifest, checkWeightSpecs } from './manifest.js';
import { checkTopologyFields } from './topology.js';

const LAYERS_MODEL_FORMAT = 'layers-model';
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const get = (o: Record<string, unknown>, k: string): unknown => (own(o, k) ? o[k] : undefined);

/** Fields graph models have and layers models do not. */
const GRAPH_FIELDS = ['signature', 'modelInitializer', 'initializerSignature'];

function optionalString(o: Record<string, unknown>, key: string, where: string, nullable = false): string | null | undefined {
  const v = get(o, key);
  if (v === undefined || (nullable && v === null) || typeof v === 'string') return v as string | null | undefined;
  throw new Error(`${where}: field ${key}: expected a string${nullable ? ' or null' : ''}, found ${typeName(v)}`);
}

function checkFormat(o: Record<string, unknown>, where: string): string | undefined {
  const format = optionalString(o, 'format', where) ?? undefined;
  if (format !== undefined && format !== LAYERS_MODEL_FORMAT) {
    throw new Error(`${where}: field format is "${format}"; only "${LAYERS_MODEL_FORMAT}" is supported ` +
      `(graph models from tf.saved_model / tfjs_graph_model have no layer topology)`);
  }
  return format;
}

function checkTopology(o: Record<string, unknown>, where: string, required: boolean): object | undefined {
  const t = get(o, 'modelTopology');
  if (t === undefined && !required) return undefined;
  if (t instanceof ArrayBuffer) {
    throw new Error(`${where}: field modelTopology is binary (a GraphDef graph model); only layers models (JSON topology) are supported`);
  }
  if (!isPlainObject(t)) {
    const keys = Object.keys(o).slice(0, 8).join(', ');
    throw new Error(`${where}: not a TensorFlow.js layers model: field modelTopology: expected a Keras topology object, ` +
      `found ${typeName(t)} (keys found: ${keys || 'none'})`);
  }
  checkJsonValue(t, where, 'modelTopology');
  checkTopologyFields(t, where);
  return t;
}

function checkObjectField(o: Record<string, unknown>, key: string, where: string): Record<string, unknown> | undefined {
  const v = get(o, key);
  if (v == null) return undefined;
  if (!isPlainObject(v)) throw new Error(`${where}: field ${key}: expected an object, found ${typeName(v)}`);
  checkJsonValue(v, where, key);
  return v;
}

function unknownFields(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k) || o[k] === undefined) continue;
    if (GRAPH_FIELDS.includes(k)) throw new Error(`${where}: field ${k} belongs to a graph model; only layers models are supported`);
    throw new Error(`${where}: unknown field "${k}"; expected only ${allowed.join(', ')}`);
  }
}

const MODEL_JSON_FIELDS = ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest', 'trainingConfig', 'userDefinedMetadata'];

/** A checked model.json; `where` names the file or URL. */
export function checkModelJSON(value: unknown, where: string): ModelJSON {
  if (!isPlainObject(value)) {
    throw new Error(`${where}: expected a model.json object with "modelTopology" and "weightsManifest", found ${typeName(value)}`);
  }
  const format = checkFormat(value, where);
  const modelTopology = checkTopology(value, where, true)!;
  unknownFields(value, MODEL_JSON_FIELDS, where);
  const m = get(value, 'weightsManifest');
  const json: ModelJSON = { modelTopology, weightsManifest: m === undefined ? [] : checkManifest(m, where) };
  if (format !== undefined) json.format = format;
  const generatedBy = optionalString(value, 'generatedBy', where);
  if (generatedBy != null) json.generatedBy = generatedBy;
  const convertedBy = optionalString(value, 'convertedBy', where, true);
  if (convertedBy !== undefined) json.convertedBy = convertedBy;
  const trainingConfig = checkObjectField(value, 'trainingConfig', where);
  if (trainingConfig !== undefined) json.trainingConfig = trainingConfig as TrainingConfig;
  const meta = checkObjectField(value, 'userDefinedMetadata', where);
  if (meta !== undefined) json.userDefinedMetadata = meta;
  return json;
}

const ARTIFACT_FIELDS = ['modelTopology', 'trainingConfig', 'weightSpecs', 'weightData', 'format', 'generatedBy', 'convertedBy',
  'userDefinedMetadata', 'getWeightStream'];

function checkWeightData(v: unknown, where: string): ArrayBuffer | ArrayBuffer[] | undefined {
  if (v == null) return undefined;
  if (v instanceof ArrayBuffer) return v;
  if (Array.isArray(v)) {
    v.forEach((b, i) => {
      if (!(b instanceof ArrayBuffer)) throw new Error(`${where}: field weightData[${i}]: expected an ArrayBuffer (one shard), found ${typeName(b)}`);
    });
    return [...v] as ArrayBuffer[];
  }
  const hint = ArrayBuffer.isView(v) ? ' (pass view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))' : '';
  throw new Error(`${where}: field weightData: expected an ArrayBuffer or an array of ArrayBuffers, found ${typeName(v)}${hint}`);
}

/**
 * A checked copy of ModelArtifacts. `who` names the entry point (`fromArtifacts`, a URL).
 * weightSpecs come back checked (own fields, shapes, dtypes, unique names, sizes).
 */
export function checkModelArtifacts(value: unknown, who: string): ModelArtifacts & { weightSpecs?: WeightSpec[] } {
  if (!isPlainObject(value)) {
    throw new Error(`${who}: expected ModelArtifacts {modelTopology, weightSpecs, weightData}, found ${typeName(value)}`);
  }
  unknownFields(value, ARTIFACT_FIELDS, who);
  const a: ModelArtifacts = {};
  const format = checkFormat(value, who);
  if (format !== undefined) a.format = format;
  const t = checkTopology(value, who, false);
  if (t !== undefined) a.modelTopology = t;
  const specs = get(value, 'weightSpecs');
  if (specs != null) a.weightSpecs = checkWeightSpecs(specs, who);
  const data = checkWeightData(get(value, 'weightData'), who);
  if (data !== undefined) a.weightData = data;
  else if (get(value, 'getWeightStream') != null) {
    throw new Error(`${who}: the artifacts stream their weights (getWeightStream) and have no weightData; load them without streamWeights`);
  }
  const tc = checkObjectField(value, 'trainingConfig', who);
  if (tc !== undefined) a.trainingConfig = tc as TrainingConfig;
  const meta = checkObjectField(value, 'userDefinedMetadata', who);
  if (meta !== undefined) a.userDefinedMetadata = meta;
  const generatedBy = optionalString(value, 'generatedBy', who);
  if (generatedBy != null) a.generatedBy = generatedBy;
  const convertedBy = optionalString(value, 'convertedBy', who, true);
  if (convertedBy !== undefined) a.convertedBy = convertedBy;
  return a;
}
