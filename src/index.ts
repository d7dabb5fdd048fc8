// Public surface of lstm-wasm (API.md). This file only re-exports.
export { init, setBackend, getBackend } from './backend/index.js';
export type { BackendName, InitOptions } from './backend/index.js';
export { tensor, Tensor } from './tensor.js';
export type { DType, TensorLike, NestedArray } from './tensor.js';
export { Sequential } from './models/sequential.js';
export type { WeightValue, CompileArgs, SequentialArgs, PredictArgs } from './models/sequential.js';
export type { FitArgs, History } from './models/fit.js';
export { layers, layerFromConfig, SUPPORTED_LAYER_CLASSES } from './layers/index.js';
export { optimizers, Optimizer, SGD, RMSprop, Adam } from './optimizers.js';
export { losses } from './losses.js';
export { metrics } from './metrics.js';
export { callbacks, EarlyStopping } from './callbacks.js';
export type { Callback, Logs } from './callbacks.js';
export { kernels } from './kernels.js';
export type { KernelSet, LstmSequenceArgs } from './kernels.js';
export { setSeed } from './util/seed.js';
export * as text from './text/index.js';
export { io } from './model-io.js';
export type { IOHandler, ModelArtifacts, SaveResult, UrlOrHandler, ToONNXOptions } from './model-io.js';
export { ProgressBar } from './util/progress.js';
export { learningCurvesSVG } from './util/svg-plot.js';
export type {
  LossIdentifier, MetricIdentifier, OptimizerIdentifier, ActivationIdentifier, InitializerIdentifier, InitializerSpec,
  KerasIdentifier, SnakeCase,
} from './util/identifiers.js';
