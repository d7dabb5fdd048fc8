/**
 * Unknown option keys throw everywhere a public function takes options, with a
 * did-you-mean for near names and for the Keras snake_case form. Defect: misspelt
 * or Keras-style keys (`lr`, `return_sequences`, `activaton`, `batch_size`,
 * `metric`) were silently ignored and the call ran with defaults.
 */
import { describe, it, expect } from 'vitest';
import { init, Sequential, layers, optimizers, callbacks, text, io, tensor } from '../src/index.js';

const model = () => {
  const m = new Sequential([layers.lstm({ units: 2, inputShape: [3, 1] }), layers.dense({ units: 1 })], { seed: 1 });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
};
const x = tensor([[[1], [2], [3]]]);
const y = tensor([[1]]);

describe('unknown option keys throw with a suggestion (options_silently_ignored)', () => {
  it('the issue\'s examples', async () => {
    expect(() => optimizers.adam({ lr: 0.1 } as never)).toThrow(/optimizers\.adam: unknown option 'lr' \(did you mean 'learningRate'\?\)/);
    expect(() => layers.lstm({ units: 2, return_sequences: true } as never)).toThrow(/layers\.lstm: unknown option 'return_sequences' \(did you mean 'returnSequences'\?\)/);
    expect(() => layers.dense({ units: 1, activaton: 'sigmoid' } as never)).toThrow(/layers\.dense: unknown option 'activaton' \(did you mean 'activation'\?\)/);
    const m = model();
    await expect(m.fit(x, y, { batch_size: 1 } as never)).rejects.toThrow(/fit: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/);
    await expect(m.fit(x, y, { validation_split: 0.5 } as never)).rejects.toThrow(/did you mean 'validationSplit'\?/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['accuracy'] } as never)).toThrow(/compile: unknown option 'metric' \(did you mean 'metrics'\?\)/);
  });

  it('every public function that takes options', async () => {
    const m = model();
    const cases: [string, () => unknown][] = [
      ['layers.embedding', () => layers.embedding({ inputDim: 3, outputDim: 2, mask_zero: true } as never)],
      ['layers.gru', () => layers.gru({ units: 2, reset_after: true } as never)],
      ['layers.simpleRNN', () => layers.simpleRNN({ units: 2, go_backwards: true } as never)],
      ['layers.bidirectional', () => layers.bidirectional({ layer: layers.lstm({ units: 2 }), merge_mode: 'sum' } as never)],
      ['layers.dropout', () => layers.dropout({ rate: 0.1, rat: 0.2 } as never)],
      ['layers.flatten', () => layers.flatten({ nme: 'f' } as never)],
      ['optimizers.sgd', () => optimizers.sgd({ momentun: 0.9 } as never)],
      ['optimizers.rmsprop', () => optimizers.rmsprop({ clipnorm: 1 } as never)],
      ['callbacks.earlyStopping', () => callbacks.earlyStopping({ patiance: 2 } as never)],
      ['Sequential', () => new Sequential([], { sed: 1 } as never)],
      ['predict', () => m.predict(x, { batch_size: 1 } as never)],
      ['evaluate', () => m.evaluate(x, y, { batch_size: 1 } as never)],
      ['computeGradients', () => m.computeGradients(x, y, { trainng: false } as never)],
      ['text.padSequences', () => text.padSequences([[1]], { max_len: 3 } as never)],
      ['text.tokenizer', () => text.tokenizer({ num_words: 3 } as never)],
      ['text.sample', () => text.sample([0.5, 0.5], { temprature: 1 } as never)],
      ['io.fileHandler', () => io.fileHandler('file://x', { shard_bytes: 4 } as never)],
      ['io.httpHandler', () => io.httpHandler('http://x/model.json', { fetch_func: fetch } as never)],
      ['io.indexedDBHandler', () => io.indexedDBHandler('indexeddb://x', { indexed_db: {} } as never)],
      ['io.downloadsHandler', () => io.downloadsHandler('downloads://x', { documnt: {} } as never)],
      ['io.fromPyTorchLSTM', () => io.fromPyTorchLSTM({}, { inputSize: 1, hiddenSize: 1, num_layers: 1 } as never)],
    ];
    for (const [who, f] of cases) expect(f, who).toThrow(/unknown option '\w+' \(did you mean '\w+'\?\); known options: /);
    await expect(init({ varient: 'simd' } as never)).rejects.toThrow(/init: unknown option 'varient' \(did you mean 'variant'\?\)/);
    await expect(io.toONNX(m, { index_type: 'int64' } as never)).rejects.toThrow(/io\.toONNX: unknown option 'index_type' \(did you mean 'indexType'\?\)/);
  });

  it('call-time Keras options given to a factory throw saying where they go; snake_case options get their camelCase name', async () => {
    const m = model();
    expect(() => layers.lstm({ units: 2, initial_state: [] } as never)).toThrow(/layers\.lstm: initialState is not a layer option: .*layer\.apply\(x, \{ initialState/);
    await expect(m.fit(x, y, { sample_weight: y } as never)).rejects.toThrow(/unknown option 'sample_weight' \(did you mean 'sampleWeight'\?\)/);
    await expect(m.fit(x, y, { class_weight: { 0: 1 } } as never)).rejects.toThrow(/unknown option 'class_weight' \(did you mean 'classWeight'\?\)/);
    expect(() => layers.dense({ units: 2, kernel_constraint: 'max_norm' } as never)).toThrow(/unknown option 'kernel_constraint' \(did you mean 'kernelConstraint'\?\)/);
    expect(() => optimizers.adam({ weight_decay: 0.01 } as never)).toThrow(/unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
  });

  it('only own properties count: an inherited key is not an option, a polluted prototype is ignored', () => {
    const inherited = Object.create({ returnSequences: true }) as { units: number };
    inherited.units = 3;
    const l = layers.lstm(inherited);
    expect(l.returnSequences).toBe(false);
  });

  it('a rejected call changes nothing: the model trains the same afterwards', async () => {
    const a = model(), b = model();
    await expect(a.fit(x, y, { epochs: 1, verbose: 0, batch_size: 1 } as never)).rejects.toThrow(/batch_size/);
    await a.fit(x, y, { epochs: 1, verbose: 0 });
    await b.fit(x, y, { epochs: 1, verbose: 0 });
    expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
  });
});
