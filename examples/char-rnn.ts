/**
 * char-rnn — character-level language model on Moby-Dick (the Keras
 * lstm_text_generation recipe with per-step targets, as in Karpathy's char-rnn):
 *
 *   Embedding(vocab, 64) → LSTM(units, returnSequences) → Dense(vocab, softmax)
 *   sparseCategoricalCrossentropy on 100-character sequences (target at every
 *   step = the next character), adam; trained for a TIME BUDGET, in rounds of
 *   ~10 s, each ending with the validation loss on held-out text (the book's last 2%).
 *
 * Then a STATEFUL copy (batchInputShape [1, 1], weights moved with
 * getWeights/setWeights) reads a prompt and generates one character at a time
 * with text.sample at temperatures 0.2, 0.5 and 1.0.
 *
 *   node dist/examples/char-rnn.js [--minutes 5] [--units 256] [--lr 0.01] [--batch 32] [--threads 1] [--smoke]
 *   node dist/examples/char-rnn.js --main     (npm start: 2-minute budget + WASM vs JS kernel timing)
 */
import { getBackend, init, layers, optimizers, Sequential, setBackend, setSeed, tensor, text, type Tensor } from '../src/index.js';
import { ProgressBar } from '../src/index.js';
import { formatSample } from './lib/sample-text.js';
import { appendHistory, isMain, now, numArg, parseArgs, runCli, seconds, seededUniform, writeCurves } from './lib/common.js';
import { loadMobyDick } from './lib/moby-dick.js';

const SEQ = 100;
const EMBED = 64;
const TEMPERATURES = [0.2, 0.5, 1.0];
const PROMPT = 'call me ishmael. some years ago';

export interface CharRnnResult {
  valLoss: number;
  history: Record<string, number[]>;
  samples: { temperature: number; text: string }[];
  trainSeconds: number;
  /** WASM and JS milliseconds per training step on the same model and batch (--main / --compare). */
  kernels?: { wasmMs: number; jsMs: number; batch: number };
}

/** Non-overlapping 100-character windows: x = chars[s, s+100), y = chars[s+1, s+101). */
function windows(ids: ArrayLike<number>, from: number, to: number): { x: Tensor; y: Tensor } {
  const n = Math.floor((to - from - 1) / SEQ);
  const x = new Int32Array(n * SEQ), y = new Int32Array(n * SEQ);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < SEQ; t++) {
      x[i * SEQ + t] = ids[from + i * SEQ + t];
      y[i * SEQ + t] = ids[from + i * SEQ + t + 1];
    }
  }
  return { x: tensor(x, [n, SEQ], 'int32'), y: tensor(y, [n, SEQ], 'int32') };
}

function rows(t: Tensor, idx: Int32Array): Tensor {
  const r = t.size / t.shape[0];
  const out = new Int32Array(idx.length * r);
  idx.forEach((i, k) => out.set(t.data.subarray(i * r, (i + 1) * r), k * r));
  return tensor(out, [idx.length, ...t.shape.slice(1)], 'int32');
}

function buildModel(vocab: number, units: number, stateful: boolean): Sequential {
  return new Sequential([
    layers.embedding(stateful ? { inputDim: vocab, outputDim: EMBED, batchInputShape: [1, 1] } : { inputDim: vocab, outputDim: EMBED }),
    layers.lstm({ units, returnSequences: true, stateful }),
    layers.dense({ units: vocab, activation: 'softmax' }),
  ]);
}

export async function main(argv: string[] = []): Promise<CharRnnResult> {
  const args = parseArgs(argv);
  const isMainJob = args.raw.main === 'true';
  const budgetS = 60 * numArg(args, 'minutes', args.smoke ? 0 : isMainJob ? 2 : 5);
  const units = numArg(args, 'units', args.smoke ? 32 : 256);
  const batch = numArg(args, 'batch', args.smoke ? 8 : 32);
  const lr = numArg(args, 'lr', 0.01);
  const seed = numArg(args, 'seed', 7);
  const threads = numArg(args, 'threads', 1);
  const genLength = numArg(args, 'length', args.smoke ? 20 : 300);
  const t0 = now();
  await init();
  setSeed(seed);

  // ------------------------------------------------------------------ data
  let book = loadMobyDick();
  if (args.smoke) book = book.slice(0, 20_000);
  const tok = text.tokenizer({ charLevel: true, lower: true });
  tok.fitOnTexts([book]);
  const ids = tok.textsToSequences([book])[0];
  const vocab = Object.keys(tok.wordIndex).length + 1; // index 0 is reserved (padding), never a target
  const cut = Math.floor(ids.length * (args.smoke ? 0.9 : 0.98));
  const train = windows(ids, 0, cut);
  const val = windows(ids, cut, ids.length);
  const nTrain = train.x.shape[0];
  console.log(`Moby-Dick: ${ids.length.toLocaleString('en')} characters, vocabulary ${vocab - 1}; ` +
    `${nTrain} training and ${val.x.shape[0]} validation sequences of ${SEQ}; data ready in ${seconds(now() - t0)}`);

  const model = buildModel(vocab, units, false);
  model.compile({ optimizer: optimizers.adam({ learningRate: lr, clipNorm: 5 }), loss: 'sparseCategoricalCrossentropy' });
  console.log(model.summary());
  console.log(`training for ${budgetS > 0 ? `${budgetS / 60} minute(s)` : 'one round (smoke)'}: batch ${batch}, adam lr ${lr}, backend ${getBackend()}`);

  // --------------------------------------------------------------- training
  // Rounds of shuffled training sequences, sized from the measured step time
  // so each takes ~10 s and the last one ends at the budget.
  const u = seededUniform(seed);
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  let cursor = nTrain;
  const nextRows = (n: number): Int32Array => {
    const out = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      if (cursor === nTrain) {
        for (let i = nTrain - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); const t = order[i]; order[i] = order[j]; order[j] = t; }
        cursor = 0;
      }
      out[k] = order[cursor++];
    }
    return out;
  };
  const history: Record<string, number[]> = {};
  const tTrain = now();
  let stepMs = 0, steps = 0, round = 0, chars = 0;
  for (;;) {
    const elapsed = (now() - tTrain) / 1000;
    const left = budgetS - elapsed;
    let nSteps = round === 0 ? 4 : Math.max(1, Math.round(Math.min(10, left) * 1000 / stepMs));
    if (args.smoke) nSteps = Math.min(nSteps, 2);
    const idx = nextRows(nSteps * batch);
    const bar = new ProgressBar({ total: nSteps });
    console.log(`Round ${round + 1} — ${seconds(elapsed * 1000)} of ${budgetS} s, ${(chars / 1e6).toFixed(2)} M characters seen`);
    const t = now();
    const h = await model.fit(rows(train.x, idx), rows(train.y, idx), {
      epochs: 1, batchSize: batch, shuffle: false, verbose: 0, validationData: [val.x, val.y], threads,
      callbacks: {
        onBatchEnd: (b: number, logs?: Record<string, number>) => { bar.update(b + 1, { loss: logs?.loss ?? NaN }); },
        onEpochEnd: (_e: number, logs?: Record<string, number>) => { bar.done(logs ?? {}); },
      },
    });
    const ms = now() - t;
    stepMs = ms / nSteps; // includes the validation pass: sizes rounds by wall time
    steps += nSteps;
    chars += nSteps * batch * SEQ;
    appendHistory(history, h.history);
    round++;
    if (args.smoke || (now() - tTrain) / 1000 >= budgetS - 0.5 * stepMs / 1000) break;
  }
  const trainSeconds = (now() - tTrain) / 1000;
  const valLoss = history.val_loss[history.val_loss.length - 1];
  console.log(`trained ${steps} steps (${(chars / 1e6).toFixed(2)} M characters) in ${trainSeconds.toFixed(1)} s; ` +
    `validation loss ${valLoss.toFixed(3)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char)`);
  console.log(`validation loss per round: ${history.val_loss.map((v) => v.toFixed(3)).join(' ')}`);
  console.log(`learning curves: ${writeCurves(args, 'char-rnn', history, `char-rnn: Moby-Dick, LSTM(${units}), per-round loss (nats/char)`)}`);

  // ------------------------------------------------------------- generation
  const gen = buildModel(vocab, units, true);
  gen.setWeights(model.getWeights());
  const promptIds = tok.textsToSequences([PROMPT])[0];
  const rng = seededUniform(seed + 1);
  const samples: CharRnnResult['samples'] = [];
  const tGen = now();
  for (const temperature of TEMPERATURES) {
    gen.resetStates();
    let probs: Float32Array = new Float32Array(vocab);
    const feed = (id: number) => {
      const p = gen.predict(tensor(new Int32Array([id]), [1, 1], 'int32')) as Tensor;
      probs = p.data as Float32Array;
    };
    for (const id of promptIds) feed(id);
    let out = '';
    for (let i = 0; i < genLength; i++) {
      const p = probs.slice();
      p[0] = 0; // padding id: not a character
      const id = text.sample(p, { temperature, rng });
      out += tok.indexWord[id];
      feed(id);
    }
    samples.push({ temperature, text: out });
    console.log(`\n--- temperature ${temperature} ---\n${formatSample(PROMPT, out)}`);
  }
  console.log(`\n(generated ${TEMPERATURES.length * genLength} characters in ${seconds(now() - tGen)} with the stateful batch-1 model)`);

  // ---------------------------------------------------- WASM vs JS kernels
  let kernels: CharRnnResult['kernels'];
  if (isMainJob || args.raw.compare === 'true') kernels = await compareBackends(model, vocab, units, train, batch, args.smoke);
  console.log(`\ntotal ${seconds(now() - t0)}`);
  return { valLoss, history, samples, trainSeconds, kernels };
}

/**
 * Times training steps of a copy of the trained model (same weights, same
 * batch) with the wasm kernels, then with their pure-TypeScript twins.
 */
async function compareBackends(trained: Sequential, vocab: number, units: number, train: { x: Tensor; y: Tensor },
                               batch: number, smoke: boolean): Promise<{ wasmMs: number; jsMs: number; batch: number }> {
  const idx = Int32Array.from({ length: batch }, (_, i) => i);
  const x = rows(train.x, idx), y = rows(train.y, idx);
  const time = (name: 'wasm' | 'js', maxSteps: number, maxMs: number): number => {
    setBackend(name);
    const m = buildModel(vocab, units, false);
    m.setWeights(trained.getWeights());
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.001 }), loss: 'sparseCategoricalCrossentropy' });
    m.trainOnBatch(x, y); // warm-up: memory layout, JIT
    const t = now();
    let n = 0;
    while (n < maxSteps && (n === 0 || now() - t < maxMs)) { m.trainOnBatch(x, y); n++; }
    const ms = (now() - t) / n;
    m.dispose();
    return ms;
  };
  console.log(`\nWASM vs JS kernels: one training step (forward + backward + adam) on a batch of ${batch} × ${SEQ} characters, LSTM(${units})`);
  const wasmMs = time('wasm', smoke ? 1 : 10, 3000);
  console.log(`  wasm: ${wasmMs.toFixed(1)} ms/step`);
  const jsMs = time('js', smoke ? 1 : 3, 6000);
  setBackend('wasm');
  console.log(`  js:   ${jsMs.toFixed(1)} ms/step`);
  console.log(`  the WASM kernels were ${(jsMs / wasmMs).toFixed(1)}× faster than the pure-TypeScript kernels on this model`);
  return { wasmMs, jsMs, batch };
}

if (isMain(import.meta.url)) runCli(main);
