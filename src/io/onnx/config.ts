import { optionDefault } from '../../keras/config.js';

/**
 * Reading the Keras topology JSON (snake_case configs, as `model.toJSON()` and
 * tfjs/Keras model.json write them) and the flat weight list in getWeights()
 * order. Everything here only validates and normalises; no ONNX yet.
 */

export interface WeightRecord {
  name: string;
  shape: number[];
  data: Float32Array | ArrayLike<number>;
}

export interface LayerJSON {
  class_name: string;
  config: Record<string, unknown>;
}

export type RnnKind = 'lstm' | 'gru' | 'rnn';

export interface RnnConfig {
  kind: RnnKind;
  name: string;
  units: number;
  activation: string;
  recurrentActivation: string;
  useBias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  resetAfter: boolean;
  zeroOutputForMask: boolean;
}

const RNN_CLASSES: Record<string, RnnKind> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };

export function rnnKindOf(className: string): RnnKind | undefined {
  return RNN_CLASSES[className];
}

/** Keras/tfjs names in either form ('hard_sigmoid', 'hardSigmoid') → 'hardsigmoid'. */
export function activationKey(value: unknown, fallback: string): string {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new Error(`toONNX: activation must be a string name, got ${JSON.stringify(value)}`);
  }
  return value.replace(/_/g, '').toLowerCase();
}

export function layerName(layer: LayerJSON): string {
  const n = layer.config?.['name'];
  return typeof n === 'string' ? n : layer.class_name;
}

export function readRnnConfig(layer: LayerJSON): RnnConfig {
  const kind = rnnKindOf(layer.class_name)!;
  const c = layer.config;
  const name = layerName(layer);
  const units = c['units'];
  if (typeof units !== 'number' || !(units > 0)) {
    throw new Error(`toONNX: layer '${name}' (${layer.class_name}): expected a positive 'units', got ${JSON.stringify(units)}`);
  }
  if (c['stateful'] === true) {
    throw new Error(
      `toONNX: layer '${name}' (${layer.class_name}) is stateful; an ONNX graph has no state carried between runs. ` +
        `Rebuild the model with stateful=false (same weights) before exporting.`,
    );
  }
  // The topology is tfjs JSON (model.toJSON() states every option); absent keys take the
  // tfjs defaults from the one Keras-config module.
  const cls = layer.class_name as 'LSTM' | 'GRU' | 'SimpleRNN';
  const resetAfter = kind === 'gru' ? (c['reset_after'] ?? optionDefault('GRU', 'reset_after', 'tfjs')) === true : false;
  return {
    kind,
    name,
    units,
    activation: activationKey(c['activation'], optionDefault(cls, 'activation', 'tfjs') as string),
    recurrentActivation: activationKey(c['recurrent_activation'], kind === 'rnn' ? 'linear' : optionDefault(cls, 'recurrent_activation', 'tfjs') as string),
    useBias: (c['use_bias'] ?? optionDefault(cls, 'use_bias', 'tfjs')) !== false,
    returnSequences: c['return_sequences'] === true,
    returnState: c['return_state'] === true,
    goBackwards: c['go_backwards'] === true,
    resetAfter,
    zeroOutputForMask: c['zero_output_for_mask'] === true,
  };
}

/** Hands out the weight list layer by layer, checking shapes as it goes. */
export class WeightCursor {
  constructor(private readonly weights: readonly WeightRecord[], private at = 0) {}

  /** Position of the next weight in the whole list. */
  get position(): number {
    return this.at;
  }

  take(layer: string, what: string, shape: (number | null)[]): Float32Array {
    const w = this.weights[this.at];
    if (!w) {
      throw new Error(
        `toONNX: layer '${layer}': expected weight '${what}' of shape [${shape.join(', ')}] at position ${this.at}, ` +
          `but the weight list has only ${this.weights.length} entries`,
      );
    }
    const ok = w.shape.length === shape.length && shape.every((d, k) => d === null || d === w.shape[k]);
    if (!ok) {
      throw new Error(
        `toONNX: layer '${layer}': expected weight '${what}' of shape [${shape.map((d) => d ?? '?').join(', ')}] ` +
          `at position ${this.at}, got '${w.name}' of shape [${w.shape.join(', ')}]`,
      );
    }
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.data.length !== size) {
      throw new Error(`toONNX: weight '${w.name}' has shape [${w.shape.join(', ')}] (${size} values) but ${w.data.length} data values`);
    }
    this.at++;
    return w.data instanceof Float32Array ? w.data : Float32Array.from(w.data);
  }

  /** Shape of the next weight, for layers whose input size is read from it. */
  peekShape(): number[] | undefined {
    return this.weights[this.at]?.shape;
  }

  /** All weights used: `used` = how many the topology takes. */
  finish(used = this.at): void {
    if (used !== this.weights.length) {
      const unused = this.weights[used];
      throw new Error(
        `toONNX: the topology uses ${used} weights but ${this.weights.length} were given` +
          (unused ? ` (first unused: '${unused.name}')` : ''),
      );
    }
  }
}
