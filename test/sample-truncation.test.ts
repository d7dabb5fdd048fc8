/**
 * text.sample with topK / topP. Expected draws are worked out by hand from the
 * inverse CDF of the kept, renormalised weights (written next to each case).
 */
import { describe, it, expect } from 'vitest';
import { text } from '../src/index.js';
import { Rng } from '../src/util/random.js';

const at = (u: number) => () => u;

describe('text.sample topK / topP', () => {
  it('topK keeps the k most probable entries, renormalised', () => {
    const p = [0.1, 0.4, 0.2, 0.3];
    // topK 2 keeps 1 (0.4) and 3 (0.3): cdf in index order 4/7 at index 1, 1 at index 3
    expect([0, 0.5, 0.58, 0.99].map((u) => text.sample(p, { topK: 2, rng: at(u) }))).toEqual([1, 1, 3, 3]);
    // topK 1 is argmax whatever u is
    expect(text.sample(p, { topK: 1, rng: at(0.999) })).toBe(1);
    // topK >= n changes nothing: u = 0.05 < 0.1 draws index 0
    expect(text.sample(p, { topK: 4, rng: at(0.05) })).toBe(0);
    expect(text.sample(p, { topK: 10, rng: at(0.05) })).toBe(0);
  });

  it('topK ties at the boundary keep the lower index', () => {
    // [0.3, 0.2, 0.3, 0.2] topK 3 keeps 0, 2 and index 1 (the first 0.2): cdf .375, .625, 1 over indices 0, 1, 2
    const p = [0.3, 0.2, 0.3, 0.2];
    expect([0.3, 0.5, 0.9].map((u) => text.sample(p, { topK: 3, rng: at(u) }))).toEqual([0, 1, 2]);
  });

  it('topP keeps the nucleus: most probable entries until their mass reaches p', () => {
    const p = [0.05, 0.5, 0.15, 0.3];
    // sorted 0.5, 0.3, 0.15, 0.05; cumulative .5, .8, .95, 1
    // topP 0.5: {1} only; topP 0.6: {1, 3} (the entry crossing p is kept); topP 0.9: {1, 3, 2}
    expect(text.sample(p, { topP: 0.5, rng: at(0.99) })).toBe(1);
    // {1, 3} renormalised: index 1 = 5/8, index 3 = 3/8; in index order cdf .625 then 1
    expect([0.6, 0.63].map((u) => text.sample(p, { topP: 0.6, rng: at(u) }))).toEqual([1, 3]);
    // {1, 2, 3} mass .95: cdf in index order .5/.95 = .526, .65/.95 = .684, 1
    expect([0.5, 0.6, 0.7].map((u) => text.sample(p, { topP: 0.9, rng: at(u) }))).toEqual([1, 2, 3]);
    // topP 1 keeps everything: u = 0.01 draws index 0
    expect(text.sample(p, { topP: 1, rng: at(0.01) })).toBe(0);
  });

  it('applies temperature, then topK, then topP on the top-k mass', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    // T = 0.5: weights p^2 = .01 .04 .09 .16 (sum .30); topK 3 keeps .04 .09 .16 (sum .29)
    // topP 0.5 of .29 = .145: sorted .16 reaches it alone -> only index 3
    expect(text.sample(p, { temperature: 0.5, topK: 3, topP: 0.5, rng: at(0.001) })).toBe(3);
    // topP 0.6 -> .174: .16 < .174, .16 + .09 = .25 >= .174 -> {2, 3}; cdf .09/.25 = .36 at index 2
    expect([0.35, 0.37].map((u) => text.sample(p, { temperature: 0.5, topK: 3, topP: 0.6, rng: at(u) }))).toEqual([2, 3]);
  });

  it('reproduces the truncated distribution', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const n = 100_000;
    const r = new Rng(5);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[text.sample(p, { topK: 2, rng: () => r.next() })]++;
    // topK 2 -> {2: 3/7, 3: 4/7}; frequency std <= 0.0016, tolerance 0.008 is 5 sigma
    expect(counts[0] + counts[1]).toBe(0);
    expect(Math.abs(counts[2] / n - 3 / 7)).toBeLessThan(0.008);
    expect(Math.abs(counts[3] / n - 4 / 7)).toBeLessThan(0.008);
  });

  it('rejects bad topK / topP values and misspelt keys', () => {
    expect(() => text.sample([1, 1], { topK: 0 })).toThrow(/text\.sample: argument 'topK' must be an integer >= 1, got 0/);
    expect(() => text.sample([1, 1], { topK: 1.5 })).toThrow(/'topK'.*got 1\.5/);
    expect(() => text.sample([1, 1], { topP: 0 })).toThrow(/'topP' must be a number in \(0, 1\], got 0/);
    expect(() => text.sample([1, 1], { topP: 1.2 })).toThrow(/'topP'.*got 1\.2/);
    expect(() => text.sample([1, 1], { top_p: 0.5 } as never)).toThrow(/unknown option 'top_p'/);
  });
});
