/**
 * Functional files wired to the engine (Model.fromGraphSpec / toGraphSpec): a graph built and
 * saved in TensorFlow.js 4.22 (two inputs, three outputs, an LSTM, a GRU and a Dense each shared
 * by two calls, a TimeDistributed branch) loads with io.fromArtifacts as a Model that predicts
 * what tfjs predicts on both backends; saved here (Model.toJSON = writeFunctionalTopology) it
 * loads in tfjs (tf.loadLayersModel) and here again with the same predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, io, Model, setBackend, tensor, type ModelArtifacts, type Tensor } from '../src/index.js';
import { sharedTowers, tfjsArtifacts, type BuiltGraph } from './helpers/functional-graphs.js';

let g: BuiltGraph;
let want: Float32Array[];
beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
  g = sharedTowers();
  want = (g.model.predict(g.inputs) as tf.Tensor[]).map((y) => y.dataSync() as Float32Array);
});
afterAll(() => setBackend('wasm'));

const ours = () => g.inputs.map((x) => tensor(x.dataSync() as Float32Array, x.shape));
const outputsOf = (y: Tensor | Tensor[]): Float32Array[] => (Array.isArray(y) ? y : [y]).map((t) => t.data as Float32Array);
const maxDiff = (a: Float32Array[], b: Float32Array[]) => {
  expect(a.map((x) => x.length)).toEqual(b.map((x) => x.length));
  return Math.max(...a.map((x, i) => Math.max(...Array.from(x, (v, j) => Math.abs(v - b[i][j])))));
};

describe('a tfjs functional model.json loads as a Model', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: io.fromArtifacts gives a Model with tfjs's weights (shared layers once) and predictions within 1e-5`, async () => {
      setBackend(backend);
      const m = io.fromArtifacts(await tfjsArtifacts(g.model) as ModelArtifacts) as Model;
      expect(m).toBeInstanceOf(Model);
      expect(m.getWeights().map((w) => w.name)).toEqual(g.model.weights.map((w) => w.originalName));
      expect(maxDiff(outputsOf(m.predict(ours()) as Tensor[]), want)).toBeLessThan(1e-5);
      m.dispose();
    });
  }

  it('saved here (writeFunctionalTopology), it loads in TensorFlow.js and here again with the same predictions (defect: the engine\'s GraphSpec dropped TimeDistributed\'s inner layer)', async () => {
    setBackend('wasm');
    const m = io.fromArtifacts(await tfjsArtifacts(g.model) as ModelArtifacts) as Model;
    let saved: ModelArtifacts | undefined;
    await m.save(io.withSaveHandler((a) => { saved = a; }));
    expect((saved!.modelTopology as { class_name: string }).class_name).toBe('Model');
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved as never));
    expect(maxDiff((back.predict(g.inputs) as tf.Tensor[]).map((y) => y.dataSync() as Float32Array), want)).toBeLessThan(1e-5);
    const again = io.fromArtifacts(saved!);
    expect(again).toBeInstanceOf(Model);
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(m.toJSON()));
    expect(outputsOf((again as Model).predict(ours()) as Tensor[])).toEqual(outputsOf(m.predict(ours()) as Tensor[]));
    m.dispose();
    again.dispose();
  });
});
