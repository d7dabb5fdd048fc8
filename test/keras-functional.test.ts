/**
 * Keras 2 `.h5` and Keras 3 `.keras` functional files (test/fixtures/functional, written by
 * scripts/make-functional-fixtures.ts + scripts/make-functional-keras-fixtures.py following
 * Keras' saving code: keras/src/models/functional.py get_config / serialize_node for the Keras 3
 * config, keras/engine/functional.py + engine/node.py for the Keras 2 one, saving_lib.py and
 * legacy hdf5_format.py for where the weights are): the encoder-decoder built in TensorFlow.js
 * (two inputs, decoder LSTM seeded with the encoder's [h, c], a Dense shared by two calls,
 * a Concatenate of the states). Each reads into the GraphSpec tfjs's own model.json gives, with
 * the file's weights matched by name/path (the shared layer's once), and that graph written as
 * a tfjs topology with those weights predicts in TensorFlow.js what the original tfjs model did.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readKerasParts, readKerasFile } from '../src/keras/file/load.js';
import { readModelTopology } from '../src/io/read-topology.js';
import { writeFunctionalTopology } from '../src/io/functional/write.js';
import { encodeWeights } from '../src/io/weights.js';
import type { GraphSpec } from '../src/models/graph/spec.js';

const DIR = 'test/fixtures/functional';
const ref = JSON.parse(readFileSync(`${DIR}/enc_dec.tfjs.json`, 'utf8')) as {
  topology: unknown; weights: { name: string; shape: number[]; data: number[] }[];
  inputs: { shape: number[]; data: number[] }[]; outputs: { shape: number[]; data: number[] }[];
};

beforeAll(async () => { await tf.setBackend('cpu'); });

/** The spec without what only says which writer wrote it (initializer spellings, sparse/ragged defaults). */
function semantic(spec: GraphSpec): unknown {
  return {
    ...spec,
    layers: spec.layers.map((l) => ({ ...l, config: Object.fromEntries(Object.entries(l.config).filter(([k]) => !k.endsWith('_initializer'))) })),
  };
}

const tfjsSpec = (() => {
  const r = readModelTopology(ref.topology);
  if (r.kind !== 'graph') throw new Error('fixture topology is not a graph');
  return r.graph.spec;
})();

for (const [file, format] of [['enc_dec_keras2.h5', 'h5-legacy'], ['enc_dec_keras3.keras', 'keras3']] as const) {
  describe(file, () => {
    it('reads into the GraphSpec of the tfjs model.json (same layers, calls, initial states, inputs, outputs)', async () => {
      const parts = await readKerasParts(new Uint8Array(readFileSync(`${DIR}/${file}`)), file);
      if (!('graph' in parts)) throw new Error('expected a graph');
      expect(parts.format).toBe(format);
      expect(semantic(parts.graph.spec)).toEqual(semantic(tfjsSpec));
      expect(parts.graph.source).toBe(format === 'keras3' ? 'keras3' : 'keras2');
    });

    it('weights matched by name, in layer order, the shared head once; tfjs loads the written topology with them and predicts the same', async () => {
      const parts = await readKerasParts(new Uint8Array(readFileSync(`${DIR}/${file}`)), file);
      if (!('graph' in parts)) throw new Error('expected a graph');
      expect(parts.weights.map((w) => w.name)).toEqual(['encoder/kernel', 'encoder/recurrent_kernel', 'encoder/bias', 'decoder/kernel',
        'decoder/recurrent_kernel', 'decoder/bias', 'head/kernel', 'head/bias']);
      const want = new Map(ref.weights.map((w) => [w.name, w]));
      for (const w of parts.weights) {
        expect(w.shape).toEqual(want.get(w.name)!.shape);
        expect(Array.from(w.data)).toEqual(want.get(w.name)!.data);
      }
      const { weightSpecs, weightData } = encodeWeights(parts.weights);
      const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: writeFunctionalTopology(parts.graph.spec) as never, weightSpecs, weightData }));
      const ys = m.predict(ref.inputs.map((x) => tf.tensor(x.data, x.shape))) as tf.Tensor[];
      ys.forEach((y, i) => {
        expect(y.shape).toEqual(ref.outputs[i].shape);
        const got = y.dataSync();
        ref.outputs[i].data.forEach((v, j) => expect(Math.abs(got[j] - v)).toBeLessThan(1e-6));
      });
    });

    it('readKerasFile (chain-only callers) names the file and the model', async () => {
      await expect(readKerasFile(new Uint8Array(readFileSync(`${DIR}/${file}`)), file)).rejects.toThrow(new RegExp(`${file.replace('.', '\\.')}.*model "enc_dec" is a functional graph`));
    });
  });
}
