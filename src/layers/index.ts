/**
 * `layers.*` factories (API.md) and `layerFromConfig`, which builds a layer
 * from a Keras/tfjs topology entry (snake_case config).
 */
import { Layer } from './layer.js';
import { Dense, type DenseArgs } from './dense.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { Dropout, Flatten, type DropoutArgs } from './dropout.js';
import { Recurrent, type RecurrentArgs } from './recurrent.js';
import { Bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { Masking, type MaskingArgs } from './masking.js';
import { TimeDistributed, type TimeDistributedArgs } from './time-distributed.js';
import type { BaseLayerArgs } from './layer.js';
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';
import { canonicalConfig, SUPPORTED_LAYER_CLASSES as KERAS_CLASSES, type LayerClass, type Source } from '../keras/config.js';

export { Layer, Dense, Embedding, Dropout, Flatten, Recurrent, Bidirectional, Masking, TimeDistributed };
export type { DenseArgs, EmbeddingArgs, DropoutArgs, RecurrentArgs, BidirectionalArgs, BaseLayerArgs, MaskingArgs, TimeDistributedArgs };

const BASE_KEYS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable'];

function args<T>(a: T, who: string): T {
  if (!a || typeof a !== 'object') throw new Error(`layers.${who}: expected an options object, got ${describe(a)}`);
  return a;
}

export const layers = {
  embedding: (a: EmbeddingArgs) => new Embedding(args(a, 'embedding')),
  lstm: (a: RecurrentArgs) => new Recurrent('lstm', args(a, 'lstm')),
  gru: (a: RecurrentArgs) => new Recurrent('gru', args(a, 'gru')),
  simpleRNN: (a: RecurrentArgs) => new Recurrent('rnn', args(a, 'simpleRNN')),
  bidirectional: (a: BidirectionalArgs) => new Bidirectional(args(a, 'bidirectional')),
  dense: (a: DenseArgs) => new Dense(args(a, 'dense')),
  dropout: (a: DropoutArgs) => new Dropout(args(a, 'dropout')),
  flatten: (a: BaseLayerArgs = {}) => new Flatten(a),
  masking: (a: MaskingArgs = {}) => new Masking(checkOptions(args(a, 'masking'), ['maskValue', ...BASE_KEYS], 'layers.masking')),
  timeDistributed: (a: TimeDistributedArgs) =>
    new TimeDistributed(checkOptions(args(a, 'timeDistributed'), ['layer', ...BASE_KEYS], 'layers.timeDistributed')),
};

/** Layer classes a topology may name (src/keras/config.ts, without InputLayer). */
export const SUPPORTED_LAYER_CLASSES = KERAS_CLASSES.filter((c) => c !== 'InputLayer') as Exclude<(typeof KERAS_CLASSES)[number], 'InputLayer'>[];

type Cfg = Record<string, any>;

function base(c: Cfg): BaseLayerArgs {
  const b: BaseLayerArgs = { name: c.name, trainable: c.trainable ?? true };
  const bis = c.batch_input_shape ?? c.batch_shape;
  if (bis) b.batchInputShape = bis;
  else if (c.input_shape) b.inputShape = c.input_shape;
  if (c.batch_size != null && !bis) b.batchSize = c.batch_size;
  return b;
}

const camelAct = (a: unknown): string => String(a).replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

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
        kernelInitializer: c.kernel_initializer ?? 'glorotUniform', biasInitializer: c.bias_initializer ?? 'zeros' });
    case 'Embedding':
      return new Embedding({ ...b, inputDim: c.input_dim as number, outputDim: c.output_dim as number, maskZero: c.mask_zero as boolean,
        inputLength: config.input_length ?? undefined, embeddingsInitializer: c.embeddings_initializer ?? 'randomUniform' });
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
        kernelInitializer: c.kernel_initializer ?? 'glorotUniform', recurrentInitializer: c.recurrent_initializer ?? 'orthogonal',
        biasInitializer: c.bias_initializer ?? 'zeros',
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
      return new Bidirectional({ ...b, layer: l, mergeMode: c.merge_mode as 'concat' });
    }
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
