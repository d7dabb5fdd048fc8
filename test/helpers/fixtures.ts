/**
 * Reading ../shared/fixtures (format: fixtures README): JSON numbers are the
 * shortest decimals that round-trip to float32, so Float32Array.from() recovers
 * the exact tfjs values.
 */
import type { LossIdentifier } from '../../src/util/identifiers.js';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { normalizeTopology } from '../../src/io/topology.js';
import { modelFromTopology } from '../../src/models/from-topology.js';
import { optimizers } from '../../src/optimizers.js';
import { tensor, Tensor } from '../../src/tensor.js';
import type { Sequential } from '../../src/models/sequential.js';

export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

export interface Rec { shape: number[]; data: number[]; dtype?: string; name?: string; label?: string }
/** The Keras topology JSON (model.toJSON()) of a fixture: a Sequential with snake_case layer configs. */
export interface FixtureTopology {
  class_name: string;
  config: { layers: { class_name: string; config: Record<string, unknown>; [key: string]: unknown }[]; [key: string]: unknown };
  [key: string]: unknown;
}
export interface Fixture {
  name: string;
  description: string;
  model: FixtureTopology;
  weights: (Rec & { name: string })[];
  input: Rec & { dtype?: 'float32' | 'int32' };
  output: Rec;
  outputs?: (Rec & { label: string })[];
  extraInputs?: (Rec & { label: string })[];
  states?: (Rec & { label: string })[];
  loss: { name: string; tfjs: string; appliedTo: string; target: Rec; value: number };
  grads: (Rec & { name: string })[];
  inputGrad?: Rec;
  step: { optimizer: { name: string; config: Record<string, number | boolean> }; weightsAfter: (Rec & { name: string })[] };
  extraSteps?: { step: number; lossBefore: number; grads: (Rec & { name: string })[]; weightsAfter: (Rec & { name: string })[] }[];
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

export const f32 = (r: { data: number[] }) => Float32Array.from(r.data);

/** The config of the fixture model's first layer of class `className` (e.g. 'LSTM'). */
export function layerConfig(fx: Fixture, className: string): Record<string, unknown> {
  const layer = fx.model.config.layers.find((l) => l.class_name === className);
  if (!layer) throw new Error(`fixture ${fx.name}: no ${className} layer`);
  return layer.config;
}

/** The weights of a fixture (or of the fixture with that name) as named float32 arrays (the io functions' NamedWeight). */
export function fixtureWeights(fx: Fixture | string): { name: string; shape: number[]; data: Float32Array }[] {
  return (typeof fx === 'string' ? loadFixture(fx) : fx).weights.map((w) => ({ name: w.name, shape: w.shape, data: f32(w) }));
}

export function inputTensor(r: Rec): Tensor {
  return r.dtype === 'int32' ? tensor(Int32Array.from(r.data), r.shape, 'int32') : tensor(f32(r), r.shape);
}

/**
 * The fixture's model with its weights, compiled with its loss and optimizer. maskLoss: false —
 * TensorFlow.js (which recorded the fixtures) lets masked steps count in the loss; Keras does not.
 */
export function fixtureModel(fx: Fixture): Sequential {
  const model = modelFromTopology(normalizeTopology(fx.model), fixtureWeights(fx));
  const c = fx.step.optimizer.config as Record<string, any>;
  const opt = fx.step.optimizer.name === 'sgd'
    ? optimizers.sgd({ learningRate: c.learning_rate, momentum: c.momentum, nesterov: c.nesterov })
    : fx.step.optimizer.name === 'adam'
      ? optimizers.adam({ learningRate: c.learning_rate, beta1: c.beta_1, beta2: c.beta_2, epsilon: c.epsilon })
      : optimizers.rmsprop({ learningRate: c.learning_rate, rho: c.rho, momentum: c.momentum, epsilon: c.epsilon });
  model.compile({ optimizer: opt, loss: fx.loss.tfjs as LossIdentifier, maskLoss: false });
  return model;
}
