// Public surface of lstm-wasm (API.md). This file only re-exports.
export { init, setBackend, getBackend } from './backend/index.js';
export type { BackendName, InitOptions } from './backend/index.js';
export { tensor, Tensor } from './tensor.js';
export type { DType, TensorLike, NestedArray } from './tensor.js';
export { Sequential } from './models/sequential.js';
export type { WeightValue, CompileArgs, SequentialArgs, PredictArgs } from './models/sequential.js';
export type { FitArgs, History } from './models/fit.js';
export { layers, layerFromConfig, SUPPORTED_LAYER_CLASSES } from './layers/index.js';
export { optimizers, Optimizer, SGD, RMSprop, Adam, AdamW } from './optimizers.js';
export type { LearningRate } from './optimizers.js';
export { LearningRateSchedule } from './optimizers/schedules.js';
export { regularizers, Regularizer } from './regularizers.js';
export { constraints, Constraint } from './constraints.js';
export { losses } from './losses.js';
export { metrics } from './metrics.js';
export { callbacks, EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, CsvLogger, LearningRateScheduler, TerminateOnNaN } from './callbacks.js';
export type { Callback, Logs, ReduceLROnPlateauArgs, ModelCheckpointArgs, CsvLoggerArgs } from './callbacks.js';
export type { CustomLossSpec } from './losses.js';
export type { SaveOptions } from './model-io.js';
export { kernels } from './kernels.js';
export type { KernelSet, LstmSequenceArgs } from './kernels.js';
export { setSeed } from './util/seed.js';
export * as text from './text/index.js';
export * as data from './data/index.js';
export { io } from './model-io.js';
export type { IOHandler, ModelArtifacts, SaveResult, UrlOrHandler, ToONNXOptions } from './model-io.js';
export { ProgressBar } from './util/progress.js';
export { learningCurvesSVG } from './util/svg-plot.js';
export type {
  LossIdentifier, MetricIdentifier, OptimizerIdentifier, ActivationIdentifier, InitializerIdentifier, InitializerSpec,
  KerasIdentifier, SnakeCase,
} from './util/identifiers.js';
// Types the public signatures refer to (so the API reference and editors can show them).
export type { Layer, BaseLayerArgs, Shape } from './layers/layer.js';
export type { Recurrent, RecurrentArgs } from './layers/recurrent.js';
export type { Dense, DenseArgs } from './layers/dense.js';
export type { Embedding, EmbeddingArgs } from './layers/embedding.js';
export type { Dropout, Flatten, DropoutArgs } from './layers/dropout.js';
export type { Bidirectional, BidirectionalArgs, MergeMode } from './layers/bidirectional.js';
export type { SgdArgs, RmspropArgs, AdamArgs, ClipArgs, OptimizerName } from './optimizers.js';
export type { EarlyStoppingArgs, TrainingModel } from './callbacks.js';
export type { Loss, LossName } from './losses.js';
export type { Metric } from './metrics.js';
export type { MetricName } from './metrics/resolve.js';
export type { ActivationName } from './activations.js';
export type { Initializer, InitializerName } from './initializers.js';
export type { TensorData } from './tensor.js';
export type { WasmVariant } from './backend/wasm-bytes.js';
export type { Backend } from './backend/types.js';
export type { PredictOutput, ReturnStateOf, LayerOutput } from './models/output-types.js';
export type { WeightSpec, ModelArtifactsInfo, TrainingConfig } from './io/artifacts.js';
export type { FileHandlerOptions, HttpOptions } from './io/index.js';
export type { IndexedDBOptions, IDBFactoryLike } from './io/handlers/indexeddb.js';
export type { DownloadsOptions } from './io/handlers/downloads.js';
export type { PyTorchRnnOptions, StateDictInput } from './model-io.js';
export type { CurvesOptions } from './util/svg-plot.js';
export type { ProgressBarOptions, ProgressStream } from './util/progress.js';
