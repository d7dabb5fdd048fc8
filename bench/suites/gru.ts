/**
 * gruForward / gruBackward (reset_after false and true) and rnnForward / rnnBackward:
 * wasm vs the TS twin over a training-size sequence (B=32, I=64, H=128, T=100, zero state),
 * and the same sequence at B=1 (streaming over a known sequence: U read in place, B < 4).
 */
import { wasmBackend, jsBackend } from '../../src/backend/index.js';
import { ACT, RNN, type Backend } from '../../src/backend/types.js';
import { gruCacheFloats, gruWorkFloats, rnnCacheFloats, rnnWorkFloats } from '../../src/backend/sizes.js';
import { Rng } from '../../src/util/random.js';
import { medians, fmt, type Section, type Row } from '../lib.js';

type Kind = 'gru' | 'gru reset_after' | 'simple_rnn';
interface Shape { B: number; T: number; I: number; H: number }

/** Allocates every buffer once in `be` and returns the two timed closures. */
function setup(be: Backend, kind: Kind, s: Shape, rng: Rng) {
  const { B, T, I, H } = s;
  const G = kind === 'simple_rnn' ? H : 3 * H;
  const nb = kind === 'gru reset_after' ? 2 * G : G;
  const buf = (n: number, fill = true) => {
    const p = be.alloc(n * 4);
    if (fill) be.f32().set(rng.floats(n, -0.5, 0.5), p >>> 2);
    return p;
  };
  const X = buf(B * T * I), W = buf(I * G), U = buf(H * G), b = buf(nb);
  const Y = buf(B * T * H, false), hT = buf(B * H, false);
  const rnn = kind === 'simple_rnn';
  const cache = buf(rnn ? rnnCacheFloats(B, T, I, H) : gruCacheFloats(B, T, I, H), false);
  const work = buf(rnn ? rnnWorkFloats(B, T, I, H) : gruWorkFloats(B, T, I, H), false);
  const dY = buf(B * T * H), dX = buf(B * T * I, false), dW = buf(I * G, false), dU = buf(H * G, false);
  const db = buf(nb, false);
  const k = be.k;
  const extra = kind === 'gru reset_after' ? RNN.resetAfter : 0;
  const fwd = (flags: number) => rnn
    ? k.rnnForward(Y, hT, X, W, U, b, 0, 0, 0, cache, B, T, I, H, ACT.tanh, flags)
    : k.gruForward(Y, hT, X, W, U, b, 0, 0, 0, cache, B, T, I, H, ACT.tanh, ACT.sigmoid, flags | extra);
  const bwd = () => rnn
    ? k.rnnBackward(dX, dW, dU, db, 0, dY, 0, Y, X, W, U, b, 0, 0, 0, cache, work, B, T, I, H, ACT.tanh, RNN.training)
    : k.gruBackward(dX, dW, dU, db, 0, dY, 0, Y, X, W, U, b, 0, 0, 0, cache, work, B, T, I, H, ACT.tanh, ACT.sigmoid,
      RNN.training | extra);
  return {
    forward: () => fwd(0),
    forwardBackward: () => { fwd(RNN.training); bwd(); },
  };
}

export async function suite(): Promise<Section[]> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const s of [{ B: 32, T: 100, I: 64, H: 128 }, { B: 1, T: 100, I: 64, H: 128 }] as Shape[])
  for (const kind of ['gru', 'gru reset_after', 'simple_rnn'] as Kind[]) {
    const w = setup(wasmBackend(), kind, s, new Rng(1));
    const j = setup(jsBackend(), kind, s, new Rng(1));
    const m = await medians({
      'wasm fwd': w.forward, 'js fwd': j.forward,
      'wasm fwd+bwd': w.forwardBackward, 'js fwd+bwd': j.forwardBackward,
    }, { time: 200, iterations: 3, warmupIterations: 1 });
    for (const pass of ['fwd', 'fwd+bwd'] as const) {
      const wm = m[`wasm ${pass}`], jm = m[`js ${pass}`];
      rows.push({
        case: `${kind} B=${s.B} T=${s.T} I=${s.I} H=${s.H}`, pass,
        'wasm ms/call': wm, 'js ms/call': jm,
        'wasm µs/step': (wm * 1e3) / s.T, 'js µs/step': (jm * 1e3) / s.T,
        'js / wasm': jm / wm,
      });
    }
    // Napkin math: GEMM flops of the forward (input + recurrent products); backward ≈ 2×.
    const G = kind === 'simple_rnn' ? s.H : 3 * s.H;
    const flops = 2 * s.B * (s.I + s.H) * G * s.T;
    notes.push(`${kind} B=${s.B}: forward ${fmt(flops / 1e6)} MFLOP/call → wasm ${fmt(flops / (m['wasm fwd'] * 1e6))} GFLOP/s, `
      + `fwd+bwd ≈ ${fmt(3 * flops / 1e6)} MFLOP → ${fmt(3 * flops / (m['wasm fwd+bwd'] * 1e6))} GFLOP/s`);
  }
  notes.push('Sequences start from a zero state; tanh activation, sigmoid recurrent activation; cache/work from sizes.ts.');
  return [{
    title: 'GRU and SimpleRNN kernels (gruForward / gruBackward, rnnForward / rnnBackward)',
    columns: ['case', 'pass', 'wasm ms/call', 'js ms/call', 'wasm µs/step', 'js µs/step', 'js / wasm'],
    rows, notes,
  }];
}
