/**
 * Per-class layer config reading: which Keras/tfjs options exist, which we
 * honour, which must be at their default, and the weight shapes a layer has.
 *
 * The supported classes and activations are listed HERE, once. Every option
 * of every class is in exactly one of three sets:
 *   semantic  - changes the math; copied to the canonical config with nulls
 *               replaced by the default (tfjs writes null for some defaults)
 *   ignored   - no effect on the math in this package (initializers: weights
 *               come from the file; unroll/implementation/use_cudnn: same math)
 *   mustBe    - only the default value is supported (regularizers, constraints,
 *               time_major, ...); any other value is an Error naming the option
 * Any option in none of the sets is an Error too: a Keras version that added
 * a new option must not load as a silently different model.
 */
import { own, ownGet } from '../util/options.js';

export const SUPPORTED_LAYER_CLASSES = [
  'InputLayer', 'Embedding', 'LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Dense', 'Dropout', 'Flatten',
  'Masking', 'TimeDistributed', 'RepeatVector', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'Normalization',
] as const;
export type LayerClass = Exclude<(typeof SUPPORTED_LAYER_CLASSES)[number], 'InputLayer'>;

/** Multi-input layers: only in functional graphs (src/io/functional/), never in a Sequential chain. */
export const MERGE_LAYER_CLASSES = ['Concatenate', 'Add', 'Multiply', 'Average', 'Dot', 'Attention'] as const;
export type MergeClass = (typeof MERGE_LAYER_CLASSES)[number];

/**
 * Activation names accepted in configs (snake_case; camelCase is mapped).
 * `hard_sigmoid` means what the dialect that wrote the file means
 * (HARD_SIGMOID below); `hard_sigmoid_keras3` is this package's explicit name
 * for the Keras 3 form, written when such a model is saved.
 */
export const SUPPORTED_ACTIVATIONS = ['linear', 'tanh', 'sigmoid', 'hard_sigmoid', 'hard_sigmoid_keras3', 'relu', 'softmax'] as const;

/**
 * `hard_sigmoid` by the version that saved the file: Keras 2 / tf.keras /
 * TensorFlow.js clip(0.2x + 0.5, 0, 1); Keras 3 relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1).
 */
export const HARD_SIGMOID: Record<Source, 'hard_sigmoid' | 'hard_sigmoid_keras3'> = {
  tfjs: 'hard_sigmoid', keras2: 'hard_sigmoid', keras3: 'hard_sigmoid_keras3',
};

type PerDialect<T> = T | { tfjs: T; keras2: T; keras3: T };

/**
 * The default of every option whose default is not the same in all dialects,
 * or that a factory fills in: THE table (DESIGN.md "One module knows Keras
 * configs"). A default applies when the key is absent or null. `keras2`
 * defaults are those of Keras < 2.3: later Keras 2 versions write every key,
 * so an absent key means an older writer. tfjs has no reset_after=true and
 * defaults recurrentActivation to hardSigmoid. The JS API (layers.*) follows
 * API_DIALECT. Option names are snake_case here and in every file dialect;
 * the JS API spells each in camelCase (`recurrent_activation` ->
 * `recurrentActivation`), with no exceptions.
 */
export const OPTION_DEFAULTS = {
  LSTM: {
    activation: 'tanh', recurrent_activation: { tfjs: 'hard_sigmoid', keras2: 'hard_sigmoid', keras3: 'sigmoid' },
    use_bias: true, unit_forget_bias: true,
  },
  GRU: {
    activation: 'tanh', recurrent_activation: { tfjs: 'hard_sigmoid', keras2: 'hard_sigmoid', keras3: 'sigmoid' },
    use_bias: true, reset_after: { tfjs: false, keras2: false, keras3: true },
  },
  SimpleRNN: { activation: 'tanh', use_bias: true },
  RNN: {
    return_sequences: false, return_state: false, go_backwards: false, stateful: false, dropout: 0,
    recurrent_dropout: 0, zero_output_for_mask: false,
  },
  Dense: { activation: 'linear', use_bias: true },
  Embedding: { mask_zero: false },
  Bidirectional: { merge_mode: 'concat' },
  Masking: { mask_value: 0 },
  Normalization: { invert: false },
  Concatenate: { axis: -1 },
  Dot: { normalize: false },
  Attention: { use_scale: false, score_mode: 'dot', dropout: 0 },
} as const satisfies Record<string, Record<string, PerDialect<unknown>>>;

/** The dialect whose defaults the JS factories (layers.lstm({...}), …) use: Keras 3 (API.md). */
export const API_DIALECT: Source = 'keras3';

/** Default of `option` of `cls` in `dialect` (RNN options shared by LSTM/GRU/SimpleRNN are under 'RNN'). */
export function optionDefault(cls: keyof typeof OPTION_DEFAULTS, option: string, dialect: Source): unknown {
  const table = OPTION_DEFAULTS[cls] as Record<string, PerDialect<unknown>>;
  let v = Object.prototype.hasOwnProperty.call(table, option) ? table[option]
    : (OPTION_DEFAULTS.RNN as Record<string, unknown>)[option];
  if (v === undefined) throw new Error(`internal: no default for ${cls}.${option}`);
  if (typeof v === 'object' && v !== null && 'keras3' in v) v = (v as Record<Source, unknown>)[dialect];
  return v;
}

/** Keras 3 renamed some initializer classes; map to the tfjs/Keras 2 names. */
const INITIALIZER_ALIASES: Record<string, string> = { OrthogonalInitializer: 'Orthogonal' };

export type Dim = number | null;
export type Source = 'tfjs' | 'keras2' | 'keras3';

import { getRegularizer } from '../regularizers.js';
import { getConstraint } from '../constraints.js';

type Json = Record<string, unknown>;
type Check = (v: unknown) => boolean;
const isNull: Check = (v) => v == null;
const isFalse: Check = (v) => v == null || v === false;

interface ClassSpec {
  semantic: Record<string, (v: unknown, ctx: Ctx) => unknown>;
  ignored: string[];
  mustBe: Record<string, [Check, string]>;
}

interface Ctx {
  where: string; // 'layer "lstm" (LSTM)'
  source: Source;
  className: string;
}

// Options every layer may carry (shape hints are read by topology.ts).
const COMMON_IGNORED = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'batch_size'];

function fail(ctx: Ctx, option: string, expected: string, got: unknown): never {
  throw new Error(`${ctx.where}: option "${option}" must be ${expected}, got ${JSON.stringify(got)}`);
}

const int = (min: number) => (option: string) => (v: unknown, ctx: Ctx): number => {
  if (!Number.isInteger(v) || (v as number) < min) fail(ctx, option, `an integer >= ${min}`, v);
  return v as number;
};
const dflt = (ctx: Ctx, option: string): unknown =>
  optionDefault((['LSTM', 'GRU', 'SimpleRNN'].includes(ctx.className) && !(option in OPTION_DEFAULTS[ctx.className as 'LSTM'])
    ? 'RNN' : ctx.className) as keyof typeof OPTION_DEFAULTS, option, ctx.source);
const bool = (option: string) => (v: unknown, ctx: Ctx): boolean => {
  if (v == null) return dflt(ctx, option) as boolean;
  if (typeof v !== 'boolean') fail(ctx, option, 'true or false', v);
  return v;
};
const rate = (option: string) => (v: unknown, ctx: Ctx): number => {
  if (v == null) return dflt(ctx, option) as number;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(ctx, option, 'a number in [0, 1)', v);
  return v;
};
const activation = (option: string) => (v: unknown, ctx: Ctx): string => {
  if (v == null) return canonicalActivation(dflt(ctx, option) as string, ctx.source);
  let name: unknown = v;
  // Keras 3 may serialize an activation as {module, class_name: 'function', config: 'relu'}.
  if (typeof v === 'object' && v !== null && typeof (v as Json).config === 'string') name = (v as Json).config;
  if (typeof name !== 'string') fail(ctx, option, `one of ${SUPPORTED_ACTIVATIONS.join(', ')}`, v);
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(snake)) {
    fail(ctx, option, `one of ${SUPPORTED_ACTIVATIONS.join(', ')} (activation "${name}" is not supported)`, v);
  }
  return canonicalActivation(snake, ctx.source);
};

/** A supported snake_case activation as written by `source` -> the canonical (tfjs-dialect) name. */
export function canonicalActivation(snake: string, source: Source): string {
  return snake === 'hard_sigmoid' ? HARD_SIGMOID[source] : snake;
}

/** Regularizers and constraints: validated here (src/regularizers.ts, src/constraints.ts), applied in training. */
const PENALTIES = (names: string[]): ClassSpec['semantic'] => Object.fromEntries(names.map((n) => [n, (v: unknown, ctx: Ctx) => {
  if (v == null) return null;
  try {
    if (n.endsWith('_constraint')) getConstraint(v, n); else getRegularizer(v, n);
  } catch (e) {
    fail(ctx, n, `null, an L1/L2/L1L2 regularizer or a MaxNorm/UnitNorm/NonNeg constraint (${(e as Error).message})`, v);
  }
  return v;
}]));

function rnnSpec(kind: 'LSTM' | 'GRU' | 'SimpleRNN'): ClassSpec {
  const semantic: ClassSpec['semantic'] = {
    units: int(1)('units'),
    activation: activation('activation'),
    use_bias: bool('use_bias'),
    return_sequences: bool('return_sequences'),
    return_state: bool('return_state'),
    go_backwards: bool('go_backwards'),
    stateful: bool('stateful'),
    dropout: rate('dropout'),
    recurrent_dropout: rate('recurrent_dropout'),
    // Keras: masked steps output 0 instead of the previous output (tfjs always keeps the previous output).
    zero_output_for_mask: bool('zero_output_for_mask'),
    ...PENALTIES(['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer',
      'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint']),
  };
  if (kind !== 'SimpleRNN') semantic.recurrent_activation = activation('recurrent_activation');
  if (kind === 'LSTM') semantic.unit_forget_bias = bool('unit_forget_bias');
  if (kind === 'GRU') semantic.reset_after = bool('reset_after');
  return {
    semantic,
    ignored: ['kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'unroll', 'implementation', 'seed',
      'use_cudnn', 'input_length', 'input_dim'],
    mustBe: {
      time_major: [isFalse, 'false (time-major inputs are not supported)'],
    },
  };
}


const LORA_OFF: Record<string, [Check, string]> = {
  lora_rank: [isNull, 'null (LoRA layers are not supported)'],
  quantization_config: [isNull, 'null (quantized Keras layers are not supported)'],
};

const POOLING_SPEC: ClassSpec = {
  semantic: {},
  ignored: [],
  mustBe: {
    data_format: [(v) => v == null || v === 'channels_last', '"channels_last"'],
    keepdims: [isFalse, 'false'],
  },
};

const MERGE_SPEC: ClassSpec = { semantic: {}, ignored: [], mustBe: {} };

export const CLASS_SPECS: Record<LayerClass | MergeClass, ClassSpec> = {
  // Merge layers (keras/src/layers/merging/*.py get_config; tfjs-layers merge.ts): Add/Multiply/Average have no options.
  Add: MERGE_SPEC,
  Multiply: MERGE_SPEC,
  Average: MERGE_SPEC,
  Concatenate: {
    semantic: {
      axis: (v, ctx) => {
        if (v == null) return dflt(ctx, 'axis');
        if (!Number.isInteger(v) || v === 0) fail(ctx, 'axis', 'a non-zero integer (axis 0 is the batch)', v);
        return v;
      },
    },
    ignored: [],
    mustBe: {},
  },
  Dot: {
    semantic: {
      axes: (v, ctx) => {
        const ok = (a: unknown) => Number.isInteger(a) && a !== 0;
        if (ok(v)) return v;
        if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [...v];
        return fail(ctx, 'axes', 'a non-zero integer or a pair of them (axis 0 is the batch)', v);
      },
      normalize: bool('normalize'),
    },
    ignored: [],
    mustBe: {},
  },
  // Keras 2 BaseDenseAttention wrote `causal` (deprecated for the call's use_causal_mask); Keras 3 adds `seed`.
  Attention: {
    semantic: {
      use_scale: bool('use_scale'),
      score_mode: (v, ctx) => {
        const m = v == null ? dflt(ctx, 'score_mode') : v;
        if (m !== 'dot' && m !== 'concat') fail(ctx, 'score_mode', '"dot" or "concat"', v);
        return m;
      },
      dropout: rate('dropout'),
    },
    ignored: ['seed'],
    mustBe: { causal: [isFalse, 'false (pass use_causal_mask in the call)'] },
  },
  Embedding: {
    semantic: {
      input_dim: int(1)('input_dim'),
      output_dim: int(1)('output_dim'),
      mask_zero: bool('mask_zero'),
      ...PENALTIES(['embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint']),
    },
    ignored: ['embeddings_initializer', 'input_length', 'lora_alpha'],
    mustBe: {
      ...LORA_OFF,
      sparse: [isFalse, 'false (sparse embeddings are not supported)'],
    },
  },
  LSTM: rnnSpec('LSTM'),
  GRU: rnnSpec('GRU'),
  SimpleRNN: rnnSpec('SimpleRNN'),
  Dense: {
    semantic: {
      units: int(1)('units'),
      activation: activation('activation'),
      use_bias: bool('use_bias'),
      ...PENALTIES(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']),
    },
    ignored: ['kernel_initializer', 'bias_initializer', 'input_dim', 'lora_alpha'],
    mustBe: {
      ...LORA_OFF,
    },
  },
  Dropout: {
    semantic: { rate: (v, ctx) => { if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(ctx, 'rate', 'a number in [0, 1)', v); return v; } },
    ignored: ['seed'],
    mustBe: { noise_shape: [isNull, 'null (noise_shape is not supported)'] },
  },
  Masking: {
    semantic: {
      mask_value: (v, ctx) => {
        if (v == null) return dflt(ctx, 'mask_value');
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(ctx, 'mask_value', 'a finite number', v);
        return v;
      },
    },
    ignored: [],
    mustBe: {},
  },
  TimeDistributed: {
    semantic: {},
    ignored: ['layer'], // read by topology.ts / layerFromConfig: a Dense config
    mustBe: {},
  },
  Flatten: {
    semantic: {},
    ignored: [],
    mustBe: { data_format: [(v) => v == null || v === 'channels_last', '"channels_last"'] },
  },
  RepeatVector: { semantic: { n: int(1)('n') }, ignored: [], mustBe: {} },
  GlobalAveragePooling1D: POOLING_SPEC,
  GlobalMaxPooling1D: POOLING_SPEC,
  Normalization: {
    semantic: {
      axis: (v, ctx) => { if (v != null && v !== -1 && !(Array.isArray(v) && v.length === 1 && v[0] === -1)) fail(ctx, 'axis', '-1', v); return -1; },
      invert: bool('invert'),
      mean: (v, ctx) => { if (!Array.isArray(v) && typeof v !== 'number') fail(ctx, 'mean', 'a number or array (statistics saved as weights are not supported)', v); return v; },
      variance: (v, ctx) => { if (!Array.isArray(v) && typeof v !== 'number') fail(ctx, 'variance', 'a number or array', v); return v; },
    },
    ignored: [],
    mustBe: {},
  },
  Bidirectional: {
    semantic: {
      merge_mode: (v, ctx) => {
        // undefined: the dialect's default; null: separate outputs [forward, backward]
        const m = v === undefined ? dflt(ctx, 'merge_mode') : v;
        if (m !== null && !['concat', 'sum', 'ave', 'mul'].includes(m as string)) {
          fail(ctx, 'merge_mode', '"concat", "sum", "ave", "mul" or null (separate outputs)', v);
        }
        return m;
      },
    },
    ignored: ['layer', 'backward_layer', 'num_constants'], // read by topology.ts
    mustBe: { weights: [isNull, 'null'] },
  },
};

/**
 * Validate one layer's (already de-Keras-3-ified) config and return the
 * canonical config: semantic options with defaults filled in, plus `name`,
 * `trainable`, and the initializers (kept for re-saving, Keras 3 names mapped).
 */
export function canonicalConfig(className: LayerClass | MergeClass, config: Json, ctx: Ctx): Json {
  const spec = CLASS_SPECS[className];
  for (const key of Object.keys(config)) {
    // own(): 'constructor', 'toString', '__proto__' are not options (`in` would find them on Object.prototype).
    if (own(spec.semantic, key) || spec.ignored.includes(key) || own(spec.mustBe, key) || COMMON_IGNORED.includes(key)) continue;
    throw new Error(`${ctx.where}: unknown option "${key}" = ${JSON.stringify(config[key])}; ` +
      `it is not a ${className} option this package knows, so the model could compute something else`);
  }
  for (const [key, [ok, expected]] of Object.entries(spec.mustBe)) {
    if (!ok(config[key])) fail(ctx, key, expected, config[key]);
  }
  const out: Json = { name: config.name, trainable: config.trainable ?? true };
  for (const [key, read] of Object.entries(spec.semantic)) out[key] = read(config[key], ctx);
  for (const key of spec.ignored) {
    if (key.endsWith('_initializer') && config[key] != null) out[key] = canonicalInitializer(config[key]);
  }
  return out;
}

function canonicalInitializer(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Json;
  const cls = typeof o.class_name === 'string' ? (ownGet(INITIALIZER_ALIASES, o.class_name) ?? o.class_name) : o.class_name;
  return { class_name: cls, config: o.config ?? {} };
}

/** Number of weights and their shapes (null = dimension not known from the topology). */
export interface LayerShapes {
  weightNames: string[]; // suffixes: 'kernel', 'forward_lstm/kernel', ...
  weightShapes: Dim[][];
  /** Output tensors: [0] = main output, then states (return_state). */
  outputShapes: Dim[][];
}

const GATES = { LSTM: 4, GRU: 3, SimpleRNN: 1 } as const;

function rnnShapes(className: 'LSTM' | 'GRU' | 'SimpleRNN', c: Json, input: Dim[], where: string, prefix = ''): LayerShapes {
  if (input.length !== 3) throw new Error(`${where}: expects input [batch, time, features], got a rank-${input.length} input [${input}]`);
  const u = c.units as number;
  const g = GATES[className] * u;
  const names = [`${prefix}kernel`, `${prefix}recurrent_kernel`];
  const shapes: Dim[][] = [[input[2], g], [u, g]];
  if (c.use_bias) {
    names.push(`${prefix}bias`);
    shapes.push(className === 'GRU' && c.reset_after ? [2, g] : [g]);
  }
  const out: Dim[] = c.return_sequences ? [input[0], input[1], u] : [input[0], u];
  const nStates = c.return_state ? (className === 'LSTM' ? 2 : 1) : 0;
  return { weightNames: names, weightShapes: shapes, outputShapes: [out, ...Array(nStates).fill([input[0], u])] };
}

/** Shapes for one layer given its input shape (with batch dimension). */
export function layerShapes(className: LayerClass, c: Json, input: Dim[], where: string): LayerShapes {
  switch (className) {
    case 'Embedding':
      if (input.length !== 2) throw new Error(`${where}: expects token ids [batch, time], got a rank-${input.length} input [${input}]`);
      return { weightNames: ['embeddings'], weightShapes: [[c.input_dim as number, c.output_dim as number]],
        outputShapes: [[input[0], input[1], c.output_dim as number]] };
    case 'LSTM': case 'GRU': case 'SimpleRNN':
      return rnnShapes(className, c, input, where);
    case 'Bidirectional': {
      const inner = c.layer as { class_name: 'LSTM' | 'GRU' | 'SimpleRNN'; config: Json };
      const n = inner.config.name as string;
      const f = rnnShapes(inner.class_name, inner.config, input, where, `forward_${n}/`);
      const b = rnnShapes(inner.class_name, inner.config, input, where, `backward_${n}/`);
      const main = [...f.outputShapes[0]];
      const last = main.length - 1;
      if (c.merge_mode === 'concat' && main[last] != null) main[last] = 2 * (main[last] as number);
      const outs = c.merge_mode === null ? [main, [...b.outputShapes[0]]] : [main]; // null: [forward, backward]
      return { weightNames: [...f.weightNames, ...b.weightNames], weightShapes: [...f.weightShapes, ...b.weightShapes],
        outputShapes: [...outs, ...f.outputShapes.slice(1), ...b.outputShapes.slice(1)] };
    }
    case 'Dense': {
      if (input.length < 2) throw new Error(`${where}: expects input of rank >= 2, got [${input}]`);
      const u = c.units as number;
      const d = input[input.length - 1];
      return { weightNames: c.use_bias ? ['kernel', 'bias'] : ['kernel'], weightShapes: c.use_bias ? [[d, u], [u]] : [[d, u]],
        outputShapes: [[...input.slice(0, -1), u]] };
    }
    case 'RepeatVector':
      return { weightNames: [], weightShapes: [], outputShapes: [[input[0], c.n as number, input[input.length - 1]]] };
    case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D':
      if (input.length !== 3) throw new Error(`${where}: expects input [batch, steps, features], got [${input}]`);
      return { weightNames: [], weightShapes: [], outputShapes: [[input[0], input[2]]] };
    case 'Normalization':
      return { weightNames: [], weightShapes: [], outputShapes: [input] };
    case 'Dropout': case 'Masking':
      return { weightNames: [], weightShapes: [], outputShapes: [input] };
    case 'TimeDistributed': {
      // Keras/tfjs name the wrapped Dense's weights under the wrapper: time_distributed/kernel.
      if (input.length !== 3) throw new Error(`${where}: expects input [batch, time, features], got a rank-${input.length} input [${input}]`);
      const inner = c.layer as { class_name: 'Dense'; config: Json };
      return layerShapes('Dense', inner.config, input, where);
    }
    case 'Flatten': {
      const rest = input.slice(1);
      const flat = rest.some((d) => d == null) ? null : rest.reduce<number>((a, d) => a * (d as number), 1);
      return { weightNames: [], weightShapes: [], outputShapes: [[input[0], flat]] };
    }
  }
}

/** `axis` of a rank-`rank` tensor as a non-negative index; null when out of range. */
function axisOf(axis: number, rank: number): number | null {
  const a = axis < 0 ? rank + axis : axis;
  return a >= 1 && a < rank ? a : null;
}

/** Two dims that must agree (null = unknown, agrees with anything): the known one, or false. */
function sameDim(a: Dim, b: Dim): Dim | false {
  if (a == null) return b;
  if (b == null || a === b) return a;
  return false;
}

/**
 * Shapes for one call of a merge layer on `inputs` (each with the batch dimension), as Keras
 * computes them (keras/src/layers/merging/*.py compute_output_shape; attention/attention.py).
 * `returnScores`: Attention called with return_attention_scores=True (a second output).
 */
export function mergeShapes(className: MergeClass, c: Json, inputs: Dim[][], where: string, returnScores = false): LayerShapes {
  const shapes = (s: Dim[][]): string => s.map((x) => `[${x.map((d) => d ?? '?')}]`).join(', ');
  const bad = (why: string): never => { throw new Error(`${where}: ${why}; inputs ${shapes(inputs)}`); };
  const none = { weightNames: [] as string[], weightShapes: [] as Dim[][] };
  switch (className) {
    case 'Add': case 'Multiply': case 'Average': {
      if (inputs.length < 2) bad(`${className} needs at least 2 inputs, got ${inputs.length}`);
      const out = [...inputs[0]];
      for (const s of inputs.slice(1)) {
        if (s.length !== out.length) bad(`${className} needs inputs of one shape`);
        s.forEach((d, i) => { const m = sameDim(out[i], d); if (m === false) bad(`${className} needs inputs of one shape`); else out[i] = m; });
      }
      return { ...none, outputShapes: [out] };
    }
    case 'Concatenate': {
      if (inputs.length < 2) bad(`Concatenate needs at least 2 inputs, got ${inputs.length}`);
      const rank = inputs[0].length;
      const axis = axisOf(c.axis as number, rank) ?? bad(`axis ${String(c.axis)} is not a non-batch axis of a rank-${rank} input`);
      const out = [...inputs[0]];
      for (const s of inputs.slice(1)) {
        if (s.length !== rank) bad('Concatenate needs inputs of one rank');
        s.forEach((d, i) => {
          if (i === axis) out[i] = out[i] == null || d == null ? null : (out[i] as number) + d;
          else { const m = sameDim(out[i], d); if (m === false) bad(`Concatenate needs equal sizes except on axis ${String(c.axis)}`); else out[i] = m; }
        });
      }
      return { ...none, outputShapes: [out] };
    }
    case 'Dot': {
      if (inputs.length !== 2) bad(`Dot needs exactly 2 inputs, got ${inputs.length}`);
      const [x, y] = inputs;
      const [ax, ay] = Array.isArray(c.axes) ? c.axes as number[] : [c.axes as number, c.axes as number];
      const a = axisOf(ax, x.length) ?? bad(`axes ${JSON.stringify(c.axes)} is not a non-batch axis of the first input`);
      const b = axisOf(ay, y.length) ?? bad(`axes ${JSON.stringify(c.axes)} is not a non-batch axis of the second input`);
      if (sameDim(x[a], y[b]) === false) bad(`Dot needs equal sizes on the contracted axes (${String(x[a])} vs ${String(y[b])})`);
      const batch = sameDim(x[0], y[0]);
      if (batch === false) bad('Dot needs inputs of one batch size');
      const out = [batch as Dim, ...x.slice(1).filter((_, i) => i + 1 !== a), ...y.slice(1).filter((_, i) => i + 1 !== b)];
      return { ...none, outputShapes: [out.length === 1 ? [out[0], 1] : out] };
    }
    case 'Attention': {
      if (inputs.length !== 2 && inputs.length !== 3) bad(`Attention needs [query, value] or [query, value, key], got ${inputs.length} inputs`);
      const [q, v, k = v] = inputs;
      if (q.length !== 3 || v.length !== 3 || k.length !== 3) bad('Attention needs inputs [batch, steps, features]');
      if (sameDim(v[1], k[1]) === false) bad('Attention needs value and key of the same length');
      if (sameDim(q[2], k[2]) === false) bad('Attention needs query and key of the same feature size');
      const names = [...(c.use_scale ? ['scale'] : []), ...(c.score_mode === 'concat' ? ['concat_score_weight'] : [])];
      const out: Dim[][] = [[q[0], q[1], v[2]]];
      if (returnScores) out.push([q[0], q[1], v[1]]);
      return { weightNames: names, weightShapes: names.map(() => []), outputShapes: out };
    }
  }
}
