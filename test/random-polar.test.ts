/**
 * Rng.fillNormalPolar (Marsaglia's polar method; the large orthogonal initializer's normal
 * matrix): standard normal, deterministic per seed. Expected values from math: the moments of
 * N(0, 1) with 5σ sampling tolerances, and a Kolmogorov–Smirnov test against Φ (erf below,
 * Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7).
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../src/util/random.js';

function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

describe('Rng.fillNormalPolar', () => {
  for (const seed of [1, 0xdeadbeef]) {
    it(`seed ${seed}: mean 0, variance 1, E[x⁴] = 3 within 5σ, and Kolmogorov–Smirnov D below the 1% critical value`, () => {
      const N = 200_001; // odd: the last value comes from the Box–Muller tail
      const x = new Float64Array(N);
      new Rng(seed).fillNormalPolar(x);
      let m1 = 0, m2 = 0, m4 = 0;
      for (const v of x) { m1 += v; m2 += v * v; m4 += v ** 4; }
      m1 /= N; m2 /= N; m4 /= N;
      expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(N));
      expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
      expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / N)); // Var[x⁴] = E[x⁸] − 9 = 96
      const s = Float64Array.from(x).sort();
      let d = 0;
      for (let i = 0; i < N; i++) { const p = phi(s[i]); d = Math.max(d, Math.abs(p - i / N), Math.abs((i + 1) / N - p)); }
      expect(d).toBeLessThan(1.628 / Math.sqrt(N));
    });
  }

  it('deterministic per seed, float32 and float64 outputs agree, and a pending normal() spare comes first', () => {
    const a = new Float64Array(1001), b = new Float64Array(1001), c = new Float32Array(1001);
    new Rng(9).fillNormalPolar(a);
    new Rng(9).fillNormalPolar(b);
    new Rng(9).fillNormalPolar(c);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(Float32Array.from(a)));
    const other = new Float64Array(1001);
    new Rng(10).fillNormalPolar(other);
    expect(Array.from(other)).not.toEqual(Array.from(a));
    const r = new Rng(4), ref = new Rng(4);
    r.normal(); // leaves its pair's second value pending
    ref.normal();
    const spare = ref.normal(), out = new Float64Array(3);
    r.fillNormalPolar(out);
    expect(out[0]).toBe(spare);
  });
});
