/**
 * seq2seq — a character-level encoder–decoder (the Keras lstm_seq2seq recipe)
 * that learns date-format translation: "March 7, 2014", "7 Mar 2014",
 * "03/07/2014", … → "2014-03-07" (eight input formats, days 1900–2099).
 *
 *   encoder LSTM(units, returnState) → [h, c] → decoder LSTM(units) from
 *   initialState [h, c], teacher-forced on START + target → Dense(softmax)
 *
 * Trained with categorical cross-entropy on one-hot characters, adam, in rounds
 * of --round training pairs; after each round the held-out VALIDATION days are
 * decoded greedily and training stops once their exact match reaches --stop-at.
 * Then the TEST days (never seen in training or validation, in any format) are
 * decoded through separate inference encoder/decoder models sharing the trained
 * layers, one step at a time, and the exact match over whole strings is
 * reported. Learning curves (loss, character accuracy, validation exact match,
 * per round) go to examples/out/seq2seq-curves.svg.
 *
 *   npm run build:ts && npm run example:seq2seq [-- --units 96 --lr 0.005 --train 20000 --round 5000 --batch 64 --stop-at 0.98 --epochs 8] [--smoke]
 */
import { init, optimizers, setSeed } from '../src/index.js';
import { appendHistory, isMain, now, numArg, parseArgs, runCli, seconds, writeCurves } from './lib/common.js';
import { dateSplits, type Pair } from './lib/seq2seq-dates.js';
import { buildSeq2seq, decodeGreedy, exactMatch } from './lib/seq2seq-model.js';
import { encodeSources, encodeTargets, vocabularies } from './lib/seq2seq-vocab.js';

export interface Seq2seqResult {
  /** Exact match over whole target strings on the held-out test days. */
  testExactMatch: number;
  /** Validation exact match after each round. */
  validation: number[];
  /** Passes over the training pairs (fractional: training stops after a round). */
  epochs: number;
  seconds: number;
  examples: { source: string; target: string; decoded: string }[];
}

export async function main(argv: string[] = []): Promise<Seq2seqResult> {
  const args = parseArgs(argv);
  const smoke = args.smoke;
  const seed = numArg(args, 'seed', 42);
  const units = numArg(args, 'units', smoke ? 16 : 96);
  const nTrain = numArg(args, 'train', smoke ? 256 : 20000);
  const nTest = numArg(args, 'test', smoke ? 64 : 2000);
  const nVal = numArg(args, 'val', smoke ? 64 : 500);
  const maxEpochs = numArg(args, 'epochs', smoke ? 1 : 8);
  const batchSize = numArg(args, 'batch', 64);
  const round = numArg(args, 'round', smoke ? 256 : 5000);
  const stopAt = numArg(args, 'stop-at', 0.98);
  const lr = numArg(args, 'lr', 0.005);
  await init();
  setSeed(seed);
  const t0 = now();

  const { train, validation, test } = dateSplits(nTrain, nVal, nTest, seed);
  const v = vocabularies(train);
  const encode = (pairs: Pair[]) => encodeSources(pairs.map((p) => p.source), v.source, v.sourceLen);
  const xVal = encode(validation), xTest = encode(test);
  // the training pairs are i.i.d. draws, so fixed consecutive slices make fair rounds
  const rounds = Array.from({ length: Math.ceil(train.length / round) }, (_, r) => {
    const part = train.slice(r * round, (r + 1) * round);
    return { x: encode(part), ...encodeTargets(part.map((p) => p.target), v.target, v.targetLen) };
  });
  console.log(`dates 1900–2099 in 8 formats → ISO: ${train.length} training pairs, ${validation.length} validation and ${test.length} test days ` +
    `(disjoint); source vocabulary ${v.source.size} characters × ${v.sourceLen} steps, target ${v.target.size} × ${v.targetLen}`);
  for (const p of train.slice(0, 3)) console.log(`  ${JSON.stringify(p.source)} → ${JSON.stringify(p.target)}`);

  const m = buildSeq2seq(v.source.size, v.target.size, units);
  m.train.compile({ optimizer: optimizers.adam({ learningRate: lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(m.train.summary());

  const exact = (x: typeof xVal, pairs: Pair[]) => exactMatch(decodeGreedy(m, x, v.target, v.targetLen), pairs.map((p) => p.target));
  const valHistory: number[] = [];
  const history: Record<string, number[]> = { val_exact_match: valHistory };
  // train in rounds of `round` pairs; after each, decode the validation days and stop once they are right
  let seen = 0;
  for (let r = 0; seen < maxEpochs * train.length; r++) {
    const { x, decoderInput, decoderTarget } = rounds[r % rounds.length];
    const h = await m.train.fit([x, decoderInput], decoderTarget, { epochs: 1, batchSize, shuffle: true, verbose: 0 });
    seen += x.shape[0];
    appendHistory(history, h.history);
    valHistory.push(exact(xVal, validation));
    console.log(`round ${r + 1} (${(seen / train.length).toFixed(2)} epochs): loss ${h.history.loss[0].toFixed(4)}, ` +
      `character accuracy ${(h.history.accuracy[0] * 100).toFixed(2)}%, validation exact match ${(valHistory[r] * 100).toFixed(1)}% (${seconds(now() - t0)})`);
    if (valHistory[r] >= stopAt) break;
  }
  const epochs = seen / train.length;

  const decoded = decodeGreedy(m, xTest, v.target, v.targetLen);
  const testExactMatch = exactMatch(decoded, test.map((p) => p.target));
  const elapsed = now() - t0;
  const examples = test.map((p, i) => ({ ...p, decoded: decoded[i] }));
  const shown = [...examples.slice(0, 6), ...examples.filter((e) => e.decoded !== e.target).slice(0, 3)];
  console.log(`\nheld-out test days: exact match ${(testExactMatch * 100).toFixed(2)}% (${test.length} days never seen in training), ` +
    `${epochs.toFixed(2)} epochs, ${seconds(elapsed)} in all`);
  writeCurves(args, 'seq2seq', history, 'seq2seq: dates → ISO 8601');
  for (const e of shown) console.log(`  ${e.decoded === e.target ? '✓' : '✗'} ${e.source.padEnd(v.sourceLen)} → ${e.decoded}${e.decoded === e.target ? '' : `   (expected ${e.target})`}`);
  return { testExactMatch, validation: valHistory, epochs, seconds: elapsed / 1000, examples };
}

if (isMain(import.meta.url)) runCli(main);
