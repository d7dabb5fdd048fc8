/**
 * One module knows Keras configs (src/keras/config.ts). Building a layer from
 * a config (layerFromConfig) and loading the same config in a model file
 * (normalizeTopology -> modelFromTopology) give the same layer, in every
 * dialect, with keys left out; the JS factories use the API dialect's defaults.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { init, layers, layerFromConfig, tensor } from '../src/index.js';
import { normalizeTopology } from '../src/io/topology.js';
import { modelFromTopology } from '../src/models/from-topology.js';
import { OPTION_DEFAULTS, optionDefault, API_DIALECT, type Source } from '../src/keras/config.js';
import { readKerasFile } from '../src/keras/file/load.js';

const VERSION: Record<Source, string> = { tfjs: 'tfjs-layers 4.22.0', keras2: '2.2.4', keras3: '3.4.1' };

/** Minimal configs: only the required options, everything else left to the dialect's default. */
const MINIMAL: [string, Record<string, unknown>, (number | null)[]][] = [
  ['LSTM', { units: 3 }, [null, 5, 2]],
  ['GRU', { units: 3 }, [null, 5, 2]],
  ['SimpleRNN', { units: 3 }, [null, 5, 2]],
  ['Dense', { units: 4 }, [null, 2]],
  ['Embedding', { input_dim: 7, output_dim: 2 }, [null, 5]],
  ['Dropout', { rate: 0.25 }, [null, 5, 2]],
  ['Masking', {}, [null, 5, 2]],
  ['TimeDistributed', { layer: { class_name: 'Dense', config: { units: 3, name: 'd' } } }, [null, 5, 2]],
  ['Bidirectional', { layer: { class_name: 'GRU', config: { units: 3, name: 'g' } } }, [null, 5, 2]],
];

const stripInit = (c: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(c, (k, v) => (k.endsWith('_initializer') || k === 'batch_input_shape' || k === 'dtype' ? undefined : v)));

describe('one Keras-config module', () => {
  beforeAll(async () => { await init(); });
  for (const dialect of ['tfjs', 'keras2', 'keras3'] as const) {
    for (const [cls, cfg, shape] of MINIMAL) {
      it(`${cls} (${dialect}): layerFromConfig and the model loader build the same layer`, () => {
        const config = { name: 'x', ...cfg, batch_input_shape: shape };
        const direct = layerFromConfig(cls, structuredClone(config), dialect).toConfig();
        const top = normalizeTopology({ class_name: 'Sequential', keras_version: VERSION[dialect], config: { name: 'm', layers: [{ class_name: cls, config: structuredClone(config) }] } });
        const loaded = modelFromTopology(top).layers[0].toConfig();
        expect(stripInit(loaded.config)).toEqual(stripInit(direct.config));
        expect(loaded.class_name).toBe(cls);
      });
    }
  }

  it('defect: LSTM recurrent_activation left out — layerFromConfig gave hard_sigmoid where the loader gave sigmoid; now both follow the dialect', () => {
    for (const dialect of ['tfjs', 'keras2', 'keras3'] as const) {
      const want = optionDefault('LSTM', 'recurrent_activation', dialect);
      const direct = layerFromConfig('LSTM', { name: 'l', units: 2 }, dialect).toConfig().config.recurrent_activation;
      const top = normalizeTopology({ class_name: 'Sequential', keras_version: VERSION[dialect], config: { layers: [{ class_name: 'LSTM', config: { name: 'l', units: 2, batch_input_shape: [null, 3, 1] } }] } });
      expect(direct).toBe(want);
      expect(top.layers[0].config.recurrent_activation).toBe(want);
    }
    expect(optionDefault('LSTM', 'recurrent_activation', 'tfjs')).toBe('hard_sigmoid'); // tfjs-layers DEFAULT_RECURRENT_ACTIVATION
    expect(optionDefault('LSTM', 'recurrent_activation', 'keras3')).toBe('sigmoid');
  });

  it('defect: GRU reset_after left out — layerFromConfig gave false where the loader gave true; now both follow the dialect', () => {
    for (const dialect of ['tfjs', 'keras2', 'keras3'] as const) {
      const want = optionDefault('GRU', 'reset_after', dialect);
      expect((layerFromConfig('GRU', { name: 'g', units: 2 }, dialect) as unknown as { resetAfter: boolean }).resetAfter).toBe(want);
      const top = normalizeTopology({ class_name: 'Sequential', keras_version: VERSION[dialect], config: { layers: [{ class_name: 'GRU', config: { name: 'g', units: 2, batch_input_shape: [null, 3, 1] } }] } });
      expect(top.layers[0].config.reset_after).toBe(want);
    }
    // Keras < 2.3 wrote no reset_after and computed the reset_after=false GRU (bias [3u]).
    expect(optionDefault('GRU', 'reset_after', 'keras2')).toBe(false);
  });

  it('the JS factories use the API dialect (Keras 3) defaults from the same table', () => {
    expect(API_DIALECT).toBe('keras3');
    const l = layers.lstm({ units: 2 }).toConfig().config;
    const g = layers.gru({ units: 2 }).toConfig().config;
    for (const k of Object.keys(OPTION_DEFAULTS.LSTM)) expect(l[k], `LSTM ${k}`).toBe(optionDefault('LSTM', k, 'keras3'));
    for (const k of Object.keys(OPTION_DEFAULTS.GRU)) expect(g[k], `GRU ${k}`).toBe(optionDefault('GRU', k, 'keras3'));
    expect(layers.masking().toConfig().config.mask_value).toBe(0);
  });

  it('version strings with suffixes pick the right dialect (2.3.0-tf, 3.10.0.dev…)', () => {
    const lstm = (v: string) => normalizeTopology({ class_name: 'Sequential', keras_version: v, config: { layers: [
      { class_name: 'LSTM', config: { name: 'l', units: 2, recurrent_activation: 'hard_sigmoid', batch_input_shape: [null, 3, 1] } }] } }).layers[0].config;
    expect(lstm('2.3.0-tf').recurrent_activation).toBe('hard_sigmoid');
    expect(lstm('3.10.0.dev2025071403').recurrent_activation).toBe('hard_sigmoid_keras3');
    expect(lstm('tfjs-layers 4.22.0').recurrent_activation).toBe('hard_sigmoid');
  });

  it('an unsupported layer class names the layer, the class and what is supported', () => {
    expect(() => normalizeTopology({ class_name: 'Sequential', keras_version: '3.4.1', config: { layers: [{ class_name: 'Conv1D', config: { name: 'conv', filters: 2 } }] } }))
      .toThrow(/layer "conv" \(Conv1D\): unknown layer class "Conv1D"; supported: .*LSTM.*Masking, TimeDistributed/);
  });
});

describe('hard_sigmoid by the version that saved the file', () => {
  beforeAll(async () => { await init(); });
  const DIR = resolve('../shared/fixtures/keras-real');
  for (const name of ['zabir_bilstm', 'cse_embed_lstm']) {
    it(`${name}: saved by Keras 2 -> 0.2x + 0.5 (output); the same config marked Keras 3 -> x/6 + 0.5 (alt_outputs)`, async () => {
      const c = JSON.parse(readFileSync(`${DIR}/cases/${name}.json`, 'utf8'));
      const { topology, weights } = await readKerasFile(readFileSync(`${DIR}/${c.file}`), name);
      expect(JSON.stringify(topology.layers.map((l) => l.config))).toContain('"hard_sigmoid"');
      const cfg = readModelConfig(`${DIR}/${c.file}`, topology);
      const k3 = normalizeTopology({ ...cfg, keras_version: '3.0.0' });
      expect(JSON.stringify(k3.layers.map((l) => l.config))).toContain('"hard_sigmoid_keras3"');
      const x = tensor(c.input.dtype === 'int32' ? Int32Array.from(c.input.data) : Float32Array.from(c.input.data), c.input.shape, c.input.dtype);
      const worst = (m: ReturnType<typeof modelFromTopology>, want: number[]) => {
        const y = m.predict(x) as { data: Float32Array };
        return Math.max(...want.map((v, i) => Math.abs(y.data[i] - v)));
      };
      expect(worst(modelFromTopology(topology, weights), c.output.data)).toBeLessThanOrEqual(c.tolerance);
      expect(worst(modelFromTopology(k3, weights), c.alt_outputs.hard_sigmoid_keras3.output.data)).toBeLessThanOrEqual(c.tolerance);
    }, 60_000);
  }
});

/** The file's model_config, rebuilt from the canonical topology as tfjs JSON is not what we want: read the raw JSON. */
function readModelConfig(_path: string, top: ReturnType<typeof normalizeTopology>): Record<string, unknown> {
  // The canonical topology keeps Keras 2's 'hard_sigmoid' spelling; as a Sequential config it is what the file says.
  return { class_name: 'Sequential', config: { name: top.name, layers: top.layers.map((l) => ({ class_name: l.className, config: l.config })) } };
}
