/**
 * The public `io` namespace (API.md "Files"): TensorFlow.js layers-model files
 * in both directions, ONNX export, and the handlers. The pieces live in
 * src/io/; this file joins them to Sequential.
 */
import type { Sequential } from './models/sequential.js';
import type { Model } from './models/graph/model.js';
import { modelFromTopology } from './models/from-topology.js';
import { readArtifactParts } from './io/model-parts.js';
import { modelFromGraph } from './io/functional/build.js';
import { loadArtifacts, type UrlOrHandler } from './io/router.js';
import type { IOHandler, ModelArtifacts, SaveResult } from './io/artifacts.js';
import { fileHandler } from './io/handlers/file.js';
import { httpHandler } from './io/handlers/http.js';
import { indexedDBHandler } from './io/handlers/indexeddb.js';
import { downloadsHandler } from './io/handlers/downloads.js';
import { fromMemory, withSaveHandler } from './io/handlers/memory.js';
import { TO_ONNX_OPTIONS, type ToONNXOptions } from './io/onnx/export.js';
import { modelToONNX } from './io/onnx/model.js';
import { checkOptions } from './util/options.js';
import { fromPyTorchLSTM as lstmLayers, fromPyTorchGRU as gruLayers, PYTORCH_RNN_OPTIONS, type ImportedLayer, type PyTorchRnnOptions } from './io/pytorch/convert.js';
import type { StateDictInput } from './io/pytorch/state-dict.js';
import { Sequential as SequentialModel } from './models/sequential.js';
import { layers } from './layers/index.js';
import { decodeWeights } from './io/weights.js';
import { restoreTraining } from './train/checkpoint.js';
import { isKerasPath, readKerasBytes } from './keras/file/source.js';

export type { IOHandler, ModelArtifacts, SaveResult, UrlOrHandler, ToONNXOptions, PyTorchRnnOptions, StateDictInput };

import { saveModel } from './io/save-model.js';
export { saveModel };
export type { SaveOptions } from './io/save-model.js';


/**
 * Build a model from tfjs ModelArtifacts ({ modelTopology, weightSpecs, weightData }). Never runs initializers.
 * A checkpoint saved with includeOptimizer comes back compiled, with its optimizer state.
 */
export function fromArtifacts(artifacts: ModelArtifacts): Sequential | Model {
  const parts = readArtifactParts(artifacts);
  // A functional graph becomes a Model; a chain (Sequential or a one-path functional file) a Sequential, as before.
  const model = 'graph' in parts ? modelFromGraph(parts.graph, parts.weights) : modelFromTopology(parts.topology, parts.weights);
  const opt = (artifacts.weightSpecs ?? []).some((s) => s.group === 'optimizer')
    ? decodeWeights(artifacts.weightSpecs!, artifacts.weightData!).filter((w) => w.group === 'optimizer') : [];
  if (opt.length) {
    if (!parts.trainingConfig?.optimizer_config) throw new Error(`model '${model.name}': the file has optimizer weights but no trainingConfig.optimizer_config`);
    restoreTraining(model as Sequential, parts.trainingConfig, opt, `model '${model.name}'`);
  }
  return model;
}

/**
 * Load a model: 'file://dir/model.json' (Node), an http(s) URL, 'indexeddb://name', or a handler;
 * a URL ending in .keras / .h5 is a Keras file (see fromKeras).
 */
export async function loadModel(target: UrlOrHandler): Promise<Sequential | Model> {
  if (typeof target === 'string' && isKerasPath(target)) return (await kerasReader()).modelFromKeras(await readKerasBytes(target), target);
  return fromArtifacts(await loadArtifacts(target));
}

/** A model from the bytes of a Keras 3 `.keras` or a legacy `.h5` file (Keras 2 / tf.keras / Keras 3). */
export async function fromKeras(bytes: Uint8Array | ArrayBuffer): Promise<Sequential | Model> {
  return (await kerasReader()).modelFromKeras(bytes);
}

/** The Keras-file reader (and, through it, fflate and jsfive) is loaded on first use only. */
const kerasReader = () => import('./keras/file/load.js');

/** ONNX bytes (opset 17) for a Sequential or functional Model; needs the optional peer dependency `protobufjs`. */
export async function toONNX(model: Sequential | Model, opts: ToONNXOptions = {}): Promise<Uint8Array> {
  opts = checkOptions(opts, TO_ONNX_OPTIONS, 'io.toONNX');
  return modelToONNX(model, opts);
}

function pytorchModel(imported: ImportedLayer[], name: string): Sequential {
  const stack = imported.map((l) => {
    const { inputShape, ...config } = l.config;
    // inputShape [null, I]: time is free, so declare it as batchInputShape [batch, time, I]
    const shape = inputShape ? { batchInputShape: [null, null, inputShape[1]] } : {};
    if (!l.bidirectional) return l.className === 'LSTM' ? layers.lstm({ ...config, ...shape }) : layers.gru({ ...config, ...shape });
    const inner = l.className === 'LSTM' ? layers.lstm(config) : layers.gru(config);
    return layers.bidirectional({ layer: inner, mergeMode: 'concat', name: `bidirectional_${l.config.name}`, ...shape });
  });
  const model = new SequentialModel(stack, { name, seed: 0 });
  model.build();
  model.setWeightsNoInit(imported.flatMap((l) => l.weights));
  return model;
}

/**
 * A model from a PyTorch nn.LSTM state_dict (JSON {name: {shape, data}} or
 * safetensors bytes): layers.lstm (wrapped in bidirectional when the module
 * is), Keras gate order and layout, biases summed. Input [batch, time, inputSize]
 * (PyTorch batch_first=True); output = PyTorch's `output`, or h_n with
 * returnSequences: false. To add a head, build a new Sequential with these
 * layers' configs and pass `[...this.getWeights(), ...headWeights]` to setWeights.
 */
export function fromPyTorchLSTM(stateDict: StateDictInput, opts: PyTorchRnnOptions): Sequential {
  opts = checkOptions(opts, PYTORCH_RNN_OPTIONS, 'io.fromPyTorchLSTM');
  return pytorchModel(lstmLayers(stateDict, opts), 'pytorch_lstm');
}

/** The same for nn.GRU (PyTorch's GRU is Keras' resetAfter: true form; gates r, z, n → z, r, h). */
export function fromPyTorchGRU(stateDict: StateDictInput, opts: PyTorchRnnOptions): Sequential {
  opts = checkOptions(opts, PYTORCH_RNN_OPTIONS, 'io.fromPyTorchGRU');
  return pytorchModel(gruLayers(stateDict, opts), 'pytorch_gru');
}

/**
 * Saving, loading and converting models: the TensorFlow.js layers-model format, ONNX export,
 * PyTorch weights, and the storage handlers.
 *
 * @example
 * ```ts
 * await model.save('file://./my-model');
 * const again = await io.loadModel('file://./my-model/model.json');
 * ```
 */
export const io = {
  fromPyTorchLSTM,
  fromPyTorchGRU,
  loadModel,
  fromKeras,
  fromArtifacts,
  saveModel,
  toONNX,
  fileHandler,
  httpHandler,
  indexedDBHandler,
  downloadsHandler,
  fromMemory,
  withSaveHandler,
};
