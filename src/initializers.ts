/**
 * Weight initializers with Keras semantics (keras.initializers). Deterministic
 * given the Rng. Orthogonal: q · sign(diag(r)) of a normal matrix, transposed
 * when rows < cols, as Keras does via np.linalg.qr — see initializers/orthogonal.ts.
 */
import { Rng } from './util/random.js';
import { canonical, describe } from './names.js';
import { orthogonalValues, orthogonalScratchFloats, type InitScratch } from './initializers/orthogonal.js';
import { backend, jsBackend } from './backend/index.js';
import type { Backend } from './backend/types.js';
import { ownGet } from './util/options.js';

export interface Initializer {
  className: string;
  config: Record<string, unknown>;
  /** `scratch`: backend memory for the call, when scratchFloats() asked for some (else the initializer borrows its own). */
  init(shape: number[], rng: Rng, scratch?: InitScratch): Float32Array;
  /** Floats of backend scratch init() works in for `shape`; absent or 0: none (src/initializers/draw.ts). */
  scratchFloats?(shape: number[]): number;
}

function fans(shape: number[]): [number, number] {
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function truncatedNormal(rng: Rng, mean: number, stddev: number): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return mean + stddev * v;
  }
}

function varianceScaling(scale: number, mode: string, distribution: string): Initializer {
  return {
    className: 'VarianceScaling',
    config: { scale, mode, distribution, seed: null },
    init(shape, rng) {
      const [fanIn, fanOut] = fans(shape);
      const n = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
      const s = scale / Math.max(1, n);
      const out = new Float32Array(size(shape));
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * s);
        for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
      } else if (distribution === 'untruncated_normal') {
        const sd = Math.sqrt(s);
        for (let i = 0; i < out.length; i++) out[i] = sd * rng.normal();
      } else {
        // 'truncated_normal' (and tfjs' 'normal'): std corrected for truncation at 2σ
        const sd = Math.sqrt(s) / 0.87962566103423978;
        for (let i = 0; i < out.length; i++) out[i] = truncatedNormal(rng, 0, sd);
      }
      return out;
    },
  };
}

function constant(value: number, className = 'Constant'): Initializer {
  return {
    className,
    config: className === 'Constant' ? { value } : {},
    init: (shape) => new Float32Array(size(shape)).fill(value),
  };
}

function orthogonal(gain: number): Initializer {
  return {
    className: 'Orthogonal',
    config: { gain, seed: null },
    init(shape, rng, scratch) {
      const [rows, cols] = matrixOf(shape);
      return orthogonalValues(rows, cols, gain, (out) => rng.fillNormal(out), scratch?.be ?? initializerBackend(), scratch ?? null,
        (out) => rng.fillNormalPolar(out));
    },
    scratchFloats: (shape) => orthogonalScratchFloats(...matrixOf(shape)),
  };
}

/** Orthogonal's matrix: rows = all but the last dimension, cols = the last. */
const matrixOf = (shape: number[]): [number, number] => [shape.length < 2 ? 1 : size(shape.slice(0, -1)), shape[shape.length - 1]];

/** The backend whose GEMM runs large orthogonal initializations: the selected one, or the js twin if wasm is not ready. */
export function initializerBackend(): Backend {
  try {
    return backend();
  } catch {
    return jsBackend();
  }
}

function randomUniform(minval = -0.05, maxval = 0.05): Initializer {
  return {
    className: 'RandomUniform',
    config: { minval, maxval, seed: null },
    init(shape, rng) {
      const out = new Float32Array(size(shape));
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(minval, maxval);
      return out;
    },
  };
}

function randomNormal(mean = 0, stddev = 0.05, truncated = false): Initializer {
  return {
    className: truncated ? 'TruncatedNormal' : 'RandomNormal',
    config: { mean, stddev, seed: null },
    init(shape, rng) {
      const out = new Float32Array(size(shape));
      for (let i = 0; i < out.length; i++) out[i] = truncated ? truncatedNormal(rng, mean, stddev) : mean + stddev * rng.normal();
      return out;
    },
  };
}

function identity(gain = 1): Initializer {
  return {
    className: 'Identity',
    config: { gain },
    init(shape) {
      if (shape.length !== 2) throw new Error(`identity initializer: needs a 2-D shape, got [${shape}]`);
      const out = new Float32Array(size(shape));
      for (let i = 0; i < Math.min(shape[0], shape[1]); i++) out[i * shape[1] + i] = gain;
      return out;
    },
  };
}

const BY_NAME: Record<string, (c: Record<string, any>) => Initializer> = {
  zeros: () => constant(0, 'Zeros'),
  ones: () => constant(1, 'Ones'),
  constant: (c) => constant(c.value ?? 0),
  glorotuniform: () => varianceScaling(1, 'fan_avg', 'uniform'),
  glorotnormal: () => varianceScaling(1, 'fan_avg', 'truncated_normal'),
  heuniform: () => varianceScaling(2, 'fan_in', 'uniform'),
  henormal: () => varianceScaling(2, 'fan_in', 'truncated_normal'),
  lecununiform: () => varianceScaling(1, 'fan_in', 'uniform'),
  lecunnormal: () => varianceScaling(1, 'fan_in', 'truncated_normal'),
  orthogonal: (c) => orthogonal(c.gain ?? 1),
  randomuniform: (c) => randomUniform(c.minval ?? c.minVal, c.maxval ?? c.maxVal),
  randomnormal: (c) => randomNormal(c.mean, c.stddev),
  truncatednormal: (c) => randomNormal(c.mean, c.stddev, true),
  identity: (c) => identity(c.gain),
  variancescaling: (c) => varianceScaling(c.scale ?? 1, c.mode ?? 'fan_in', c.distribution ?? 'truncated_normal'),
};

export const INITIALIZER_NAMES = ['zeros', 'ones', 'constant', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal',
  'lecunUniform', 'lecunNormal', 'orthogonal', 'randomUniform', 'randomNormal', 'truncatedNormal', 'identity',
  'varianceScaling'] as const;
export type InitializerName = typeof INITIALIZER_NAMES[number];

/**
 * A string ('glorotUniform', 'glorot_uniform', 'GlorotUniform'), a Keras
 * `{class_name, config}` object, or an Initializer.
 */
export function getInitializer(spec: unknown, what: string): Initializer {
  if (spec && typeof spec === 'object' && 'init' in spec && typeof (spec as Initializer).init === 'function') return spec as Initializer;
  let name: string, cfg: Record<string, unknown> = {};
  if (typeof spec === 'string') name = spec;
  else if (spec && typeof spec === 'object' && typeof (spec as any).class_name === 'string') {
    name = (spec as any).class_name;
    cfg = (spec as any).config ?? {};
  } else if (spec && typeof spec === 'object' && typeof (spec as any).className === 'string') {
    name = (spec as any).className;
    cfg = (spec as any).config ?? {};
  } else throw new Error(`${what}: expected an initializer name or {class_name, config}, got ${describe(spec)}`);
  const make = ownGet(BY_NAME, canonical(name)); // own names only: 'constructor' is not an initializer
  if (!make) throw new Error(`${what}: unknown initializer '${name}'; expected one of ${INITIALIZER_NAMES.join(', ')}`);
  return make(cfg);
}

export const serializeInitializer = (i: Initializer) => ({ class_name: i.className, config: i.config });
