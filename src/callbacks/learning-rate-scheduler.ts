/** Keras LearningRateScheduler: at the start of each epoch, lr ← schedule(epoch, lr). */
import type { Callback, TrainingModel } from '../callbacks.js';
import { describe } from '../names.js';

const WHO = 'callbacks.learningRateScheduler';

export class LearningRateScheduler implements Callback {
  private model: TrainingModel | null = null;
  constructor(readonly schedule: (epoch: number, lr: number) => number, readonly verbose = 0) {
    if (typeof schedule !== 'function') throw new Error(`${WHO}: expected a function (epoch, lr) => lr, got ${describe(schedule)}`);
  }
  setModel(model: TrainingModel) {
    this.model = model;
  }
  onEpochBegin(epoch: number) {
    const opt = this.model?.optimizer;
    if (!opt) throw new Error(`${WHO}: the model has no optimizer (compile it first)`);
    if (opt.schedule) throw new Error(`${WHO}: the optimizer's learning rate is already a schedule`);
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) throw new Error(`${WHO}: the schedule returned ${describe(lr)} for epoch ${epoch}; expected a finite number > 0`);
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
}
