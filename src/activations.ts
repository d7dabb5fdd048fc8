/** Activation names ↔ kernel codes (src/backend/types.ts ACT). */
import { ACT } from './backend/types.js';
import { pick } from './names.js';

/**
 * 'hardSigmoid' is the Keras 2 / tf.keras / TensorFlow.js form clip(0.2x + 0.5, 0, 1);
 * 'hardSigmoidKeras3' is Keras 3's clip(x/6 + 0.5, 0, 1) (a Keras-3-saved 'hard_sigmoid'
 * loads as this one: src/keras/config.ts HARD_SIGMOID).
 */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3' | 'softmax';
const NAMES: ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'hardSigmoidKeras3', 'softmax'];

/** Keras spelling for configs. */
const KERAS: Record<ActivationName, string> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', hardSigmoid: 'hard_sigmoid', hardSigmoidKeras3: 'hard_sigmoid_keras3',
  softmax: 'softmax',
};

export function parseActivation(name: unknown, what: string, allowSoftmax = true): ActivationName {
  if (name === null || name === undefined) return 'linear';
  const n = pick(name === 'None' ? 'linear' : name, NAMES, what);
  if (n === 'softmax' && !allowSoftmax) throw new Error(`${what}: 'softmax' is only supported on dense layers`);
  return n;
}

export const activationCode = (a: ActivationName): number => ACT[a];
export const kerasActivation = (a: ActivationName): string => KERAS[a];
