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
import { Masking, type MaskingArgs } from './masking.js';
import { TimeDistributed, type TimeDistributedArgs } from './time-distributed.js';
import type { BaseLayerArgs } from './layer.js';
import { RepeatVector, type RepeatVectorArgs } from './repeat-vector.js';
import { GlobalAveragePooling1D, GlobalMaxPooling1D, type GlobalPoolingArgs } from './pooling.js';
import { Normalization, type NormalizationArgs } from './normalization.js';
import { describe } from '../names.js';
import { penaltyArgsFromConfig } from '../train/penalties.js';
import { checkOptions } from '../util/options.js';
import type { MultiOutputOf, ReturnStateOf } from '../models/output-types.js';
import type { ActivationIdentifier, InitializerSpec } from '../util/identifiers.js';
import { canonicalConfig, SUPPORTED_LAYER_CLASSES as KERAS_CLASSES, type LayerClass, type Source } from '../keras/config.js';

export { Layer, Dense, Embedding, Dropout, Flatten, Recurrent, Bidirectional, Masking, TimeDistributed };
export type { DenseArgs, EmbeddingArgs, DropoutArgs, RecurrentArgs, BidirectionalArgs, BaseLayerArgs, MaskingArgs, TimeDistributedArgs };
export { RepeatVector, GlobalAveragePooling1D, GlobalMaxPooling1D, Normalization };
export type { RepeatVectorArgs, GlobalPoolingArgs, NormalizationArgs };

const GLOBAL_POOLING_OPTIONS = [...BASE_LAYER_OPTIONS, 'dataFormat', 'keepdims'] as const;

/** A factory's options: an object (these layers have required options) with only known keys. */
function args<T extends object>(a: T, allowed: readonly string[], who: string): T {
  if (!a || typeof a !== 'object') throw new Error(`layers.${who}: expected an options object, got ${describe(a)}`);
  // Keras passes initial_state when calling the layer on tensors (the functional API), not to the constructor
  if (Object.prototype.hasOwnProperty.call(a, 'initialState') || Object.prototype.hasOwnProperty.call(a, 'initial_state')) {
    throw new Error(`layers.${who}: initialState is not a layer option: give it when calling the layer, layer.apply(x, { initialState: [h, c] }) (LSTM; GRU/SimpleRNN [h]), or seed a stateful layer with layer.resetStates(states)`);
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
  masking: (a: MaskingArgs = {}) => new Masking(args(a, [...BASE_LAYER_OPTIONS, 'maskValue'], 'masking')),
  timeDistributed: (a: TimeDistributedArgs) => new TimeDistributed(args(a, [...BASE_LAYER_OPTIONS, 'layer'], 'timeDistributed')),
  repeatVector: (a: RepeatVectorArgs) => new RepeatVector(args(a, [...BASE_LAYER_OPTIONS, 'n'], 'repeatVector')),
  globalAveragePooling1D: (a: GlobalPoolingArgs = {}) => new GlobalAveragePooling1D(args(a, GLOBAL_POOLING_OPTIONS, 'globalAveragePooling1D')),
  globalMaxPooling1D: (a: GlobalPoolingArgs = {}) => new GlobalMaxPooling1D(args(a, GLOBAL_POOLING_OPTIONS, 'globalMaxPooling1D')),
  normalization: (a: NormalizationArgs = {}) => new Normalization(args(a, [...BASE_LAYER_OPTIONS, 'axis', 'mean', 'variance', 'invert'], 'normalization')),
};

/** Layer classes a topology may name (src/keras/config.ts, without InputLayer). */
export const SUPPORTED_LAYER_CLASSES = KERAS_CLASSES.filter((c) => c !== 'InputLayer') as Exclude<(typeof KERAS_CLASSES)[number], 'InputLayer'>[];

type Cfg = Record<string, any>;

function base(c: Cfg): BaseLayerArgs {
  const b: BaseLayerArgs = { name: c.name, trainable: c.trainable ?? true, ...penaltyArgsFromConfig(c) };
  const bis = c.batch_input_shape ?? c.batch_shape;
  if (bis) b.batchInputShape = bis;
  else if (c.input_shape) b.inputShape = c.input_shape;
  if (c.batch_size != null && !bis) b.batchSize = c.batch_size;
  return b;
}

const camelAct = (a: unknown): ActivationIdentifier => String(a).replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase()) as ActivationIdentifier;

/**
 * Build a layer from a topology entry (snake_case config) written in `dialect`
 * (default 'tfjs': model.json, and the canonical configs the loaders produce).
 * Options are validated and absent ones take the dialect's defaults in ONE
 * place, src/keras/config.ts (canonicalConfig), the same path every loader
 * takes; this function only maps the canonical config to the layer's args.
 */
export function layerFromConfig(className: string, config: Cfg, dialect: Source = 'tfjs'): Layer {
  if (!config || typeof config !== 'object') throw new Error(`${className}: config must be an object, got ${describe(config)}`);
  if (!(SUPPORTED_LAYER_CLASSES as string[]).includes(className)) {
    throw new Error(`unknown layer class '${className}'; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
  const cls = className as LayerClass;
  const c = canonicalConfig(cls, config, { where: `${className} '${config.name}'`, source: dialect, className });
  const b = base(config);
  switch (cls) {
    case 'Dense':
      return new Dense({ ...b, units: c.units as number, activation: camelAct(c.activation), useBias: c.use_bias as boolean,
        kernelInitializer: (c.kernel_initializer ?? 'glorotUniform') as InitializerSpec, biasInitializer: (c.bias_initializer ?? 'zeros') as InitializerSpec });
    case 'Embedding':
      return new Embedding({ ...b, inputDim: c.input_dim as number, outputDim: c.output_dim as number, maskZero: c.mask_zero as boolean,
        inputLength: config.input_length ?? undefined, embeddingsInitializer: (c.embeddings_initializer ?? 'randomUniform') as InitializerSpec });
    case 'LSTM': case 'GRU': case 'SimpleRNN': {
      const kind = cls === 'LSTM' ? 'lstm' : cls === 'GRU' ? 'gru' : 'rnn';
      return new Recurrent(kind, {
        ...b, units: c.units as number, activation: camelAct(c.activation),
        recurrentActivation: kind === 'rnn' ? undefined : camelAct(c.recurrent_activation),
        useBias: c.use_bias as boolean, unitForgetBias: kind === 'lstm' ? c.unit_forget_bias as boolean : undefined,
        resetAfter: kind === 'gru' ? c.reset_after as boolean : undefined,
        returnSequences: c.return_sequences as boolean, returnState: c.return_state as boolean,
        goBackwards: c.go_backwards as boolean, stateful: c.stateful as boolean,
        dropout: c.dropout as number, recurrentDropout: c.recurrent_dropout as number,
        zeroOutputForMask: c.zero_output_for_mask as boolean,
        kernelInitializer: (c.kernel_initializer ?? 'glorotUniform') as InitializerSpec, recurrentInitializer: (c.recurrent_initializer ?? 'orthogonal') as InitializerSpec,
        biasInitializer: (c.bias_initializer ?? 'zeros') as InitializerSpec,
      });
    }
    case 'Dropout':
      return new Dropout({ ...b, rate: c.rate as number });
    case 'Flatten':
      return new Flatten(b);
    case 'Masking':
      return new Masking({ ...b, maskValue: c.mask_value as number });
    case 'TimeDistributed': {
      const inner = wrapped(config, 'TimeDistributed', ['Dense']);
      return new TimeDistributed({ ...b, layer: layerFromConfig(inner.class_name, inner.config, dialect) as Dense });
    }
    case 'Bidirectional': {
      if (config.backward_layer) throw new Error(`Bidirectional '${config.name}': a custom backward_layer is not supported`);
      const inner = wrapped(config, 'Bidirectional', ['LSTM', 'GRU', 'SimpleRNN']);
      const l = layerFromConfig(inner.class_name, inner.config, dialect) as Recurrent;
      return new Bidirectional({ ...b, layer: l, mergeMode: c.merge_mode as 'concat' | null });
    }
    case 'RepeatVector':
      return new RepeatVector({ ...b, n: c.n as number });
    case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D': {
      const a = { ...b, dataFormat: 'channels_last', keepdims: false };
      return cls === 'GlobalMaxPooling1D' ? new GlobalMaxPooling1D(a) : new GlobalAveragePooling1D(a);
    }
    case 'Normalization':
      if (c.mean == null) throw new Error(`Normalization '${config.name}': the config must state mean and variance (an adapted layer's statistics saved as weights are not supported)`);
      return new Normalization({ ...b, axis: -1, mean: c.mean as number[], variance: c.variance as number[], invert: c.invert as boolean });
  }
}

function wrapped(config: Cfg, cls: string, allowed: string[]): { class_name: string; config: Cfg } {
  const inner = config.layer;
  if (!inner || typeof inner !== 'object' || typeof inner.class_name !== 'string') {
    throw new Error(`${cls} '${config.name}': 'layer' must be a {class_name, config} object, got ${describe(inner)}`);
  }
  if (!allowed.includes(inner.class_name)) {
    throw new Error(`${cls} '${config.name}': the wrapped layer must be ${allowed.join(', ')}, got ${inner.class_name}`);
  }
  return inner;
}
