/**
 * `layers.*` factories (API.md) and `layerFromConfig`, which builds a layer
 * from a Keras/tfjs topology entry (snake_case config).
 */
import { Layer, BASE_LAYER_OPTIONS } from './layer.js';
import { Dense, DENSE_OPTIONS, type DenseArgs } from './dense.js';
import { Embedding, EMBEDDING_OPTIONS, type EmbeddingArgs } from './embedding.js';
import { Dropout, Flatten, DROPOUT_OPTIONS, type DropoutArgs } from './dropout.js';
import { Recurrent, RECURRENT_OPTIONS, type RecurrentArgs } from './recurrent.js';
import { Bidirectional, BIDIRECTIONAL_OPTIONS, type BidirectionalArgs } from './bidirectional.js';
import type { BaseLayerArgs } from './layer.js';
import { RepeatVector, type RepeatVectorArgs } from './repeat-vector.js';
import { GlobalAveragePooling1D, GlobalMaxPooling1D, type GlobalPoolingArgs } from './pooling.js';
import { Normalization, type NormalizationArgs } from './normalization.js';
import { describe } from '../names.js';
import { penaltyArgsFromConfig } from '../train/penalties.js';
import { checkOptions } from '../util/options.js';
import type { MultiOutputOf, ReturnStateOf } from '../models/output-types.js';

export { Layer, Dense, Embedding, Dropout, Flatten, Recurrent, Bidirectional };
export type { DenseArgs, EmbeddingArgs, DropoutArgs, RecurrentArgs, BidirectionalArgs, BaseLayerArgs };
export { RepeatVector, GlobalAveragePooling1D, GlobalMaxPooling1D, Normalization };
export type { RepeatVectorArgs, GlobalPoolingArgs, NormalizationArgs };

const GLOBAL_POOLING_OPTIONS = [...BASE_LAYER_OPTIONS, 'dataFormat', 'keepdims'] as const;

/** A factory's options: an object (these layers have required options) with only known keys. */
function args<T extends object>(a: T, allowed: readonly string[], who: string): T {
  if (!a || typeof a !== 'object') throw new Error(`layers.${who}: expected an options object, got ${describe(a)}`);
  // Keras passes initial_state when calling the layer on tensors (the functional API), not to the constructor
  if (Object.prototype.hasOwnProperty.call(a, 'initialState')) {
    throw new Error(`layers.${who}: initialState is not supported yet: it belongs to the functional API (layer.apply(x, { initialState })), which is not available in this build; for a stateful carry use stateful: true`);
  }
  return checkOptions(a, allowed, `layers.${who}`);
}

/**
 * Layer factories with Keras options and defaults; unknown option keys throw.
 *
 * @example
 * ```ts
 * const model = new Sequential([
 *   layers.embedding({ inputDim: 10000, outputDim: 32 }),
 *   layers.lstm({ units: 32, returnSequences: true }),
 *   layers.gru({ units: 16 }),
 *   layers.dense({ units: 1, activation: 'sigmoid' }),
 * ]);
 * ```
 */
export const layers = {
  embedding: (a: EmbeddingArgs) => new Embedding(args(a, EMBEDDING_OPTIONS, 'embedding')),
  // typed with the literal returnState, so predict knows a Tensor from a Tensor[] (models/output-types.ts)
  lstm: <A extends RecurrentArgs>(a: A) => new Recurrent('lstm', args(a, RECURRENT_OPTIONS, 'lstm')) as Recurrent & { readonly returnState: ReturnStateOf<A> },
  gru: <A extends RecurrentArgs>(a: A) => new Recurrent('gru', args(a, RECURRENT_OPTIONS, 'gru')) as Recurrent & { readonly returnState: ReturnStateOf<A> },
  simpleRNN: <A extends RecurrentArgs>(a: A) => new Recurrent('rnn', args(a, RECURRENT_OPTIONS, 'simpleRNN')) as Recurrent & { readonly returnState: ReturnStateOf<A> },
  bidirectional: <A extends BidirectionalArgs>(a: A) => new Bidirectional(args(a, BIDIRECTIONAL_OPTIONS, 'bidirectional')) as Bidirectional & { readonly multiOutput: MultiOutputOf<A> },
  dense: (a: DenseArgs) => new Dense(args(a, DENSE_OPTIONS, 'dense')),
  dropout: (a: DropoutArgs) => new Dropout(args(a, DROPOUT_OPTIONS, 'dropout')),
  flatten: (a: BaseLayerArgs = {}) => new Flatten(checkOptions(a, BASE_LAYER_OPTIONS, 'layers.flatten')),
  repeatVector: (a: RepeatVectorArgs) => new RepeatVector(args(a, [...BASE_LAYER_OPTIONS, 'n'], 'repeatVector')),
  globalAveragePooling1D: (a: GlobalPoolingArgs = {}) => new GlobalAveragePooling1D(args(a, GLOBAL_POOLING_OPTIONS, 'globalAveragePooling1D')),
  globalMaxPooling1D: (a: GlobalPoolingArgs = {}) => new GlobalMaxPooling1D(args(a, GLOBAL_POOLING_OPTIONS, 'globalMaxPooling1D')),
  normalization: (a: NormalizationArgs = {}) => new Normalization(args(a, [...BASE_LAYER_OPTIONS, 'axis', 'mean', 'variance', 'invert'], 'normalization')),
};

/** Layer classes a topology may name. */
export const SUPPORTED_LAYER_CLASSES = ['Embedding', 'LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Dense', 'Dropout', 'Flatten',
  'RepeatVector', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'Normalization'] as const;

type Cfg = Record<string, any>;

/** Keys every layer config may carry that do not change the math. */
const COMMON = new Set(['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'batch_size',
  'input_dtype', 'module', 'registered_name', 'build_config', 'seed', 'autocast']);
/** Options that must be null/absent (we do not implement them). */
const MUST_BE_NULL = ['noise_shape'];
/** Regularizer/constraint keys: read by base() (src/train/penalties.ts checks which class takes which). */
const PENALTY_KEYS = ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
  'embeddings_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'embeddings_constraint'];

function base(c: Cfg): BaseLayerArgs {
  const b: BaseLayerArgs = { name: c.name, trainable: c.trainable ?? true, ...penaltyArgsFromConfig(c) };
  const bis = c.batch_input_shape ?? c.batch_shape;
  if (bis) b.batchInputShape = bis;
  else if (c.input_shape) b.inputShape = c.input_shape;
  if (c.batch_size != null && !bis) b.batchSize = c.batch_size;
  return b;
}

function checkKeys(cls: string, c: Cfg, known: string[]): void {
  for (const k of MUST_BE_NULL) {
    if (c[k] !== undefined && c[k] !== null) throw new Error(`${cls} '${c.name}': option ${k} = ${JSON.stringify(c[k])} is not supported (only null)`);
  }
  for (const k of Object.keys(c)) {
    if (!COMMON.has(k) && !MUST_BE_NULL.includes(k) && !PENALTY_KEYS.includes(k) && !known.includes(k)) {
      throw new Error(`${cls} '${c.name}': unknown option '${k}' (= ${JSON.stringify(c[k])})`);
    }
  }
}

const RNN_KEYS = ['units', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer',
  'bias_initializer', 'unit_forget_bias', 'dropout', 'recurrent_dropout', 'implementation', 'return_sequences',
  'return_state', 'go_backwards', 'stateful', 'unroll', 'reset_after', 'time_major', 'zero_output_for_mask'];

function recurrentFrom(kind: 'lstm' | 'gru' | 'rnn', cls: string, c: Cfg): Recurrent {
  checkKeys(cls, c, RNN_KEYS);
  if (c.unroll) { /* unrolling does not change the math (tfjs ignores it too) */ }
  if (c.time_major) throw new Error(`${cls} '${c.name}': time_major = true is not supported`);
  return new Recurrent(kind, {
    ...base(c),
    units: c.units,
    activation: c.activation,
    recurrentActivation: kind === 'rnn' ? undefined : c.recurrent_activation ?? 'hard_sigmoid',
    useBias: c.use_bias ?? true,
    unitForgetBias: c.unit_forget_bias ?? true,
    resetAfter: c.reset_after ?? (kind === 'gru' ? false : undefined),
    returnSequences: c.return_sequences ?? false,
    returnState: c.return_state ?? false,
    goBackwards: c.go_backwards ?? false,
    stateful: c.stateful ?? false,
    dropout: c.dropout ?? 0,
    recurrentDropout: c.recurrent_dropout ?? 0,
    kernelInitializer: c.kernel_initializer ?? 'glorotUniform',
    recurrentInitializer: c.recurrent_initializer ?? 'orthogonal',
    biasInitializer: c.bias_initializer ?? 'zeros',
    zeroOutputForMask: c.zero_output_for_mask ?? false,
  });
}

/**
 * Build a layer from a topology entry. Missing options take the defaults of
 * the format (tfjs/Keras 2: hard_sigmoid recurrent activation, GRU
 * reset_after false), not this package's API defaults: files state their values.
 */
export function layerFromConfig(className: string, config: Cfg): Layer {
  if (!config || typeof config !== 'object') throw new Error(`${className}: config must be an object, got ${describe(config)}`);
  const c = config;
  switch (className) {
    case 'Dense':
      checkKeys(className, c, ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'lora_rank']);
      return new Dense({ ...base(c), units: c.units, activation: c.activation ?? 'linear', useBias: c.use_bias ?? true,
        kernelInitializer: c.kernel_initializer ?? 'glorotUniform', biasInitializer: c.bias_initializer ?? 'zeros' });
    case 'Embedding':
      checkKeys(className, c, ['input_dim', 'output_dim', 'embeddings_initializer', 'mask_zero', 'input_length', 'sparse', 'lora_rank']);
      return new Embedding({ ...base(c), inputDim: c.input_dim, outputDim: c.output_dim, maskZero: c.mask_zero ?? false,
        inputLength: c.input_length ?? undefined, embeddingsInitializer: c.embeddings_initializer ?? 'randomUniform' });
    case 'LSTM': return recurrentFrom('lstm', className, c);
    case 'GRU': return recurrentFrom('gru', className, c);
    case 'SimpleRNN': return recurrentFrom('rnn', className, c);
    case 'Dropout':
      checkKeys(className, c, ['rate']);
      return new Dropout({ ...base(c), rate: c.rate });
    case 'Flatten':
      checkKeys(className, c, ['data_format']);
      return new Flatten(base(c));
    case 'Bidirectional': {
      checkKeys(className, c, ['merge_mode', 'layer', 'backward_layer']);
      if (c.backward_layer) throw new Error(`Bidirectional '${c.name}': a custom backward_layer is not supported`);
      const inner = c.layer;
      if (!inner || typeof inner !== 'object' || typeof inner.class_name !== 'string') {
        throw new Error(`Bidirectional '${c.name}': 'layer' must be a {class_name, config} object, got ${describe(inner)}`);
      }
      const l = layerFromConfig(inner.class_name, inner.config);
      if (!(l instanceof Recurrent)) throw new Error(`Bidirectional '${c.name}': the wrapped layer must be LSTM, GRU or SimpleRNN, got ${inner.class_name}`);
      return new Bidirectional({ ...base(c), layer: l, mergeMode: c.merge_mode === undefined ? 'concat' : c.merge_mode });
    }
    case 'RepeatVector':
      checkKeys(className, c, ['n']);
      return new RepeatVector({ ...base(c), n: c.n });
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D': {
      checkKeys(className, c, ['data_format', 'keepdims']);
      const a = { ...base(c), dataFormat: c.data_format ?? 'channels_last', keepdims: c.keepdims ?? false };
      return className === 'GlobalMaxPooling1D' ? new GlobalMaxPooling1D(a) : new GlobalAveragePooling1D(a);
    }
    case 'Normalization':
      checkKeys(className, c, ['axis', 'mean', 'variance', 'invert']);
      if (c.mean == null) throw new Error(`Normalization '${c.name}': the config must state mean and variance (an adapted layer's statistics saved as weights are not supported)`);
      return new Normalization({ ...base(c), axis: Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1,
        mean: c.mean, variance: c.variance, invert: c.invert ?? false });
    default:
      throw new Error(`unknown layer class '${className}'; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
}
