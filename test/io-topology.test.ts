/**
 * normalizeTopology / matchWeights on tfjs fixtures and on hand-written
 * Keras 2 and Keras 3 `model.to_json()` outputs. The Keras texts follow real
 * outputs: Keras 2 (TF 2.x) Sequential with an InputLayer and
 * `batch_input_shape`; Keras 3 with `module`/`registered_name`/`build_config`,
 * `batch_shape`, DTypePolicy objects, `OrthogonalInitializer`, and
 * Bidirectional writing both `layer` and `backward_layer`; Keras 3 functional
 * inbound nodes with `keras_history`.
 */
import { describe, expect, it } from 'vitest';
import { normalizeTopology, matchWeights, SUPPORTED_LAYER_CLASSES, type DecodedWeight } from '../src/io/index.js';
import { loadFixture as fixture } from './helpers/fixtures.js';

const decoded = (list: { name: string; shape: number[] }[]): DecodedWeight[] =>
  list.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32', data: new Float32Array(w.shape.reduce((a, b) => a * b, 1)) }));

// ---- Keras 3 pieces (serialization_lib format) ----
const k3policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const k3init = (cls: string, config: object = {}) => ({ module: 'keras.initializers', class_name: cls, config, registered_name: null });
const k3lstm = (name: string, extra: object = {}) => ({
  module: 'keras.layers', class_name: 'LSTM', registered_name: null,
  config: {
    name, trainable: true, dtype: k3policy, return_sequences: false, return_state: false, go_backwards: false,
    stateful: false, unroll: false, zero_output_for_mask: false, units: 8, activation: 'tanh',
    recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: k3init('GlorotUniform', { seed: null }),
    recurrent_initializer: k3init('OrthogonalInitializer', { gain: 1.0, seed: null }), bias_initializer: k3init('Zeros'),
    unit_forget_bias: true, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
    activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
    dropout: 0.0, recurrent_dropout: 0.0, seed: null, ...extra,
  },
});
const k3dense = (name: string, units: number, activation: string, inputShape: (number | null)[]) => ({
  module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: inputShape },
  config: {
    name, trainable: true, dtype: k3policy, units, activation, use_bias: true,
    kernel_initializer: k3init('GlorotUniform', { seed: null }), bias_initializer: k3init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
  },
});

const keras3Sequential = {
  module: 'keras', class_name: 'Sequential', registered_name: null,
  config: {
    name: 'sequential', trainable: true, dtype: k3policy,
    layers: [
      { module: 'keras.layers', class_name: 'InputLayer', registered_name: null,
        config: { batch_shape: [null, 12], dtype: 'int32', sparse: false, name: 'input_layer' } },
      { module: 'keras.layers', class_name: 'Embedding', registered_name: null, build_config: { input_shape: [null, 12] },
        config: { name: 'embedding', trainable: true, dtype: k3policy, input_dim: 50, output_dim: 8,
          embeddings_initializer: k3init('RandomUniform', { minval: -0.05, maxval: 0.05, seed: null }),
          embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: true } },
      { module: 'keras.layers', class_name: 'Bidirectional', registered_name: null, build_config: { input_shape: [null, 12, 8] },
        config: { name: 'bidirectional', trainable: true, dtype: k3policy, merge_mode: 'concat',
          layer: k3lstm('forward_lstm', { zero_output_for_mask: true, return_sequences: true }),
          backward_layer: k3lstm('backward_lstm', { zero_output_for_mask: true, return_sequences: true, go_backwards: true }) } },
      { ...k3lstm('lstm_1'), build_config: { input_shape: [null, 12, 16] } },
      k3dense('dense', 1, 'sigmoid', [null, 8]),
    ],
    build_input_shape: [null, 12],
  },
  build_config: { input_shape: [null, 12] },
  compile_config: null,
};
// Keras 3 weight names (h5 -> converter): cell scopes, model scope; matched by position.
const keras3Weights = [
  ['sequential/embedding/embeddings', [50, 8]],
  ['sequential/bidirectional/forward_lstm/lstm_cell/kernel', [8, 32]],
  ['sequential/bidirectional/forward_lstm/lstm_cell/recurrent_kernel', [8, 32]],
  ['sequential/bidirectional/forward_lstm/lstm_cell/bias', [32]],
  ['sequential/bidirectional/backward_lstm/lstm_cell/kernel', [8, 32]],
  ['sequential/bidirectional/backward_lstm/lstm_cell/recurrent_kernel', [8, 32]],
  ['sequential/bidirectional/backward_lstm/lstm_cell/bias', [32]],
  ['sequential/lstm_1/lstm_cell/kernel', [16, 32]],
  ['sequential/lstm_1/lstm_cell/recurrent_kernel', [8, 32]],
  ['sequential/lstm_1/lstm_cell/bias', [32]],
  ['sequential/dense/kernel', [8, 1]],
  ['sequential/dense/bias', [1]],
].map(([name, shape]) => ({ name: name as string, shape: shape as number[] }));

// ---- Keras 2 (tf.keras 2.x) Sequential with InputLayer, as in the converter's model_config wrapper ----
const k2lstm = {
  class_name: 'LSTM',
  config: {
    name: 'lstm', trainable: true, dtype: 'float32', return_sequences: true, return_state: false, go_backwards: false,
    stateful: false, unroll: false, time_major: false, units: 6, activation: 'tanh', recurrent_activation: 'sigmoid',
    use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} }, unit_forget_bias: true, kernel_regularizer: null,
    recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null,
    recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2,
  },
};
const keras2ConverterTopology = {
  keras_version: '2.13.1', backend: 'tensorflow',
  model_config: {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 10, 4], dtype: 'float32', sparse: false, ragged: false, name: 'lstm_input' } },
        k2lstm,
        { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null } },
        { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
        { class_name: 'Dense', config: {
        name: 'dense', trainable: true, dtype: 'float32', units: 1, activation: 'sigmoid', use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
      ],
    },
  },
  training_config: { loss: 'binary_crossentropy', metrics: ['accuracy'] },
};

describe('normalizeTopology: tfjs fixtures', () => {
  it('Sequential lstm_stacked: classes, shapes, weight names in fixture order', () => {
    const f = fixture('lstm_stacked');
    const t = normalizeTopology(f.model);
    expect(t.source).toBe('tfjs');
    expect(t.batchInputShape).toEqual([null, 7]);
    expect(t.inputDtype).toBe('int32');
    expect(t.outputs).toBe('last');
    expect(t.layers.map((l) => l.className)).toEqual(['Embedding', 'LSTM', 'LSTM', 'Dense']);
    expect(t.layers.flatMap((l) => l.weightNames)).toEqual(f.weights.map((w: { name: string }) => w.name));
    expect(t.layers.flatMap((l) => l.weightShapes)).toEqual(f.weights.map((w: { shape: number[] }) => w.shape));
    // tfjs writes null for defaults; the canonical config is explicit.
    expect(t.layers[1].config.unit_forget_bias).toBe(true);
    expect(t.layers[0].config.mask_zero).toBe(false);
    expect(t.layers[0].config.batch_input_shape).toEqual([null, 7]);
  });

  it('functional lstm_state: chain + three outputs [seq, h, c]', () => {
    const f = fixture('lstm_state');
    const t = normalizeTopology(f.model);
    expect(t.layers.map((l) => l.name)).toEqual(['lstm']);
    expect(t.batchInputShape).toEqual([null, 4, 2]);
    expect(t.outputs).toEqual([{ layer: 0, tensor: 0 }, { layer: 0, tensor: 1 }, { layer: 0, tensor: 2 }]);
    expect(t.layers[0].outputShapes).toEqual([[null, 4, 5], [null, 5], [null, 5]]);
    expect(t.layers[0].weightShapes).toEqual(f.weights.map((w: { shape: number[] }) => w.shape));
  });

  it.each(['bilstm', 'bilstm_sum_ave', 'gru', 'simple_rnn', 'seed000_like', 'stateful', 'masking', 'lstm_nobias'])(
    '%s: weight names and shapes equal the fixture weights', (name) => {
      const f = fixture(name);
      const t = normalizeTopology(f.model);
      expect(t.layers.flatMap((l) => l.weightNames)).toEqual(f.weights.map((w: { name: string }) => w.name));
      expect(t.layers.flatMap((l) => l.weightShapes)).toEqual(f.weights.map((w: { shape: number[] }) => w.shape));
    });

  it('bilstm_sum_ave keeps merge modes; stateful keeps its fixed batch', () => {
    const t = normalizeTopology(fixture('bilstm_sum_ave').model);
    expect(t.layers.filter((l) => l.className === 'Bidirectional').map((l) => l.config.merge_mode)).toEqual(['sum', 'ave']);
    const s = normalizeTopology(fixture('stateful').model);
    expect(s.batchInputShape).toEqual([2, 3, 4]);
    expect(s.layers[0].config.stateful).toBe(true);
  });
});

describe('normalizeTopology: Keras 2 and Keras 3 JSON', () => {
  it('Keras 2 converter topology ({model_config}) with InputLayer batch_input_shape', () => {
    const t = normalizeTopology(keras2ConverterTopology);
    expect(t.source).toBe('keras2');
    expect(t.batchInputShape).toEqual([null, 10, 4]);
    expect(t.layers.map((l) => l.className)).toEqual(['LSTM', 'Dropout', 'Flatten', 'Dense']);
    expect(t.layers[3].weightShapes).toEqual([[60, 1], [1]]);
    const w = matchWeights(t, decoded([
      { name: 'lstm/lstm_cell/kernel', shape: [4, 24] }, { name: 'lstm/lstm_cell/recurrent_kernel', shape: [6, 24] },
      { name: 'lstm/lstm_cell/bias', shape: [24] }, { name: 'dense/kernel', shape: [60, 1] }, { name: 'dense/bias', shape: [1] },
    ]));
    expect(w.map((x) => x.name)).toEqual(['lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias', 'dense/kernel', 'dense/bias']);
  });

  it('Keras <= 2.1 Sequential whose config is the layer list', () => {
    const t = normalizeTopology({ class_name: 'Sequential', keras_version: '2.1.2', backend: 'tensorflow', config: [
      { class_name: 'LSTM', config: { ...k2lstm.config, batch_input_shape: [null, 5, 3], implementation: 0 } },
    ] });
    expect(t.batchInputShape).toEqual([null, 5, 3]);
    expect(t.layers[0].weightShapes).toEqual([[3, 24], [6, 24], [24]]);
  });

  it('Keras 3 Sequential: batch_shape, DTypePolicy, Bidirectional with backward_layer, scoped weight names', () => {
    const t = normalizeTopology(JSON.stringify(keras3Sequential));
    expect(t.source).toBe('keras3');
    expect(t.batchInputShape).toEqual([null, 12]);
    expect(t.inputDtype).toBe('int32');
    expect(t.layers.map((l) => l.name)).toEqual(['embedding', 'bidirectional', 'lstm_1', 'dense']);
    const bi = t.layers[1];
    expect(bi.config.layer).toMatchObject({ class_name: 'LSTM', config: { name: 'lstm', return_sequences: true, zero_output_for_mask: true } });
    expect((bi.config.layer as { config: Record<string, unknown> }).config.recurrent_initializer)
      .toEqual({ class_name: 'Orthogonal', config: { gain: 1.0, seed: null } });
    expect(bi.outputShapes[0]).toEqual([null, 12, 16]);
    const w = matchWeights(t, decoded(keras3Weights));
    expect(w.map((x) => x.name)).toEqual([
      'embedding/embeddings', 'bidirectional/forward_lstm/kernel', 'bidirectional/forward_lstm/recurrent_kernel',
      'bidirectional/forward_lstm/bias', 'bidirectional/backward_lstm/kernel', 'bidirectional/backward_lstm/recurrent_kernel',
      'bidirectional/backward_lstm/bias', 'lstm_1/kernel', 'lstm_1/recurrent_kernel', 'lstm_1/bias', 'dense/kernel', 'dense/bias',
    ]);
  });

  it('Keras 3 functional: keras_history inbound nodes, GRU reset_after default true -> bias [2, 3U]', () => {
    const gru = { module: 'keras.layers', class_name: 'GRU', registered_name: null, name: 'gru',
      config: { ...k3lstm('gru').config, units: 5, unit_forget_bias: undefined, reset_after: true },
      inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 4, 2], dtype: 'float32', keras_history: ['input_layer', 0, 0] } }],
        kwargs: { training: false, mask: null } }] };
    delete (gru.config as Record<string, unknown>).unit_forget_bias;
    const model = { module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
      config: { name: 'functional', trainable: true, layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: 'input_layer',
          config: { batch_shape: [null, 4, 2], dtype: 'float32', sparse: false, name: 'input_layer' }, inbound_nodes: [] },
        gru,
      ], input_layers: [['input_layer', 0, 0]], output_layers: [['gru', 0, 0]] } };
    const t = normalizeTopology(model);
    expect(t.outputs).toBe('last');
    expect(t.layers[0].config.reset_after).toBe(true);
    expect(t.layers[0].weightShapes).toEqual([[2, 15], [5, 15], [2, 15]]);
  });
});

describe('normalizeTopology errors name the class / option', () => {
  const lstmModel = (patch: Record<string, unknown>) => {
    const m = structuredClone(fixture('lstm_last').model);
    Object.assign(m.config.layers[0].config, patch);
    return m;
  };
  it('unknown layer class lists the supported ones', () => {
    const m = structuredClone(fixture('lstm_last').model);
    m.config.layers[0].class_name = 'ConvLSTM2D';
    expect(() => normalizeTopology(m)).toThrow(new RegExp(`"lstm".*unknown layer class "ConvLSTM2D".*${SUPPORTED_LAYER_CLASSES.join(', ')}`));
  });
  it('unknown option', () => {
    expect(() => normalizeTopology(lstmModel({ peephole: true }))).toThrow(/layer "lstm" \(LSTM\): unknown option "peephole"/);
  });
  it('unsupported values of known options', () => {
    // L1/L2/L1L2 regularizers load now (test/train-regularizers.test.ts); other classes are refused
    expect(() => normalizeTopology(lstmModel({ kernel_regularizer: { class_name: 'OrthogonalRegularizer', config: { factor: 0.01 } } })))
      .toThrow(/"lstm".*"kernel_regularizer" must be null, an L1\/L2\/L1L2 regularizer/);
    expect(() => normalizeTopology(lstmModel({ activation: 'gelu' }))).toThrow(/"activation".*"gelu" is not supported/);
    expect(() => normalizeTopology(lstmModel({ time_major: true }))).toThrow(/time_major/);
    expect(() => normalizeTopology(lstmModel({ units: 0 }))).toThrow(/"units" must be an integer >= 1/);
  });
  it('Keras 3 hard_sigmoid loads as the Keras 3 form (x/6 + 0.5), Keras 2 / tfjs as 0.2x + 0.5', () => {
    const m = structuredClone(keras3Sequential);
    (m.config.layers[3].config as Record<string, unknown>).recurrent_activation = 'hard_sigmoid';
    const lstm1 = normalizeTopology(m).layers.find((l) => l.name === 'lstm_1')!;
    expect(lstm1.config.recurrent_activation).toBe('hard_sigmoid_keras3');
    const k2 = lstmModel({ recurrent_activation: 'hard_sigmoid' });
    expect(normalizeTopology(k2).layers[0].config.recurrent_activation).toBe('hard_sigmoid');
  });
  it('mixed precision policy is refused', () => {
    const m = structuredClone(keras3Sequential);
    (m.config.layers[4].config as Record<string, unknown>).dtype = { ...k3policy, config: { name: 'mixed_float16' } };
    expect(() => normalizeTopology(m)).toThrow(/"dense".*mixed_float16/);
  });
  it('a custom Keras 3 backward_layer is refused', () => {
    const m = structuredClone(keras3Sequential);
    (m.config.layers[2].config as { backward_layer: { config: Record<string, unknown> } }).backward_layer.config.units = 4;
    expect(() => normalizeTopology(m)).toThrow(/"bidirectional".*custom backward_layer/);
  });
  it('non-chain functional graphs are refused', () => {
    const m = structuredClone(fixture('lstm_state').model);
    m.config.layers.push({ name: 'dense', class_name: 'Dense', config: { name: 'dense', units: 1 }, inbound_nodes: [[['input', 0, 0, {}]]] });
    expect(() => normalizeTopology(m)).toThrow(/"input" feeds several layers/);
  });
  it('JSON that is not a model', () => {
    expect(() => normalizeTopology({ hello: 'world' })).toThrow(/not a Keras\/TensorFlow.js model topology/);
    expect(() => normalizeTopology('not json')).toThrow(/not JSON/);
    expect(() => normalizeTopology({ class_name: 'Transformer', config: {} })).toThrow(/model class "Transformer"/);
  });
});

describe('matchWeights errors', () => {
  const t = normalizeTopology(fixture('seed004_like').model);
  const f = fixture('seed004_like');
  it('missing weights', () => {
    expect(() => matchWeights(t, decoded(f.weights.slice(0, 4)))).toThrow(/missing weights: the model needs 6 weights \(embedding: 1, lstm: 3, dense: 2\) but the file has 4/);
  });
  it('wrong shapes name the weight, layer, expected and actual', () => {
    const bad = decoded(f.weights);
    bad[1].shape = [8, 16];
    expect(() => matchWeights(t, bad)).toThrow(/wrong shape for weight "lstm\/kernel".*layer "lstm".*expected \[8,32\], got \[8,16\]/);
  });
});
