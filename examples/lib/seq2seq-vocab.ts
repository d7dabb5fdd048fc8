/**
 * Character vocabularies and the Keras lstm_seq2seq data format:
 *   encoder input   one-hot [N, Tin, Vin]   the source, left-padded with spaces
 *   decoder input   one-hot [N, Tout, Vout] START + target           (teacher forcing)
 *   decoder target  one-hot [N, Tout, Vout] target + END             (the input shifted by one)
 * Tout = longest target + 1. Targets shorter than that are padded after END with
 * all-zero rows, which add nothing to the categorical cross-entropy (as in the tutorial).
 *
 * Left padding (the tutorial pads on the right) puts the last source character
 * right before the encoder's final state, which the decoder starts from.
 */
import { tensor, type Tensor } from '../../src/index.js';

export const START = '\t';
export const END = '\n';
const PAD = ' ';

export class CharVocab {
  readonly chars: string[];
  private readonly index = new Map<string, number>();

  constructor(chars: Iterable<string>) {
    this.chars = [...new Set(chars)].sort();
    this.chars.forEach((c, i) => this.index.set(c, i));
  }

  get size(): number { return this.chars.length; }

  id(c: string, what: string): number {
    const i = this.index.get(c);
    if (i === undefined) throw new Error(`${what}: character ${JSON.stringify(c)} is not in the vocabulary (${JSON.stringify(this.chars.join(''))})`);
    return i;
  }

  /** Vocabulary of every character in `texts`, plus `extra`. */
  static of(texts: Iterable<string>, extra = ''): CharVocab {
    const all: string[] = [...extra];
    for (const t of texts) all.push(...t);
    return new CharVocab(all);
  }
}

/** One-hot rows of `texts`, each written into `len` steps starting at step `offset(text)`. */
function oneHot(texts: readonly string[], vocab: CharVocab, len: number, offset: (t: string) => number, what: string): Tensor {
  const V = vocab.size, out = new Float32Array(texts.length * len * V);
  texts.forEach((t, n) => {
    const chars = [...t], at = offset(t);
    if (at < 0 || at + chars.length > len) throw new Error(`${what}: ${JSON.stringify(t)} has ${chars.length} characters, more than ${len} steps`);
    for (let s = 0; s < len; s++) {
      const c = s < at ? PAD : chars[s - at];
      if (c !== undefined) out[(n * len + s) * V + vocab.id(c, what)] = 1;
    }
  });
  return tensor(out, [texts.length, len, V]);
}

/** Encoder input: sources left-padded with spaces to `len` steps. */
export const encodeSources = (sources: readonly string[], vocab: CharVocab, len: number): Tensor =>
  oneHot(sources, vocab, len, (t) => len - [...t].length, 'encoder input');

/** Decoder input (START + target) and decoder target (target + END), `len` steps each, zero rows after the end. */
export function encodeTargets(targets: readonly string[], vocab: CharVocab, len: number): { decoderInput: Tensor; decoderTarget: Tensor } {
  return {
    decoderInput: oneHot(targets.map((t) => START + t), vocab, len, () => 0, 'decoder input'),
    decoderTarget: oneHot(targets.map((t) => t + END), vocab, len, () => 0, 'decoder target'),
  };
}

/** Vocabularies and lengths for a set of pairs (source vocabulary includes the pad character). */
export function vocabularies(pairs: readonly { source: string; target: string }[]): { source: CharVocab; target: CharVocab; sourceLen: number; targetLen: number } {
  return {
    source: CharVocab.of(pairs.map((p) => p.source), PAD),
    target: CharVocab.of(pairs.map((p) => p.target), START + END),
    sourceLen: pairs.reduce((m, p) => Math.max(m, [...p.source].length), 0),
    targetLen: pairs.reduce((m, p) => Math.max(m, [...p.target].length), 0) + 1,
  };
}
