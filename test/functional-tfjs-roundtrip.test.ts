/**
 * Functional encoder–decoder models both ways with the real TensorFlow.js 4.22
 * (pure-JS cpu backend), on both of our backends (issue 14, acceptance 1):
 *
 * - built, trained (a few adam steps) and saved HERE (model.save('file://…')),
 *   loaded by `tf.loadLayersModel` (through an IO handler over the saved files):
 *   tfjs predicts what we predict, within 1e-5; the same for the inference
 *   encoder and one-step decoder that share the trained layers (several inputs
 *   and outputs, states as inputs);
 * - built in TensorFlow.js in this test (tf.input, LSTM returnState, decoder
 *   `apply(x, { initialState })`, tf.model), saved with tf.io.withSaveHandler,
 *   loaded here with io.fromArtifacts: the same predictions (1e-5) and the
 *   same weight gradients of the same loss (1e-4, tfjs's from tf.variableGrads).
 *
 * The reference values are tfjs's own predictions and gradients, computed here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, input, io, layers, Model, optimizers, setBackend, setSeed, tensor, type BackendName, type ModelArtifacts, type Tensor,
} from '../src/index.js';
import { maxAbsDiff, maxRelDiff } from './helpers/diff.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

const root = mkdtempSync(join(tmpdir(), 'lstm-wasm-functional-tfjs-'));
beforeAll(async () => { await init(); await tf.setBackend('cpu'); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

// B batch, S source steps, T target steps, VS/VT vocabularies, H units (odd sizes on purpose)
const B = 3, S = 6, T = 4, VS = 5, VT = 7, H = 9;

/** mulberry32 in [-1, 1): inputs and weights that are not one-hot or initializer-shaped. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}
const randomArray = (n: number, rand: () => number, scale = 1) => Float32Array.from({ length: n }, () => rand() * scale);

/** Encoder source [B, S, VS], decoder input [B, T, VT] (real-valued), one-hot decoder targets [B, T, VT]. */
function batch(seed: number): { xs: Float32Array; xd: Float32Array; y: Float32Array } {
  const rand = uniform(seed);
  const y = new Float32Array(B * T * VT);
  for (let r = 0; r < B * T; r++) y[r * VT + Math.floor((rand() * 0.5 + 0.5) * VT)] = 1;
  return { xs: randomArray(B * S * VS, rand), xd: randomArray(B * T * VT, rand), y };
}

const BACKENDS: BackendName[] = ['wasm', 'js'];
async function onBackend(be: BackendName, f: () => Promise<void>): Promise<void> {
  setBackend(be);
  try { await f(); } finally { setBackend('wasm'); }
}

async function tfPredict(m: tf.LayersModel, xs: tf.Tensor[]): Promise<Float32Array[]> {
  const y = m.predict(xs.length === 1 ? xs[0] : xs);
  const ys = Array.isArray(y) ? y : [y];
  const out = await Promise.all(ys.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(ys);
  return out;
}
const list = (y: Tensor | Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('an encoder–decoder built, trained and saved here loads in TensorFlow.js', () => {
  it.each(BACKENDS)('%s: training model and the inference encoder/decoder that share its layers predict the same in tfjs (1e-5)', (be) => onBackend(be, async () => {
    setSeed(3);
    const encIn = input({ shape: [null, VS], name: 'enc_in' });
    const encoder = layers.lstm({ units: H, returnState: true, name: 'enc' });
    const [, h, c] = encoder.apply(encIn);
    const decIn = input({ shape: [null, VT], name: 'dec_in' });
    const decoder = layers.lstm({ units: H, returnSequences: true, returnState: true, name: 'dec' });
    const dense = layers.dense({ units: VT, activation: 'softmax', name: 'out' });
    const [seq] = decoder.apply(decIn, { initialState: [h, c] });
    const trainModel = new Model({ inputs: [encIn, decIn], outputs: dense.apply(seq) });
    trainModel.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    const d = batch(11);
    const xs = tensor(d.xs, [B, S, VS]), xd = tensor(d.xd, [B, T, VT]), y = tensor(d.y, [B, T, VT]);
    const before = trainModel.getWeights().map((w) => w.data.slice());
    for (let i = 0; i < 3; i++) trainModel.trainOnBatch([xs, xd], y);
    // the steps moved every weight, encoder included (the gradient reached it through initialState)
    trainModel.getWeights().forEach((w, i) => expect(maxAbsDiff(w.data, before[i]), w.name).toBeGreaterThan(1e-3));

    const hIn = input({ shape: [H], name: 'h_in' }), cIn = input({ shape: [H], name: 'c_in' });
    const [step, h2, c2] = decoder.apply(decIn, { initialState: [hIn, cIn] });
    const encModel = new Model({ inputs: encIn, outputs: [h, c] });
    const decModel = new Model({ inputs: [decIn, hIn, cIn], outputs: [dense.apply(step), h2, c2] });

    const states = list(encModel.predict(xs));
    const cases: [string, Model, Tensor[]][] = [['train', trainModel, [xs, xd]], ['encoder', encModel, [xs]], ['decoder', decModel, [xd, ...states]]];
    for (const [name, model, xsOurs] of cases) {
      const dir = join(root, `${be}-${name}`);
      await model.save(`file://${dir}`);
      const theirs = await tfjsLoadSaved(dir);
      const xsTf = xsOurs.map((x) => tf.tensor(x.data, x.shape));
      const outTf = await tfPredict(theirs, xsTf);
      const ours = list(model.predict(xsOurs.length === 1 ? xsOurs[0] : xsOurs));
      expect(outTf.length, name).toBe(ours.length);
      ours.forEach((o, i) => expect(maxAbsDiff(o.data, outTf[i]), `${name} output ${i}`).toBeLessThanOrEqual(1e-5));
      tf.dispose(xsTf); theirs.dispose();
    }
    // shared layers: the inference decoder, started from the encoder model's states, reproduces the training model
    const viaInference = list(decModel.predict([xd, ...states]))[0];
    expect(maxAbsDiff(viaInference.data, list(trainModel.predict([xs, xd]))[0].data)).toBeLessThanOrEqual(1e-6);
  }), 60_000);
});

/** The Keras lstm_seq2seq model built in tfjs, with random (not initializer-shaped) weights; also its one-step inference decoder. */
function tfjsSeq2seq(): { train: tf.LayersModel; decoder: tf.LayersModel } {
  const encIn = tf.input({ shape: [null, VS], name: 'enc_in' });
  const [, h, c] = tf.layers.lstm({ units: H, returnState: true, name: 'enc' }).apply(encIn) as tf.SymbolicTensor[];
  const decIn = tf.input({ shape: [null, VT], name: 'dec_in' });
  const decLstm = tf.layers.lstm({ units: H, returnSequences: true, returnState: true, name: 'dec' });
  const dense = tf.layers.dense({ units: VT, activation: 'softmax', name: 'out' });
  const [seq] = decLstm.apply(decIn, { initialState: [h, c] }) as tf.SymbolicTensor[];
  const train = tf.model({ inputs: [encIn, decIn], outputs: dense.apply(seq) as tf.SymbolicTensor, name: 'tfjs_seq2seq' });
  const rand = uniform(5);
  train.setWeights(train.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((a, b) => a! * b!, 1)!, rand, 0.5), w.shape as number[])));
  const hIn = tf.input({ shape: [H], name: 'h_in' }), cIn = tf.input({ shape: [H], name: 'c_in' });
  const [step, h2, c2] = decLstm.apply(decIn, { initialState: [hIn, cIn] }) as tf.SymbolicTensor[];
  const decoder = tf.model({ inputs: [decIn, hIn, cIn], outputs: [dense.apply(step) as tf.SymbolicTensor, h2, c2], name: 'tfjs_decoder' });
  return { train, decoder };
}

async function tfjsArtifacts(m: tf.LayersModel): Promise<ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved as ModelArtifacts;
}

/** tfjs's gradients of mean categorical cross-entropy, by weight name (e.g. 'enc/kernel'). */
function tfjsGradients(m: tf.LayersModel, xs: tf.Tensor[], y: tf.Tensor): { loss: number; grads: Map<string, Float32Array> } {
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(y, m.apply(xs) as tf.Tensor)) as tf.Scalar, vars);
  const out = new Map<string, Float32Array>();
  m.trainableWeights.forEach((w, i) => out.set(w.originalName, grads[vars[i].name].dataSync() as Float32Array));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

describe('an encoder–decoder built and saved in TensorFlow.js loads here', () => {
  it.each(BACKENDS)('%s: same predictions (1e-5) and weight gradients (1e-4) as tfjs, training model and one-step decoder', (be) => onBackend(be, async () => {
    const built = tfjsSeq2seq();
    const trainArt = await tfjsArtifacts(built.train), decArt = await tfjsArtifacts(built.decoder);
    const d = batch(23);
    const xsTf = [tf.tensor(d.xs, [B, S, VS]), tf.tensor(d.xd, [B, T, VT])], yTf = tf.tensor(d.y, [B, T, VT]);
    const xs = tensor(d.xs, [B, S, VS]), xd = tensor(d.xd, [B, T, VT]), y = tensor(d.y, [B, T, VT]);

    const loaded = io.fromArtifacts(trainArt);
    expect(loaded).toBeInstanceOf(Model);
    const ours = loaded as Model;
    const [pTf] = await tfPredict(built.train, xsTf);
    expect(maxAbsDiff(list(ours.predict([xs, xd]))[0].data, pTf)).toBeLessThanOrEqual(1e-5);

    const ref = tfjsGradients(built.train, xsTf, yTf);
    ours.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const { loss, grads } = ours.computeGradients([xs, xd], y);
    expect(Math.abs(loss - ref.loss)).toBeLessThanOrEqual(1e-5);
    expect(grads.map((g) => g.name).sort()).toEqual([...ref.grads.keys()].sort());
    for (const g of grads) expect(maxRelDiff([g], [{ data: ref.grads.get(g.name)! }]), g.name).toBeLessThanOrEqual(1e-4);
    // the encoder's gradient is not trivially zero: it arrives only through the decoder's initialState
    expect(Math.max(...ref.grads.get('enc/kernel')!.map(Math.abs))).toBeGreaterThan(1e-3);

    // the one-step inference decoder: three inputs (character, h, c), three outputs
    const hc = [randomArray(B * H, uniform(31)), randomArray(B * H, uniform(37))];
    const step = d.xd.slice(0, B * VT);
    const decTf = await tfPredict(built.decoder, [tf.tensor(step, [B, 1, VT]), ...hc.map((s) => tf.tensor(s, [B, H]))]);
    const decOurs = list((io.fromArtifacts(decArt) as Model).predict([tensor(step, [B, 1, VT]), ...hc.map((s) => tensor(s, [B, H]))]));
    expect(decOurs.length).toBe(3);
    decOurs.forEach((o, i) => expect(maxAbsDiff(o.data, decTf[i]), `decoder output ${i}`).toBeLessThanOrEqual(1e-5));
    tf.dispose([...xsTf, yTf]); built.train.dispose(); built.decoder.dispose();
  }), 60_000);
});
