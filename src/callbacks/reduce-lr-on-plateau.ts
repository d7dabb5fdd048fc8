/**
 * Keras ReduceLROnPlateau: when `monitor` has not improved by minDelta for
 * `patience` epochs, lr ← max(lr · factor, minLr), then wait `cooldown` epochs
 * before counting again. Needs a constant learning rate (a schedule owns the rate).
 */
import type { Callback, Logs, TrainingModel } from '../callbacks.js';
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';
import { monitorValue, resolveMode, type Mode } from './monitor.js';

export interface ReduceLROnPlateauArgs {
  monitor?: string; factor?: number; patience?: number; verbose?: number; mode?: Mode;
  minDelta?: number; cooldown?: number; minLr?: number;
}

const WHO = 'callbacks.reduceLROnPlateau';

export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  private model: TrainingModel | null = null;
  private best = Infinity;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    checkOptions(args, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'], WHO);
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor >= 0 && this.factor < 1)) throw new Error(`${WHO}: factor must be a number in [0, 1), got ${describe(args.factor)}`);
    this.patience = int(args.patience, 10, 'patience');
    this.cooldown = int(args.cooldown, 0, 'cooldown');
    this.minDelta = args.minDelta ?? 1e-4;
    this.minLr = args.minLr ?? 0;
    this.verbose = args.verbose ?? 0;
    this.mode = resolveMode(args.mode, this.monitor, WHO);
  }

  setModel(model: TrainingModel) {
    this.model = model;
  }

  onTrainBegin() {
    const opt = this.model?.optimizer;
    if (!opt) throw new Error(`${WHO}: the model has no optimizer (compile it first)`);
    if (opt.schedule) throw new Error(`${WHO}: the optimizer's learning rate is a schedule; ReduceLROnPlateau needs a constant rate`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  private better(a: number, b: number) {
    return this.mode === 'min' ? a < b - this.minDelta : a > b + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs = {}) {
    const opt = this.model!.optimizer!;
    const current = monitorValue(logs, this.monitor, WHO);
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience && opt.learningRate > this.minLr) {
        opt.learningRate = Math.max(opt.learningRate * this.factor, this.minLr);
        if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${opt.learningRate}.`);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

function int(v: unknown, def: number, what: string): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${WHO}: ${what} must be a non-negative integer, got ${describe(v)}`);
  return v as number;
}
