/**
 * The training run the SpamAssassin classifier examples share (sentiment,
 * stacked-bidirectional) — the Keras text-classification recipe:
 *
 *   seed → load the corpus → seeded 80/20 split, word tokenizer (NUM_WORDS),
 *   padSequences(MAXLEN) → compile (binaryCrossentropy, accuracy) → fit
 *   (batch 128, validationSplit 0.2) → evaluate on the held-out test split
 *   against the majority-class baseline → learning curves SVG.
 *
 * Each step is narrated on the console. The examples differ only in the model,
 * the optimizer, the default epochs and the smoke-run size, and in what they
 * do with the trained model afterwards.
 */
import { init, setSeed, type OptimizerIdentifier, type Sequential } from '../../src/index.js';
import { now, numArg, seconds, writeCurves, type ExampleArgs } from './common.js';
import { loadSpam, majorityBaseline, prepareSpam, type SpamSplits } from './spam.js';

export const NUM_WORDS = 10000;
export const MAXLEN = 200;
export const BATCH = 128;

export interface SpamClassifierOptions {
  /** File-name stem of the curves (`<name>-curves.svg`). */
  name: string;
  /** Title of the curves plot. */
  title: string;
  /** Epochs without --epochs (1 with --smoke). */
  defaultEpochs: number;
  /** Messages kept with --smoke. */
  smokeLimit: number;
  /** The model, built after the seed is set so its initial weights are reproducible. */
  model: () => Sequential;
  /** Optimizer name for compile(). */
  optimizer: OptimizerIdentifier;
}

export interface SpamClassifierRun {
  model: Sequential;
  data: SpamSplits;
  epochs: number;
  /** model.evaluate() on the test split: loss and accuracy. */
  test: Record<string, number>;
  /** Accuracy of always guessing the majority class of the test split. */
  baseline: number;
  /** performance.now() at the start, for the example's total time. */
  t0: number;
}

/** `--epochs N` (default opts.defaultEpochs, 1 with --smoke), `--seed S` (default 42), `--threads N` (data-parallel fit, default 1). */
export async function trainSpamClassifier(args: ExampleArgs, opts: SpamClassifierOptions): Promise<SpamClassifierRun> {
  const epochs = numArg(args, 'epochs', args.smoke ? 1 : opts.defaultEpochs);
  const seed = numArg(args, 'seed', 42);
  const threads = numArg(args, 'threads', 1);
  await init();
  setSeed(seed);
  const t0 = now();

  const corpus = loadSpam({ limit: args.smoke ? opts.smokeLimit : undefined });
  const data = prepareSpam(corpus, { numWords: NUM_WORDS, maxlen: MAXLEN, seed });
  const base = majorityBaseline(data.yTest.data);
  console.log(`SpamAssassin: ${corpus.texts.length} messages, ${data.xTrain.shape[0]} train (20% of it for validation), ${data.xTest.shape[0]} test; ` +
    `vocabulary ${Object.keys(data.tokenizer.wordIndex).length} words, kept ${NUM_WORDS}; data ready in ${seconds(now() - t0)}`);

  const model = opts.model();
  model.compile({ optimizer: opts.optimizer, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  console.log(model.summary());

  const tFit = now();
  const history = await model.fit(data.xTrain, data.yTrain, { epochs, batchSize: BATCH, validationSplit: 0.2, verbose: 1, threads });
  const fitMs = now() - tFit;
  const test = model.evaluate(data.xTest, data.yTest, { batchSize: BATCH });
  console.log(`training: ${seconds(fitMs)} for ${epochs} epoch(s), ${seconds(fitMs / epochs)} per epoch`);
  console.log(`test: loss ${test.loss.toFixed(4)}, accuracy ${(100 * test.accuracy).toFixed(2)}% ` +
    `(majority class baseline ${(100 * base.accuracy).toFixed(2)}%, ${data.xTest.shape[0]} messages)`);
  console.log(`learning curves: ${writeCurves(args, opts.name, history.history, opts.title)}`);
  return { model, data, epochs, test, baseline: base.accuracy, t0 };
}
