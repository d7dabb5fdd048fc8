/**
 * String-literal types for every Keras identifier the API accepts, in both spellings
 * (`'binaryCrossentropy'` / `'binary_crossentropy'`), derived from each module's own
 * list of names, so editors complete them and typos fail to compile. (At run time any
 * casing is accepted, names.ts `pick`.)
 */
import type { ActivationName } from '../activations.js';
import type { Initializer, InitializerName } from '../initializers.js';
import type { LossName } from '../losses.js';
import type { MetricName } from '../metrics/resolve.js';
import type { OptimizerName } from '../optimizers.js';

/** The snake_case form of a camelCase name: `'binaryCrossentropy'` → `'binary_crossentropy'`. */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;

/** A Keras name in its camelCase or snake_case form. */
export type KerasIdentifier<N extends string> = N | SnakeCase<N>;

/** `compile({ loss })`: e.g. `'binaryCrossentropy'`, `'binary_crossentropy'`, `'mse'`, `'mae'`. */
export type LossIdentifier = KerasIdentifier<LossName> | 'mse' | 'mae' | 'mape' | 'msle' | 'kld';
/** `compile({ metrics: [...] })`: e.g. `'accuracy'`, `'acc'`, `'mae'`, `'auc'`. */
export type MetricIdentifier = KerasIdentifier<MetricName> | 'acc' | 'mae' | 'mse' | 'rmse' | 'mape';
/** `compile({ optimizer })` by name, with Keras defaults: `'adam'`, `'rmsprop'`, `'sgd'`. */
export type OptimizerIdentifier = KerasIdentifier<OptimizerName>;
/** A layer's `activation` / `recurrentActivation`: e.g. `'tanh'`, `'hardSigmoid'`, `'hard_sigmoid'`. */
export type ActivationIdentifier = KerasIdentifier<ActivationName>;
/** An initializer by name: e.g. `'glorotUniform'`, `'glorot_uniform'`, `'orthogonal'`. */
export type InitializerIdentifier = KerasIdentifier<InitializerName>;
/**
 * A layer's `kernelInitializer` (etc.): a name, a Keras config object
 * (`{ className: 'RandomUniform', config: { minval: -0.1, maxval: 0.1 } }`, or `class_name`), or an Initializer.
 */
export type InitializerSpec = InitializerIdentifier
  | { className: string; config?: Record<string, unknown> }
  | { class_name: string; config?: Record<string, unknown> }
  | Initializer;
