/** checkOptions: unknown keys throw with the name the user most likely meant; own properties only. */
import { describe, expect, it } from 'vitest';
import { checkOptions, suggest, ownGet } from '../src/util/options.js';

describe('checkOptions', () => {
  it('suggests the camelCase form of a Keras snake_case key', () => {
    expect(suggest('return_sequences', ['returnSequences', 'units'])).toBe('returnSequences');
    expect(suggest('batch_size', ['batchSize', 'epochs'])).toBe('batchSize');
  });
  it('suggests near names and old Keras aliases', () => {
    expect(suggest('activaton', ['activation', 'units'])).toBe('activation');
    expect(suggest('metric', ['metrics', 'loss', 'optimizer'])).toBe('metrics');
    expect(suggest('lr', ['learningRate', 'beta1'])).toBe('learningRate');
    expect(suggest('zzzzzz', ['units'])).toBeNull();
  });
  it('throws on an unknown key, naming the caller, the key and the suggestion', () => {
    expect(() => checkOptions({ lr: 0.1 } as object, ['learningRate', 'beta1'], 'optimizers.adam'))
      .toThrow(/optimizers\.adam: unknown option 'lr' \(did you mean 'learningRate'\?\)/);
  });
  it('rejects prototype keys from parsed JSON and non-objects', () => {
    expect(() => checkOptions(JSON.parse('{"__proto__": {"x": 1}}'), ['units'], 'f')).toThrow(/unknown option '__proto__'/);
    expect(() => checkOptions({ constructor: 1 } as object, ['units'], 'f')).toThrow(/unknown option 'constructor'/);
    expect(() => checkOptions([] as unknown as object, ['units'], 'f')).toThrow(/expected an options object/);
    expect(checkOptions(undefined, ['units'], 'f')).toEqual({});
  });
  it('ownGet never returns inherited properties', () => {
    const table: Record<string, number> = { a: 1 };
    expect(ownGet(table, 'a')).toBe(1);
    expect(ownGet(table, 'constructor')).toBeUndefined();
    expect(ownGet(table, 'toString')).toBeUndefined();
  });
});
