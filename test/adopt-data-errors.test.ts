/**
 * Data errors say whether x or y is wrong, where (the index path), and the likely
 * fix. Defect: both said `tensor: expected a number at [0], got string`; ragged
 * token lists did not point to text.padSequences; stacking a recurrent layer on one
 * without returnSequences did not suggest it.
 */
import { describe, it, expect } from 'vitest';
import { Sequential, layers, tensor, text } from '../src/index.js';

const ids = () => {
  const m = new Sequential([layers.embedding({ inputDim: 10, outputDim: 3 }), layers.lstm({ units: 2 }), layers.dense({ units: 1, activation: 'sigmoid' })], { seed: 1 });
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  return m;
};

describe('data errors name x or y, the index path and the fix (data_errors_without_x_or_y)', () => {
  it('ragged token lists: x, the row, both lengths, and text.padSequences', async () => {
    const m = ids();
    await expect(m.fit([[1, 2, 3], [4, 5]], [[1], [0]], { verbose: 0 }))
      .rejects.toThrow(/^sequential(_\d+)?\.fit: x\[1\] has length 2, but x\[0\] has 3: the nested arrays are ragged \(.*text\.padSequences\(sequences, \{ maxlen \}\)\)$/);
    // the advice works: padded, the same data trains
    const x = text.padSequences([[1, 2, 3], [4, 5]]);
    await expect(m.fit(x, [[1], [0]], { verbose: 0 })).resolves.toBeDefined();
  });

  it('a string among the targets: y, its path, and what to do', async () => {
    const m = ids();
    await expect(m.fit([[1, 2], [3, 4]], [[1], ['spam']] as never, { verbose: 0 }))
      .rejects.toThrow(/fit: y\[1\]\[0\]: expected a number, got "spam" \(targets are numbers: map each class to an integer/);
  });

  it('a string among the inputs: x, its path, and the tokenizer', () => {
    const m = ids();
    expect(() => m.predict([[1, 'cat']] as never)).toThrow(/predict: x\[0\]\[1\]: expected a number, got "cat" \(inputs are numbers: turn texts into token ids with text\.tokenizer\(\)/);
  });

  it('ragged targets: y and how to fix them', async () => {
    const m = ids();
    await expect(m.fit([[1, 2], [3, 4]], [[1], [0, 1]], { verbose: 0 }))
      .rejects.toThrow(/fit: y\[1\] has length 2, but y\[0\] has 1: the nested arrays are ragged \(targets must have one length per sample/);
  });

  it('tensor() itself names the data path', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/^tensor: data\[1\] has length 1, but data\[0\] has 2/);
    expect(() => tensor([[1, 2], [3, 'x']] as never)).toThrow(/^tensor: data\[1\]\[1\]: expected a number, got "x"$/);
  });

  it('stacked recurrent layers without returnSequences: the error suggests it on the layer below', () => {
    const m = new Sequential([layers.lstm({ units: 4, inputShape: [5, 2], name: 'first' }), layers.gru({ units: 3, name: 'second' })]);
    expect(() => m.build()).toThrow(/^second: expected input \[batch, time, features\], got \[null,4\]\. 'first' outputs only its last step \[null, 4\]; give it returnSequences: true to pass the whole sequence to 'second'$/);
    // and with it the stack builds
    const ok = new Sequential([layers.lstm({ units: 4, inputShape: [5, 2], returnSequences: true }), layers.gru({ units: 3 })]);
    expect(() => ok.build()).not.toThrow();
  });

  it('no returnSequences hint where it would be wrong (a Dense below)', () => {
    const m = new Sequential([layers.dense({ units: 4, inputShape: [5] }), layers.lstm({ units: 3, name: 'rnn' })]);
    expect(() => m.build()).toThrow(/^rnn: expected input \[batch, time, features\], got \[null,4\]$/);
  });
});
