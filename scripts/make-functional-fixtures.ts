/**
 * Makes test/fixtures/functional/: the encoder-decoder graph of test/helpers/functional-graphs.ts
 * (built in TensorFlow.js 4.22, seeded weights) as
 *   enc_dec.tfjs.json     its weights (tfjs names), inputs and tfjs's predictions;
 *   enc_dec_keras2.h5     the same graph as a Keras 2 (tf.keras 2.15) functional .h5;
 *   enc_dec_keras3.keras  the same graph as a Keras 3 functional .keras archive;
 * the two Keras files written by scripts/make-functional-keras-fixtures.py (h5py) from that JSON,
 * following Keras' own saving code (cited there). Never hand-edited; rerun:
 *   npx vite-node scripts/make-functional-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { encoderDecoder } from '../test/helpers/functional-graphs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'test', 'fixtures', 'functional');

await tf.setBackend('cpu');
const g = encoderDecoder();
const values = g.model.getWeights();
const ys = g.model.predict(g.inputs) as tf.Tensor[];
const json = {
  about: 'tfjs 4.22 encoder-decoder (test/helpers/functional-graphs.ts encoderDecoder), made by scripts/make-functional-fixtures.ts',
  topology: g.model.toJSON(null, false),
  weights: g.model.weights.map((w, i) => ({ name: w.originalName, shape: w.shape, data: Array.from(values[i].dataSync()) })),
  inputs: g.inputs.map((x) => ({ shape: x.shape, data: Array.from(x.dataSync()) })),
  outputs: ys.map((y) => ({ shape: y.shape, data: Array.from(y.dataSync()) })),
};
writeFileSync(join(dir, 'enc_dec.tfjs.json'), `${JSON.stringify(json)}\n`);
const py = process.env.PYTHON ?? '/usr/bin/python3'; // Debian's python3-h5py
const r = spawnSync(py, [join(root, 'scripts', 'make-functional-keras-fixtures.py'), dir], { stdio: 'inherit' });
if (r.status !== 0) throw new Error(`make-functional-keras-fixtures.py failed (${r.status})`);
console.log(`wrote ${dir}`);
