/**
 * Elementwise kernels, wasm vs their TypeScript twins: activations, softmax, the
 * optimizer updates and clipping, dense, embedding and the losses. Napkin math:
 * elements per nanosecond, and the wasm/js ratio.
 */
import { wasmBackend, jsBackend } from '../../src/backend/index.js';
import { ACT, type Backend } from '../../src/backend/types.js';
import { Rng } from '../../src/util/random.js';
import { medians, type Row, type Section } from '../lib.js';

interface Case {
  name: string;
  /** Elements touched per call (for the throughput column). */
  elems: number;
  /** Allocates inputs on `be` and returns the call to time. */
  setup(be: Backend, rng: Rng): () => void;
}

function put(be: Backend, data: Float32Array): number {
  const p = be.alloc(data.length * 4);
  be.f32().set(data, p >>> 2);
  return p;
}

const N_ACT = 64 * 1024, SM_ROWS = 256, SM_COLS = 1000, N_ADAM = 100_000;
// dense: one LSTM-model head (B·T rows of 128 features → 65 classes), embedding: B·T tokens of 64 dims
const D_M = 3200, D_K = 128, D_N = 65, E_V = 10_000, E_D = 64, E_N = 3200;

/** An optimizer-update case over N_ADAM parameters with `slots` zeroed state buffers. */
function updateCase(name: string, slots: number, call: (be: Backend, W: number, G: number, S: number[]) => void): Case {
  return {
    name: `${name} (${N_ADAM / 1000}K params)`,
    elems: N_ADAM,
    setup(be, rng) {
      const W = put(be, rng.floats(N_ADAM)), G = put(be, rng.floats(N_ADAM, -1e-2, 1e-2));
      const S = Array.from({ length: slots }, () => be.alloc(N_ADAM * 4));
      return () => call(be, W, G, S);
    },
  };
}

/** A loss over B·T rows of C classes (predictions are softmax-like positive rows). */
function lossCase(name: 'bceLoss' | 'cceLoss' | 'sparseCceLoss' | 'mseLoss', rows: number, cols: number): Case {
  return {
    name: `${name} ${rows}×${cols} (+ gradient)`,
    elems: rows * cols,
    setup(be, rng) {
      const P = put(be, rng.floats(rows * cols, 0.01, 0.99)), dP = be.alloc(rows * cols * 4);
      if (name === 'sparseCceLoss') {
        const L = be.alloc(rows * 4);
        be.i32().set(Int32Array.from({ length: rows }, () => rng.int(cols)), L >>> 2);
        return () => be.k.sparseCceLoss(dP, P, L, rows, cols);
      }
      const Y = put(be, rng.floats(rows * cols, 0, 1));
      return () => be.k[name](dP, P, Y, rows, cols);
    },
  };
}

const cases: Case[] = [
  ...(['sigmoid', 'tanh', 'hardSigmoidKeras3'] as const).map((a): Case => ({
    name: `activate ${a} (${N_ACT / 1024}K)`,
    elems: N_ACT,
    setup(be, rng) {
      const X = put(be, rng.floats(N_ACT, -8, 8)), Y = be.alloc(N_ACT * 4);
      return () => be.k.activate(Y, X, N_ACT, ACT[a]);
    },
  })),
  {
    name: `softmax ${SM_ROWS}×${SM_COLS}`,
    elems: SM_ROWS * SM_COLS,
    setup(be, rng) {
      const X = put(be, rng.floats(SM_ROWS * SM_COLS, -10, 10)), Y = be.alloc(SM_ROWS * SM_COLS * 4);
      return () => be.k.softmax(Y, X, SM_ROWS, SM_COLS);
    },
  },
  {
    name: `adamUpdate (${N_ADAM / 1000}K params)`,
    elems: N_ADAM,
    setup(be, rng) {
      const W = put(be, rng.floats(N_ADAM)), G = put(be, rng.floats(N_ADAM, -1e-2, 1e-2));
      const M = be.alloc(N_ADAM * 4), V = be.alloc(N_ADAM * 4);
      // the weights drift a little per call; that does not change the work done
      return () => be.k.adamUpdate(W, M, V, G, N_ADAM, 1e-3, 0.9, 0.999, 1e-7, 0.9 ** 10, 0.999 ** 10);
    },
  },
  updateCase('sgdUpdate', 0, (be, W, G) => be.k.sgdUpdate(W, G, N_ADAM, 1e-3)),
  updateCase('momentumUpdate (Nesterov)', 1, (be, W, G, S) => be.k.momentumUpdate(W, S[0], G, N_ADAM, 1e-3, 0.9, 1)),
  updateCase('rmspropUpdate (momentum)', 2, (be, W, G, S) => be.k.rmspropUpdate(W, S[0], S[1], G, N_ADAM, 1e-3, 0.9, 0.5, 1e-7)),
  updateCase('rmspropCenteredUpdate (momentum)', 3, (be, W, G, S) => be.k.rmspropCenteredUpdate(W, S[0], S[1], S[2], G, N_ADAM, 1e-3, 0.9, 0.5, 1e-7)),
  updateCase('sumSquares + scale (clipNorm)', 0, (be, _W, G) => { be.k.scale(G, N_ADAM, 1 / Math.max(1, Math.sqrt(be.k.sumSquares(G, N_ADAM)))); }),
  {
    name: `denseForward + denseBackward softmax ${D_M}×${D_K}→${D_N}`,
    elems: D_M * D_N,
    setup(be, rng) {
      const X = put(be, rng.floats(D_M * D_K)), W = put(be, rng.floats(D_K * D_N, -0.1, 0.1)), b = put(be, rng.floats(D_N));
      const Y = be.alloc(D_M * D_N * 4), dY = be.alloc(D_M * D_N * 4), dX = be.alloc(D_M * D_K * 4);
      const dW = be.alloc(D_K * D_N * 4), db = be.alloc(D_N * 4);
      return () => {
        be.k.denseForward(Y, X, W, b, D_M, D_K, D_N, ACT.softmax);
        be.k.denseBackward(dX, dW, db, dY, X, W, Y, D_M, D_K, D_N, ACT.softmax);
      };
    },
  },
  {
    name: `embeddingForward + embeddingBackward ${E_N} ids × ${E_D}`,
    elems: E_N * E_D,
    setup(be, rng) {
      const E = put(be, rng.floats(E_V * E_D)), dE = be.alloc(E_V * E_D * 4), Y = be.alloc(E_N * E_D * 4);
      const ids = be.alloc(E_N * 4);
      be.i32().set(Int32Array.from({ length: E_N }, () => rng.int(E_V)), ids >>> 2);
      return () => {
        be.k.embeddingForward(Y, ids, E, E_N, E_D);
        be.k.embeddingBackward(dE, Y, ids, E_N, E_D);
      };
    },
  },
  lossCase('bceLoss', 25_600, 1),
  lossCase('sparseCceLoss', 3200, 65),
  lossCase('cceLoss', 3200, 65),
  lossCase('mseLoss', 3200, 65),
];

export async function suite(): Promise<Section[]> {
  const wasm = wasmBackend(), js = jsBackend();
  const rows: Row[] = [];
  for (const c of cases) {
    const fw = c.setup(wasm, new Rng(1)), fj = c.setup(js, new Rng(1));
    const m = await medians({ wasm: fw, js: fj });
    rows.push({
      kernel: c.name,
      'wasm ms': m.wasm,
      'js ms': m.js,
      'js / wasm': m.js / m.wasm,
      'wasm elem/ns': c.elems / (m.wasm * 1e6),
      'js elem/ns': c.elems / (m.js * 1e6),
    });
  }
  return [{
    title: `Elementwise kernels (wasm ${wasm.variant} vs TypeScript twin)`,
    columns: ['kernel', 'wasm ms', 'js ms', 'js / wasm', 'wasm elem/ns', 'js elem/ns'],
    rows,
    notes: [
      'wasm sigmoid/tanh use the f32x4 Cephes approximations of assembly/math.ts (≤ 1e-6 relative); the twin calls Math.exp/Math.tanh in float64.',
      'softmax: max-subtracted, one exp per element, then a divide; adam: 4 loads, 3 stores, a sqrt and 2 divides per parameter.',
      'The losses are scalar loops with exact logs (f64 sums, tfjs clip semantics): a few ns per element, negligible next to the recurrent layers (< 1% of a training step).',
    ],
  }];
}
