/**
 * The Keras lstm_seq2seq encoder–decoder, built with the functional API:
 *
 *   training:  encoder LSTM(units, returnState) reads the source → [_, h, c];
 *              decoder LSTM(units, returnSequences, returnState) reads START + target
 *              (teacher forcing) from initialState [h, c] → Dense(Vout, softmax)
 *   inference: an encoder model (source → [h, c]) and a one-step decoder model
 *              ([char, h, c] → [probabilities, h', c']) that SHARE the trained layers
 *              (the same layer objects applied again, so the same weights).
 *
 * Greedy decoding feeds the argmax character back in, one step at a time, for a
 * whole batch of sources at once, until every row has written END or `maxLen` steps.
 */
import { input, layers, Model, tensor, type Tensor } from '../../src/index.js';
import { END, START, type CharVocab } from './seq2seq-vocab.js';

export interface Seq2seq {
  /** Teacher-forced training model: [encoder input, decoder input] → decoder probabilities. */
  train: Model;
  /** Source → the encoder's final [h, c]. */
  encoder: Model;
  /** [one character, h, c] → [probabilities, h', c']. */
  decoder: Model;
}

export function buildSeq2seq(sourceVocab: number, targetVocab: number, units: number): Seq2seq {
  const encoderInput = input({ shape: [null, sourceVocab], name: 'encoder_input' });
  const encoderLstm = layers.lstm({ units, returnState: true, name: 'encoder_lstm' });
  const [, h, c] = encoderLstm.apply(encoderInput);

  const decoderInput = input({ shape: [null, targetVocab], name: 'decoder_input' });
  const decoderLstm = layers.lstm({ units, returnSequences: true, returnState: true, name: 'decoder_lstm' });
  const decoderDense = layers.dense({ units: targetVocab, activation: 'softmax', name: 'decoder_dense' });
  const [decoded] = decoderLstm.apply(decoderInput, { initialState: [h, c] });
  const train = new Model({ inputs: [encoderInput, decoderInput], outputs: decoderDense.apply(decoded), name: 'seq2seq' });

  const encoder = new Model({ inputs: encoderInput, outputs: [h, c], name: 'encoder' });
  const hIn = input({ shape: [units], name: 'decoder_h' }), cIn = input({ shape: [units], name: 'decoder_c' });
  const [step, h2, c2] = decoderLstm.apply(decoderInput, { initialState: [hIn, cIn] });
  const decoder = new Model({
    inputs: [decoderInput, hIn, cIn], outputs: [decoderDense.apply(step), h2, c2], name: 'decoder',
  });
  return { train, encoder, decoder };
}

/** Greedy decoding of a batch of encoded sources [N, Tin, Vin]; returns the strings without END. */
export function decodeGreedy(m: Seq2seq, sources: Tensor, vocab: CharVocab, maxLen: number): string[] {
  const N = sources.shape[0], V = vocab.size, endId = vocab.id(END, 'decoder'), startId = vocab.id(START, 'decoder');
  let [h, c] = m.encoder.predict(sources) as Tensor[];
  const out = Array.from({ length: N }, () => ''), done = new Uint8Array(N);
  let prev: Int32Array = new Int32Array(N).fill(startId);
  for (let s = 0; s < maxLen && done.some((d) => !d); s++) {
    const step = new Float32Array(N * V);
    prev.forEach((id, n) => { step[n * V + id] = 1; });
    const [p, h2, c2] = m.decoder.predict([tensor(step, [N, 1, V]), h, c]) as Tensor[];
    [h, c] = [h2, c2];
    prev = argmaxRows(p.data as Float32Array, V);
    prev.forEach((id, n) => {
      if (done[n]) return;
      if (id === endId) done[n] = 1; else out[n] += vocab.chars[id];
    });
  }
  return out;
}

function argmaxRows(p: Float32Array, V: number): Int32Array {
  const out = new Int32Array(p.length / V);
  for (let n = 0; n < out.length; n++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (p[n * V + v] > p[n * V + best]) best = v;
    out[n] = best;
  }
  return out;
}

/** Fraction of `predicted` equal to `expected` as whole strings. */
export function exactMatch(predicted: readonly string[], expected: readonly string[]): number {
  let ok = 0;
  predicted.forEach((p, i) => { if (p === expected[i]) ok++; });
  return ok / expected.length;
}
