/**
 * data.timeseriesDataset against windows computed by hand from Keras'
 * timeseries_dataset_from_array rules (its docstring examples 1 and 2 quoted),
 * and data.normalization against the mean / population variance formulas.
 */
import { describe, expect, it } from 'vitest';
import { data, tensor, Sequential, layers, type Tensor } from '../src/index.js';

const range = (a: number, b: number, step = 1) => Array.from({ length: Math.ceil((b - a) / step) }, (_, i) => a + i * step);
const rows = (t: Tensor) => t.toArray() as number[][];
type B = { xs: Tensor; ys: Tensor };

describe('data.timeseriesDataset', () => {
  it('Keras example 1: indices 0…98, sequence_length 10, sampling_rate 2, sequence_stride 3', () => {
    // "First sequence: [0 2 4 … 18], Second: [3 5 … 21], Third: [6 8 … 24], …, Last: [78 80 … 96]"
    const series = range(0, 99);
    const ds = data.timeseriesDataset(series, null, { sequenceLength: 10, samplingRate: 2, sequenceStride: 3 });
    const batches = [...ds] as Tensor[];
    expect(batches.length).toBe(1); // batch_size 128 ≥ 27 windows
    const w = rows(batches[0]);
    expect(w.length).toBe(27); // starts 0, 3, …, 78: (99 − 9·2 − 1) / 3 + 1
    expect(w[0]).toEqual(range(0, 20, 2));
    expect(w[1]).toEqual(range(3, 23, 2));
    expect(w[2]).toEqual(range(6, 26, 2));
    expect(w[26]).toEqual(range(78, 98, 2));
    expect(batches[0].shape).toEqual([27, 10]);
  });

  it('Keras example 2: data[:10] with targets data[10:] gives one window [1…10] → 11', () => {
    const d = range(1, 21);
    const [b] = [...data.timeseriesDataset(d.slice(0, 10), d.slice(10), { sequenceLength: 10 })] as B[];
    expect(rows(b.xs)).toEqual([range(1, 11)]);
    expect(Array.from(b.ys.data)).toEqual([11]);
  });

  it('startIndex / endIndex / stride: windows start at start + k·stride and end before endIndex', () => {
    const s = range(0, 20), t = range(100, 120);
    // n = 15 − 5 − (3 − 1) = 8 → starts 0, 2, 4, 6 relative to 5
    const [b] = [...data.timeseriesDataset(s, t, { sequenceLength: 3, sequenceStride: 2, startIndex: 5, endIndex: 15 })] as B[];
    expect(rows(b.xs)).toEqual([[5, 6, 7], [7, 8, 9], [9, 10, 11], [11, 12, 13]]);
    expect(Array.from(b.ys.data)).toEqual([105, 107, 109, 111]);
  });

  it('features stay on the last axis; batches of batchSize with a short last one; targets shorter than the series cap the windows', () => {
    const s = range(0, 12).map((i) => [i, 10 * i]);
    const ds = data.timeseriesDataset(s, range(0, 12).map((i) => -i), { sequenceLength: 4, batchSize: 4 });
    expect(ds.windows).toBe(9);
    expect(ds.length).toBe(3);
    const bs = [...ds] as B[];
    expect(bs.map((b) => b.xs.shape)).toEqual([[4, 4, 2], [4, 4, 2], [1, 4, 2]]);
    expect(bs[2].xs.toArray()).toEqual([[[8, 80], [9, 90], [10, 100], [11, 110]]]);
    expect(Array.from(bs[1].ys.data)).toEqual([-4, -5, -6, -7]);
    // len(targets) 5 < 9 windows: n = min(9, 5)
    expect(data.timeseriesDataset(s, range(0, 5), { sequenceLength: 4 }).windows).toBe(5);
  });

  it('batchSize null yields single windows without a batch axis', () => {
    const it0 = [...data.timeseriesDataset([1, 2, 3, 4], [5, 6, 7, 8], { sequenceLength: 2, batchSize: null })] as B[];
    expect(it0.map((b) => b.xs.toArray())).toEqual([[1, 2], [2, 3], [3, 4]]);
    expect(it0.map((b) => b.ys.shape)).toEqual([[], [], []]);
  });

  it('shuffle: every window once per pass, a new order each pass, reproducible with seed', () => {
    const mk = () => data.timeseriesDataset(range(0, 40), range(0, 40), { sequenceLength: 3, batchSize: 5, shuffle: true, seed: 9 });
    const starts = (ds: Iterable<unknown>) => ([...ds] as B[]).flatMap((b) => Array.from(b.ys.data));
    const ds = mk();
    const e1 = starts(ds), e2 = starts(ds);
    expect([...e1].sort((a, b) => a - b)).toEqual(range(0, 38));
    expect([...e2].sort((a, b) => a - b)).toEqual(range(0, 38));
    expect(e1).not.toEqual(e2);
    expect(starts(mk())).toEqual(e1);
    // each window still matches its target: window[0] = target (series = targets = index)
    for (const b of [...mk()] as B[]) rows(b.xs).forEach((w, i) => expect(w).toEqual([b.ys.data[i], b.ys.data[i] + 1, b.ys.data[i] + 2]));
  });

  it('rejects what Keras rejects, with the argument named', () => {
    const s = range(0, 10);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, endIndex: 10 })).toThrow(/endIndex must be lower than the length of the series \(10\), got 10/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, startIndex: 4, endIndex: 4 })).toThrow(/endIndex must be higher than startIndex \(4\), got 4/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, startIndex: 10 })).toThrow(/startIndex must be lower/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, sequenceStride: 10 })).toThrow(/sequenceStride must be lower/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, samplingRate: 0 })).toThrow(/samplingRate must be an integer ≥ 1, got 0/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 0 })).toThrow(/sequenceLength must be an integer ≥ 1, got 0/);
    expect(() => data.timeseriesDataset(s, null, { sequenceLength: 2, sequence_stride: 2 } as never)).toThrow(/unknown option 'sequence_stride' \(did you mean 'sequenceStride'\?\)/);
  });
});

describe('data.normalization', () => {
  it('adapt: per-feature mean and population variance; transform and inverse', () => {
    const n = data.normalization().adapt([[1, 10], [3, 30], [5, 50]]);
    expect(Array.from(n.mean!)).toEqual([3, 30]);
    // ((1−3)² + 0 + (5−3)²) / 3 = 8/3
    expect(n.variance![0]).toBeCloseTo(8 / 3, 14);
    expect(n.variance![1]).toBeCloseTo(800 / 3, 12);
    const y = n.transform([[1, 10], [5, 50]]);
    const z = Math.fround(2 / Math.sqrt(8 / 3));
    expect(Array.from(y.data)).toEqual([-z, -z, z, z]);
    expect(Array.from(n.inverse(y).data).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([1, 10, 5, 50]);
  });

  it('rank-1 data is one feature; a constant feature divides by ε = 1e-7 (Keras epsilon)', () => {
    const n = data.normalization().adapt([2, 6, 2, 6]);
    expect(Array.from(n.mean!)).toEqual([4]);
    expect(Array.from(n.variance!)).toEqual([4]);
    expect(Array.from(n.transform([4, 6, 0]).data)).toEqual([0, 1, -2]);
    const c = data.normalization().adapt([[3], [3]]);
    expect(Array.from(c.transform([[3.5]]).data)).toEqual([Math.fround(0.5 / 1e-7)]);
  });

  it('layers.normalization computes exactly what the utility computes', () => {
    const x = [[[1.5, -2], [40, 7]], [[0.25, 3], [9, 9]]];
    const n = data.normalization().adapt([[1, 2], [3, 5], [10, -4]]);
    const layer = layers.normalization({ mean: n.mean!, variance: n.variance!, inputShape: [2, 2] });
    const m = new Sequential([layer]);
    expect(Array.from((m.predict(x) as Tensor).data)).toEqual(Array.from(n.transform(x).data));
    const inv = new Sequential([layers.normalization({ mean: n.mean!, variance: n.variance!, invert: true, inputShape: [2, 2] })]);
    expect(Array.from((inv.predict(x) as Tensor).data)).toEqual(Array.from(n.inverse(x).data));
  });

  it('errors name the call and the expectation', () => {
    expect(() => data.normalization().transform([1])).toThrow(/data\.normalization\.transform: call adapt/);
    expect(() => data.normalization().adapt([[1, 2]]).transform([[1, 2, 3]])).toThrow(/expected 2 features on the last axis \(adapted on 2\), got shape \[1, 3\]/);
    expect(() => data.normalization().adapt([1, NaN])).toThrow(/adapt: data contains NaN at row 1/);
    expect(() => data.normalization({ mean: [0], variance: [-1] })).toThrow(/variance\[0\] must be ≥ 0, got -1/);
    expect(() => data.normalization({ men: [0] } as never)).toThrow(/unknown option 'men' \(did you mean 'mean'\?\)/);
  });
});
