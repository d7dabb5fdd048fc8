/**
 * sentiment — the R-Keras / Keras text-classification recipe on real data:
 * SpamAssassin ham vs spam (6,046 messages).
 *
 *   word tokenizer (10,000 words) → padSequences(maxlen 200)
 *   Embedding(10000, 32) → LSTM(32) → Dense(1, sigmoid)
 *   rmsprop, binaryCrossentropy, batch 128, validationSplit 0.2,
 *   held-out 20% test split evaluated at the end;
 *   save → io.loadModel → classify new messages.
 *
 *   npm run build:ts && node dist/examples/sentiment.js [--epochs 10] [--threads 2] [--smoke] [--out DIR]
 */
import { rmSync } from 'node:fs';
import { io, layers, Sequential, text, tensor } from '../src/index.js';
import { binaryAccuracy, isMain, now, outFile, parseArgs, runCli, seconds } from './lib/common.js';
import { BATCH, MAXLEN, NUM_WORDS, trainSpamClassifier } from './lib/spam-classifier.js';

/** Messages the model has never seen, typed here. */
const NEW_MESSAGES = [
  'Hi Tom, the build on the test server failed again after your last commit. Can you look at the exmh patch before the meeting tomorrow? Thanks',
  'CONGRATULATIONS!!! You have been selected to receive a FREE vacation. Click here now to claim your prize, limited time offer, no purchase necessary. To be removed from our mailing list reply REMOVE',
  'Does anyone on the list know why spamassassin 2.40 rejects this rule? I attached my config file, the error appears when I run it from procmail.',
  'Make money fast working from home! Earn $5000 a week with our proven system. Order now and get a free bonus report. Satisfaction guaranteed or your money back.',
];

export interface SentimentResult {
  testAccuracy: number;
  baseline: number;
  seconds: number;
  reloadedAgrees: boolean;
}

export async function main(argv: string[] = []): Promise<SentimentResult> {
  const args = parseArgs(argv);
  const { model, data, test, baseline, t0 } = await trainSpamClassifier(args, {
    name: 'sentiment', title: 'sentiment: SpamAssassin, Embedding → LSTM(32) → Dense',
    defaultEpochs: 10, smokeLimit: 300, optimizer: 'rmsprop',
    model: () => new Sequential([
      layers.embedding({ inputDim: NUM_WORDS, outputDim: 32, inputLength: MAXLEN }),
      layers.lstm({ units: 32 }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ]),
  });

  // save, reload, classify new text with the reloaded model
  const dir = outFile(args, 'sentiment-model');
  rmSync(dir, { recursive: true, force: true });
  await model.save(`file://${dir}`);
  const reloaded = await io.loadModel(`file://${dir}/model.json`);
  console.log(`saved to ${dir} and reloaded (${reloaded.countParams()} parameters)`);
  const padded = text.padSequences(data.tokenizer.textsToSequences(NEW_MESSAGES), { maxlen: MAXLEN });
  const xNew = tensor(padded.data, padded.shape, 'int32');
  const p = reloaded.predict(xNew);
  const pOrig = model.predict(xNew);
  if (Array.isArray(p) || Array.isArray(pOrig)) throw new Error('expected a single output');
  let agrees = true;
  NEW_MESSAGES.forEach((m, i) => {
    if (Math.abs(p.data[i] - pOrig.data[i]) > 1e-6) agrees = false;
    console.log(`  ${p.data[i] >= 0.5 ? 'SPAM' : 'ham '}  p(spam) = ${p.data[i].toFixed(3)}  "${m.slice(0, 70)}…"`);
  });
  if (!agrees) throw new Error('the reloaded model predicts differently from the trained one');
  const total = now() - t0;
  console.log(`done in ${seconds(total)}`);
  const pTest = model.predict(data.xTest, { batchSize: BATCH });
  const check = binaryAccuracy((Array.isArray(pTest) ? pTest[0] : pTest).data, data.yTest.data);
  if (Math.abs(check - test.accuracy) > 1e-9) console.warn(`note: evaluate() accuracy ${test.accuracy} vs predict() ${check}`);
  return { testAccuracy: test.accuracy, baseline, seconds: total / 1000, reloadedAgrees: agrees };
}

if (isMain(import.meta.url)) runCli(main);
