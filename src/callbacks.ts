/**
 * Training callbacks (Keras/tfjs shape). Any hook may be async. A callback can
 * stop training by setting `model.stopTraining = true`.
 */
import { checkOptions } from './util/options.js';
import { describe } from './names.js';
import { allowDuringFit } from './models/guard.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './callbacks/reduce-lr-on-plateau.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from './callbacks/model-checkpoint.js';
import { CsvLogger, type CsvLoggerArgs } from './callbacks/csv-logger.js';
import { LearningRateScheduler } from './callbacks/learning-rate-scheduler.js';
import { TerminateOnNaN } from './callbacks/terminate-on-nan.js';

export { ReduceLROnPlateau, ModelCheckpoint, CsvLogger, LearningRateScheduler, TerminateOnNaN };
export type { ReduceLROnPlateauArgs, ModelCheckpointArgs, CsvLoggerArgs };

/** Metric values passed to callbacks, e.g. `{ loss, accuracy, val_loss, val_accuracy }`. */
export type Logs = Record<string, number>;

export interface TrainingModel {
  stopTraining: boolean;
  getWeights(): { name: string; shape: number[]; data: Float32Array }[];
  setWeights(w: { name: string; shape: number[]; data: Float32Array }[]): void;
  /** The compiled optimizer (learning-rate callbacks change its rate). */
  optimizer?: { learningRate: number; schedule: unknown } | null;
  save?(target: string, opts?: { includeOptimizer?: boolean }): Promise<unknown>;
}

/** Hooks `fit` calls during training (each optional, may be async). */
export interface Callback {
  setModel?(model: TrainingModel): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

export interface EarlyStoppingArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  minDelta?: number;
  patience?: number;
  /** 'auto' picks 'max' for accuracy-like names, else 'min'. */
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}
export const EARLY_STOPPING_OPTIONS = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'verbose'] as const;

/** Keras EarlyStopping: stop when `monitor` has not improved by minDelta for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  stoppedEpoch = -1;
  bestEpoch = -1;
  private model: TrainingModel | null = null;
  private wait = 0;
  private best = Infinity;
  private bestWeights: ReturnType<TrainingModel['getWeights']> | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    args = checkOptions(args, EARLY_STOPPING_OPTIONS, 'callbacks.earlyStopping');
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new Error(`callbacks.earlyStopping: monitor must be a string, got ${describe(this.monitor)}`);
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new Error(`callbacks.earlyStopping: patience must be a non-negative integer, got ${describe(args.patience)}`);
    }
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw new Error(`callbacks.earlyStopping: mode must be 'auto', 'min' or 'max', got ${describe(mode)}`);
    this.mode = mode === 'auto' ? (/acc/.test(this.monitor) ? 'max' : 'min') : mode;
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  setModel(model: TrainingModel) {
    this.model = model;
  }

  private better(a: number, b: number): boolean {
    return this.mode === 'min' ? a < b - this.minDelta : a > b + this.minDelta;
  }

  onTrainBegin() {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.best = this.baseline ?? (this.mode === 'min' ? Infinity : -Infinity);
    this.bestWeights = null;
  }

  onEpochEnd(epoch: number, logs: Logs = {}) {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new Error(`callbacks.earlyStopping: monitor '${this.monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')})`);
    }
    this.wait++;
    if (this.better(v, this.best)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd() {
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch >= 0) allowDuringFit(this.model!, () => this.model!.setWeights(this.bestWeights!));
  }
}

/** Built-in callbacks: `callbacks.earlyStopping({ monitor, patience, restoreBestWeights, … })`. */
export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(args),
  modelCheckpoint: (args: ModelCheckpointArgs) => new ModelCheckpoint(args),
  csvLogger: (args: CsvLoggerArgs) => new CsvLogger(args),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number, verbose = 0) => new LearningRateScheduler(schedule, verbose),
  terminateOnNaN: () => new TerminateOnNaN(),
};
