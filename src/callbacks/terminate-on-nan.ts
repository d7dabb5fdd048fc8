/**
 * Keras TerminateOnNaN: stop training at the first batch whose loss is NaN or
 * infinite. Without it, fit throws at such a batch; with it, fit stops (the
 * epoch's logs and callbacks still run, as in Keras) and returns the history.
 */
import type { Callback, Logs, TrainingModel } from '../callbacks.js';

export class TerminateOnNaN implements Callback {
  /** fit asks this before throwing on a non-finite loss. */
  readonly stopsOnNonFiniteLoss = true;
  terminatedAt: { batch: number } | null = null;
  private model: TrainingModel | null = null;
  setModel(model: TrainingModel) {
    this.model = model;
  }
  onTrainBegin() {
    this.terminatedAt = null;
  }
  onBatchEnd(batch: number, logs: Logs = {}) {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.terminatedAt = { batch };
      this.model!.stopTraining = true;
    }
  }
}
