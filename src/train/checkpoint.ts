/**
 * Checkpoints that resume training exactly: `model.save(target, { includeOptimizer: true })`
 * writes, beside the model, the optimizer's state as weights of manifest group
 * 'optimizer' (tfjs' convention; after the model weights):
 *
 *   optimizer/iter                    [1]  the update count (Adam's t, the schedule's step)
 *   <weight name>/<slot name>         each slot of each weight (Adam m, v; RMSprop rms, mg, mom; SGD momentum)
 *
 * and a training config { loss, metrics, mask_loss, optimizer_config: { class_name,
 * config } } (tfjs' trainingConfig keys). `io.loadModel` compiles the model from it and
 * hands the slots to the optimizer, so the next step is the step an uninterrupted
 * run would have taken, bit for bit (float32 values are stored exactly).
 */
import type { Sequential } from '../models/sequential.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../optimizers.js';
import { scheduleFromConfig } from '../optimizers/schedules.js';
import type { DecodedWeight, NamedWeight } from '../io/weights.js';
import { describe } from '../names.js';

const SLOT_NAMES: Record<string, (o: Optimizer) => string[]> = {
  Adam: () => ['m', 'v'], AdamW: () => ['m', 'v'],
  RMSprop: (o) => ((o as RMSprop).centered ? ['rms', 'mg', 'momentum'] : ['rms', 'momentum']),
  SGD: () => ['momentum'],
};

export interface OptimizerCheckpoint {
  weights: NamedWeight[];
  trainingConfig: Record<string, unknown>;
}

/** The optimizer part of a checkpoint. Throws (before anything is written) for what cannot be saved. */
export function optimizerCheckpoint(model: Sequential): OptimizerCheckpoint {
  const who = `${model.name}.save: includeOptimizer`;
  const opt = model.optimizer, loss = model.loss;
  if (!opt || !loss) throw new Error(`${who}: the model is not compiled; there is no optimizer to save`);
  const config = opt.getConfig();
  if (opt.schedule && !config.learning_rate) {
    throw new Error(`${who}: the learning rate is a plain function, which cannot be saved; use optimizers.schedules.* or a number`);
  }
  if (!loss.plain && Object.keys(loss.config).length === 0) {
    throw new Error(`${who}: the custom loss '${loss.name}' cannot be saved in a training config`);
  }
  const state = opt.attached ? opt.snapshot() : opt.restoredState ?? { iterations: opt.iterations, slots: [] };
  const names = SLOT_NAMES[opt.className]?.(opt) ?? state.slots.map((_, k) => `slot${k}`);
  const weights: NamedWeight[] = [{ name: 'optimizer/iter', shape: [1], data: Float32Array.of(state.iterations) }];
  const layout = model.paramLayout();
  state.slots.forEach((slot, k) => {
    for (const p of layout) weights.push({ name: `${p.name}/${names[k]}`, shape: p.shape, data: slot.slice(p.offset, p.offset + p.size) });
  });
  const trainingConfig = {
    loss: Object.keys(loss.config).length ? { class_name: loss.name, config: loss.config } : loss.keras,
    metrics: model.metrics.map((m) => m.spec),
    mask_loss: model.maskLoss,
    optimizer_config: { class_name: opt.className, config },
  };
  return { weights, trainingConfig };
}

function optimizerFromConfig(c: unknown, who: string): Optimizer {
  const o = c as { class_name?: unknown; config?: Record<string, unknown> };
  const cfg = o?.config ?? {};
  const lrc = cfg.learning_rate;
  const learningRate = lrc !== null && typeof lrc === 'object' ? scheduleFromConfig(lrc as never, who) : lrc as number;
  const common = {
    learningRate, clipNorm: cfg.clipnorm as number | undefined, clipValue: cfg.clipvalue as number | undefined,
    weightDecay: cfg.weight_decay as number | undefined,
  };
  switch (o?.class_name) {
    case 'Adam': return new Adam({ ...common, beta1: cfg.beta_1 as number, beta2: cfg.beta_2 as number, epsilon: cfg.epsilon as number });
    case 'AdamW': return new AdamW({ ...common, beta1: cfg.beta_1 as number, beta2: cfg.beta_2 as number, epsilon: cfg.epsilon as number });
    case 'RMSprop': return new RMSprop({ ...common, rho: cfg.rho as number, momentum: cfg.momentum as number, epsilon: cfg.epsilon as number, centered: cfg.centered as boolean });
    case 'SGD': return new SGD({ ...common, momentum: cfg.momentum as number, nesterov: cfg.nesterov as boolean });
    default: throw new Error(`${who}: optimizer_config.class_name ${describe(o?.class_name)} is not one of Adam, AdamW, RMSprop, SGD`);
  }
}

const camel = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));

/**
 * Compile `model` from a checkpoint's training config and restore the optimizer's slots.
 * Validates everything first; the model is untouched when this throws.
 */
export function restoreTraining(model: Sequential, tc: Record<string, unknown>, saved: readonly DecodedWeight[], file: string): void {
  const who = `${file}: optimizer state`;
  const optimizer = optimizerFromConfig(tc.optimizer_config, who);
  const lc = tc.loss;
  const loss = typeof lc === 'string' ? lc : { name: (lc as { class_name: string }).class_name, ...camel((lc as { config: Record<string, unknown> }).config) };
  const iter = saved.find((w) => w.name === 'optimizer/iter');
  if (!iter || iter.data.length !== 1 || !Number.isInteger(iter.data[0]) || iter.data[0] < 0) {
    throw new Error(`${who}: weight 'optimizer/iter' (one non-negative integer) is missing or malformed`);
  }
  const layout = model.paramLayout();
  const n = model.paramFloats();
  const names = SLOT_NAMES[optimizer.className]?.(optimizer) ?? [];
  const slotCount = saved.length > 1 ? optimizer.slotCount() : 0;
  const slots: Float32Array[] = [];
  for (let k = 0; k < slotCount; k++) {
    const block = new Float32Array(n);
    for (const p of layout) {
      const name = `${p.name}/${names[k]}`;
      const w = saved.find((s) => s.name === name);
      if (!w || w.data.length !== p.size) throw new Error(`${who}: slot '${name}' with ${p.size} values is missing or has ${w?.data.length ?? 0}`);
      block.set(w.data, p.offset);
    }
    slots.push(block);
  }
  if (saved.length !== 1 + slotCount * layout.length) {
    throw new Error(`${who}: expected ${1 + slotCount * layout.length} optimizer weights for ${optimizer.className}, the file has ${saved.length}`);
  }
  // set before compile: compile attaches right away when the model already lives in a backend
  optimizer.restoredState = { iterations: iter.data[0], slots };
  optimizer.iterations = iter.data[0];
  model.compile({ optimizer, loss: loss as never, metrics: (tc.metrics as never) ?? [], maskLoss: tc.mask_loss === undefined ? true : tc.mask_loss as boolean });
}
