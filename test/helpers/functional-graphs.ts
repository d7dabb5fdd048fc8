/**
 * Functional graphs built with TensorFlow.js 4.22 (the devDependency), for the functional file
 * tests and the fuzz corpus: several inputs and outputs, shared layers, recurrent layers seeded
 * with another layer's states, merges. Weights are set from a seeded generator, so every graph
 * is the same on every run. Each builder also says what the graph is (inputs, outputs, calls),
 * written from how it was built, for the tests to compare the reader's GraphSpec with.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/util/random.js';

export interface BuiltGraph {
  name: string;
  model: tf.LayersModel;
  /** Random inputs (one per model input), seeded. */
  inputs: tf.Tensor[];
}

/** Seeded values in [-0.5, 0.5) (the library's mulberry32 stream, centred). */
export function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next() - 0.5;
}

function seeded(model: tf.LayersModel, seed: number): void {
  const r = rng(seed);
  model.setWeights(model.getWeights().map((w) => tf.tensor(Array.from({ length: w.size }, () => r()), w.shape)));
}

const data = (shape: number[], seed: number): tf.Tensor => {
  const r = rng(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r()), shape);
};

type T = tf.SymbolicTensor;

/** Encoder LSTM whose [h, c] seed the decoder LSTM; a Dense shared by the decoder's outputs and the encoder's c; the states concatenated. */
export function encoderDecoder(): BuiltGraph {
  const encIn = tf.input({ shape: [5, 3], name: 'enc_in' });
  const decIn = tf.input({ shape: [4, 2], name: 'dec_in' });
  const [, h, c] = tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnState: true, name: 'encoder' }).apply(encIn) as T[];
  const dec = tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true, name: 'decoder' }).apply(decIn, { initialState: [h, c] }) as T;
  const head = tf.layers.dense({ units: 2, activation: 'tanh', name: 'head' });
  const yDec = head.apply(dec) as T;
  // The cell state, not encOut: tfjs 4.22 returns the LSTM's output and h as one tensor and fails
  // to predict a graph that reads both (its executor disposes the tensor after the first use).
  const yEnc = head.apply(c) as T;
  const states = tf.layers.concatenate({ name: 'states' }).apply([h, c]) as T;
  const model = tf.model({ inputs: [encIn, decIn], outputs: [yDec, yEnc, states], name: 'enc_dec' });
  seeded(model, 1);
  return { name: 'enc_dec', model, inputs: [data([2, 5, 3], 2), data([2, 4, 2], 3)] };
}

/** One GRU applied to two inputs (a Siamese pair), merged by add / multiply / average. */
export function sharedSiamese(): BuiltGraph {
  const a = tf.input({ shape: [6, 3], name: 'left' });
  const b = tf.input({ shape: [6, 3], name: 'right' });
  const gru = tf.layers.gru({ units: 5, name: 'twin' });
  const ga = gru.apply(a) as T;
  const gb = gru.apply(b) as T;
  const sum = tf.layers.add({ name: 'sum' }).apply([ga, gb]) as T;
  const prod = tf.layers.multiply({ name: 'prod' }).apply([ga, gb]) as T;
  const avg = tf.layers.average({ name: 'avg' }).apply([sum, prod]) as T;
  const score = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(sum) as T;
  const model = tf.model({ inputs: [a, b], outputs: [score, avg], name: 'siamese' });
  seeded(model, 4);
  return { name: 'siamese', model, inputs: [data([3, 6, 3], 5), data([3, 6, 3], 6)] };
}

/**
 * Bidirectional encoder with states seeding a Bidirectional decoder; a GRU seeded by a Dense
 * of a third input; Luong-style attention from two Dot layers (scores, then context).
 */
export function bidiAttention(): BuiltGraph {
  const src = tf.input({ shape: [5, 3], name: 'src' });
  const tgt = tf.input({ shape: [4, 3], name: 'tgt' });
  const ctx = tf.input({ shape: [2], name: 'ctx' });
  const [encSeq, fh, fc, bh, bc] = tf.layers.bidirectional({
    layer: tf.layers.lstm({ units: 3, returnSequences: true, returnState: true }) as tf.RNN, name: 'bi_enc', mergeMode: 'concat',
  }).apply(src) as T[];
  const decSeq = tf.layers.bidirectional({
    layer: tf.layers.lstm({ units: 3, returnSequences: true }) as tf.RNN, name: 'bi_dec', mergeMode: 'concat',
  }).apply(tgt, { initialState: [fh, fc, bh, bc] }) as T;
  const h0 = tf.layers.dense({ units: 6, name: 'init_h' }).apply(ctx) as T;
  const gru = tf.layers.gru({ units: 6, returnSequences: true, name: 'gru_seeded' }).apply(decSeq, { initialState: [h0] }) as T;
  const scores = tf.layers.dot({ axes: 2, name: 'scores' }).apply([gru, encSeq]) as T;
  const context = tf.layers.dot({ axes: [2, 1], name: 'context' }).apply([scores, encSeq]) as T;
  const both = tf.layers.concatenate({ axis: -1, name: 'both' }).apply([context, gru]) as T;
  const out = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }), name: 'out' }).apply(both) as T;
  const model = tf.model({ inputs: [src, tgt, ctx], outputs: [out, scores], name: 'bidi_attention' });
  seeded(model, 7);
  return { name: 'bidi_attention', model, inputs: [data([2, 5, 3], 8), data([2, 4, 3], 9), data([2, 2], 10)] };
}

/** Only layers without merges or initial states: one LSTM and one Dense each shared by two inputs; a branch to a second head. */
export function sharedTowers(): BuiltGraph {
  const a = tf.input({ shape: [5, 3], name: 'query' });
  const b = tf.input({ shape: [5, 3], name: 'doc' });
  const enc = tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true, name: 'tower' });
  const pool = tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid', resetAfter: false, name: 'pool' } as never);
  const head = tf.layers.dense({ units: 2, activation: 'tanh', name: 'head' });
  const sa = enc.apply(a) as T;
  const sb = enc.apply(b) as T;
  const ya = head.apply(pool.apply(sa) as T) as T;
  const yb = head.apply(pool.apply(sb) as T) as T;
  const steps = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 1 }), name: 'per_step' }).apply(sa) as T;
  const model = tf.model({ inputs: [a, b], outputs: [ya, yb, steps], name: 'towers' });
  seeded(model, 11);
  return { name: 'towers', model, inputs: [data([2, 5, 3], 12), data([2, 5, 3], 13)] };
}

export const GRAPHS = [encoderDecoder, sharedSiamese, bidiAttention, sharedTowers];

/** tfjs's own artifacts for `model` (topology + weight specs + weight data), via a save handler. */
export async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}
