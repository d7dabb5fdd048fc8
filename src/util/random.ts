/**
 * Seeded pseudo-random numbers (mulberry32 + Box-Muller): initializers,
 * shuffling, dropout masks and sampling are reproducible given a seed.
 */
/** mulberry32's output function: the state after its increment → uniform in [0, 1). */
function mix(s: number): number {
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed = 0x9e3779b9) {
    this.s = seed >>> 0;
  }
  /** A new stream derived from this one's current state and `salt`, without advancing this one. */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.s ^ 0x85ebca6b, 0x9e3779b1) + Math.imul(salt + 1, 0xc2b2ae35)) >>> 0);
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    return mix(this.s);
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) { const v = this.spare; this.spare = null; return v; }
    let u = 0, v = 0;
    while (u === 0) u = this.next();
    v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /**
   * out[i] = normal() for i < out.length: the same values as that many calls,
   * drawn in one tight loop (the orthogonal initializer draws H·4H of them).
   */
  fillNormal(out: Float32Array | Float64Array): void {
    let i = 0;
    const n = out.length;
    if (n > 0 && this.spare !== null) { out[i++] = this.spare; this.spare = null; }
    const TWO_PI = 2 * Math.PI;
    // next() inlined on a local copy of the state: no field write per draw
    let s = this.s;
    for (; i + 1 < n; i += 2) {
      let u = 0;
      while (u === 0) { s = (s + 0x6d2b79f5) >>> 0; u = mix(s); }
      s = (s + 0x6d2b79f5) >>> 0;
      const v = mix(s);
      const r = Math.sqrt(-2 * Math.log(u));
      out[i] = r * Math.cos(TWO_PI * v);
      out[i + 1] = r * Math.sin(TWO_PI * v);
    }
    this.s = s;
    if (i < n) out[i] = this.normal();
  }
  /**
   * out[i] = standard normal values by Marsaglia's polar method: exact like Box–Muller (the same
   * distribution) but with no sin/cos — about half the time per value (measured 16.7 M values:
   * 0.30–0.46 s against 0.57–0.75 s). A different stream from normal()/fillNormal(): the large
   * orthogonal initializer draws its normal matrix with it. Deterministic per state.
   */
  fillNormalPolar(out: Float32Array | Float64Array): void {
    let i = 0;
    const n = out.length;
    if (n > 0 && this.spare !== null) { out[i++] = this.spare; this.spare = null; }
    let s = this.s;
    while (i + 1 < n) {
      // a point uniform in the square, kept if inside the unit disc (π/4 of the time)
      s = (s + 0x6d2b79f5) >>> 0;
      const x = 2 * mix(s) - 1;
      s = (s + 0x6d2b79f5) >>> 0;
      const y = 2 * mix(s) - 1;
      const r = x * x + y * y;
      if (r >= 1 || r === 0) continue;
      const f = Math.sqrt(-2 * Math.log(r) / r);
      out[i] = x * f;
      out[i + 1] = y * f;
      i += 2;
    }
    this.s = s;
    if (i < n) out[i] = this.normal();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Fisher-Yates in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
  /** Float32Array of uniform values in [lo, hi). */
  floats(n: number, lo = -1, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}
