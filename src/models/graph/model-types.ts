/** The public types of the model API (Sequential and Model share them): weights, compile, predict/evaluate options, data. */
import { backend } from '../../backend/index.js';
import type { RegionInfo } from '../memory-plan.js';
import { Embedding } from '../../layers/embedding.js';
import type { TensorLike } from '../../tensor.js';
import type { Optimizer } from '../../optimizers.js';
import type { LossIdentifier, MetricIdentifier, OptimizerIdentifier } from '../../util/identifiers.js';
import type { CustomLossSpec } from '../../losses.js';

/** One weight as `getWeights` returns it: Keras/TensorFlow.js name, shape and a float32 copy. */
export interface WeightValue {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What model.memoryInfo() returns. */
export interface MemoryInfo {
  backend: string | null;
  /** Bytes the backend's heap hands out now (all models). */
  heapUsedBytes: number;
  /** Size of the backend's memory. */
  memoryBytes: number;
  /** Bytes this model's plan holds now. */
  plannedBytes: number;
  /** Every region: block, name, absolute byte offset, bytes. */
  regions: RegionInfo[];
  /** The last workspace planned (also after it was released); shape: the first input's. */
  lastWorkspace: { shape: number[]; training: boolean; bytes: number } | null;
  /** The printed map. */
  text: string;
  toString(): string;
}

/** One loss for every output, or (functional models) one per output: an array, or a record by output name (null: no loss). */
export type LossSpec = LossIdentifier | CustomLossSpec | Record<string, unknown>;
/** Options of `model.compile`: optimizer (name or instance), loss, metrics. */
export interface CompileArgs {
  optimizer: OptimizerIdentifier | Optimizer;
  /** A name ('mae', 'huber' …), { name, ...options } or a custom { name?, value, gradient } (src/losses/resolve.ts); per output: an array or a record by output name. */
  loss: LossSpec | (LossSpec | null)[];
  /** Names or { name, ...options } (src/metrics/resolve.ts); per output: an array of lists or a record by output name. */
  metrics?: (MetricIdentifier | Record<string, unknown>)[] | (MetricIdentifier | Record<string, unknown>)[][] | Record<string, (MetricIdentifier | Record<string, unknown>)[]>;
  /** Per-output weights of the total loss (Keras loss_weights): an array or a record by output name; default 1. */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Default true: a padding mask reaching the output (Embedding maskZero → recurrent
   * returnSequences) leaves masked steps out of the loss and metrics, as Keras does.
   * false: the TensorFlow.js behaviour (every step counts), which the fixtures record.
   */
  maskLoss?: boolean;
}
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics', 'lossWeights', 'maskLoss'] as const;
/** Options of predict and evaluate. */
export interface PredictArgs { batchSize?: number }
export const PREDICT_OPTIONS = ['batchSize'] as const;
/** Options of evaluate: `sampleWeight` ([N] or [N, T]) weighs rows as in fit. */
export interface EvaluateArgs { batchSize?: number; sampleWeight?: TensorLike }
export const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight'] as const;

/** Running sums of one evaluation. */
export interface EvalRun { lossSum: number; samples: number; acc: Float64Array }

/** x for a model: one tensor, one per input (array), or a record by input name. */
export type ModelInput = TensorLike | TensorLike[] | Record<string, TensorLike>;
/** y: one tensor, one per output (array; null for an output without a loss), or a record by output name. */
export type ModelTarget = TensorLike | (TensorLike | null)[] | Record<string, TensorLike>;
