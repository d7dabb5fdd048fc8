/**
 * Keras ModelCheckpoint: save the model at the end of every epoch, or only when
 * `monitor` improves (saveBestOnly). `filepath` may hold Keras-style fields,
 * formatted from the epoch (1-based, like Keras) and the epoch's logs:
 * 'file://ckpt/epoch-{epoch:02d}-{val_loss:.4f}'. includeOptimizer: true saves
 * the optimizer state too, so io.loadModel resumes exactly.
 */
import type { Callback, Logs, TrainingModel } from '../callbacks.js';
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';
import { monitorValue, resolveMode, type Mode } from './monitor.js';

const WHO = 'callbacks.modelCheckpoint';

export interface ModelCheckpointArgs {
  filepath: string; monitor?: string; mode?: Mode; saveBestOnly?: boolean; includeOptimizer?: boolean; verbose?: number;
}

/** Python format fields {name}, {name:02d}, {name:.4f}. */
export function formatPath(pattern: string, epoch: number, logs: Logs): string {
  return pattern.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, key: string, spec: string | undefined) => {
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (v === undefined) throw new Error(`${WHO}: filepath field '{${key}}' is not 'epoch' or a log key (have: ${Object.keys(logs).join(', ')})`);
    if (!spec) return String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([df])$/.exec(spec);
    if (!m) throw new Error(`${WHO}: unsupported format '${spec}' in filepath field '{${key}}' (use d or f, e.g. 02d, .4f)`);
    const s = m[4] === 'd' ? String(Math.trunc(v)) : v.toFixed(m[3] ? Number(m[3]) : 6);
    return m[2] ? s.padStart(Number(m[2]), m[1] ? '0' : ' ') : s;
  });
}

export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  readonly verbose: number;
  /** Paths written, in order. */
  readonly saved: string[] = [];
  private model: TrainingModel | null = null;
  private best = Infinity;

  constructor(args: ModelCheckpointArgs) {
    checkOptions(args, ['filepath', 'monitor', 'mode', 'saveBestOnly', 'includeOptimizer', 'verbose'], WHO);
    if (typeof args.filepath !== 'string' || !args.filepath) throw new Error(`${WHO}: filepath must be a non-empty string, got ${describe(args.filepath)}`);
    this.filepath = args.filepath;
    this.monitor = args.monitor ?? 'val_loss';
    this.mode = resolveMode(args.mode, this.monitor, WHO);
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.includeOptimizer = args.includeOptimizer ?? false;
    this.verbose = args.verbose ?? 0;
  }

  setModel(model: TrainingModel) {
    this.model = model;
  }

  onTrainBegin() {
    if (!this.model?.save) throw new Error(`${WHO}: the model cannot be saved`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs = {}) {
    if (this.saveBestOnly) {
      const v = monitorValue(logs, this.monitor, WHO);
      if (!(this.mode === 'min' ? v < this.best : v > this.best)) return;
      if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${v}, saving model`);
      this.best = v;
    }
    const path = formatPath(this.filepath, epoch, logs);
    await this.model!.save!(path, { includeOptimizer: this.includeOptimizer });
    this.saved.push(path);
  }
}
