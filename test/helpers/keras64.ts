/**
 * Float64 Keras reference, written from the fixtures README "Equations": the
 * activations, and an LSTM / GRU / SimpleRNN layer with tfjs rnn() mask
 * semantics, go_backwards and Bidirectional merging. Shared by the tests that
 * check exported or imported models against Keras (io-onnx, io-pytorch) and
 * by the kernel tests' own float64 references (act64).
 */
import { ACT } from '../../src/backend/types.js';

/** Keras activations by their config name. */
export const ACT64: Record<string, (v: number) => number> = {
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  hard_sigmoid: (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)),
  // Keras 3: relu6(x + 3) / 6
  hard_sigmoid_keras3: (v) => Math.min(6, Math.max(0, v + 3)) / 6,
  relu: (v) => Math.max(0, v),
  linear: (v) => v,
};

/** Keras config name → the kernels' ACT code. */
export const ACT_BY_NAME: Record<string, number> = {
  linear: ACT.linear, relu: ACT.relu, sigmoid: ACT.sigmoid, tanh: ACT.tanh, hard_sigmoid: ACT.hardSigmoid,
  hard_sigmoid_keras3: ACT.hardSigmoidKeras3,
};

const BY_CODE = new Map(Object.entries(ACT_BY_NAME).map(([name, code]) => [code, ACT64[name]]));

/** The activation with kernel ACT code `a`, in float64 (codes without an elementwise form act as linear). */
export const act64 = (x: number, a: number): number => (BY_CODE.get(a) ?? ACT64.linear)(x);

export type Seq = number[][][]; // [B][T][F]

/** One recurrent layer's weights in Keras layout ([F, G·H] kernel, [H, G·H] recurrent kernel, [G·H] or [2, G·H] bias). */
export interface RnnSpec {
  kind: 'lstm' | 'gru' | 'rnn'; units: number; act: string; rec: string; resetAfter: boolean;
  kernel: ArrayLike<number>; recurrent: ArrayLike<number>; bias: ArrayLike<number> | null;
}

/** Gates per unit. */
export const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/**
 * Keras RNN layer in float64, with tfjs rnn() mask semantics (a masked step
 * keeps state and repeats the previous output) and go_backwards (the sequence
 * is processed reversed and the outputs stay in processing order).
 * `init`: initial states [B][H] (zeros without); `final` receives the final h, c per row.
 */
export function refRnn(s: RnnSpec, x: Seq, mask: number[][] | null, goBackwards: boolean, returnSequences: boolean,
  init?: { h: number[][]; c?: number[][] } | null, final?: { h: number[][]; c: number[][] }): number[][] | Seq {
  const H = s.units;
  const G = GATES[s.kind];
  const act = ACT64[s.act]!;
  const rec = ACT64[s.rec]!;
  return x.map((row, b) => {
    let xs = row;
    let ms = mask ? mask[b]! : row.map(() => 1);
    if (goBackwards) { xs = [...xs].reverse(); ms = [...ms].reverse(); }
    let h: number[] = init ? init.h[b]!.slice() : new Array(H).fill(0);
    let c: number[] = init?.c ? init.c[b]!.slice() : new Array(H).fill(0);
    let prevOut = h; // tfjs rnn(): a masked step outputs the state h
    const outs: number[][] = [];
    for (let t = 0; t < xs.length; t++) {
      const xt = xs[t]!;
      const F = xt.length;
      const xw = new Array(G * H).fill(0);
      const hu = new Array(G * H).fill(0);
      for (let j = 0; j < G * H; j++) {
        for (let f = 0; f < F; f++) xw[j] += xt[f]! * s.kernel[f * G * H + j]!;
        for (let k = 0; k < H; k++) hu[j] += h[k]! * s.recurrent[k * G * H + j]!;
      }
      const bi = (j: number) => (s.bias ? s.bias[j]! : 0);
      const br = (j: number) => (s.bias && s.resetAfter ? s.bias[G * H + j]! : 0);
      let hNew: number[];
      let cNew = c;
      if (s.kind === 'lstm') {
        // [zi, zf, zc, zo] = split(x@kernel + h@recurrent_kernel + bias, 4)
        const z = xw.map((v, j) => v + hu[j]! + bi(j));
        const i = z.slice(0, H).map(rec), fg = z.slice(H, 2 * H).map(rec);
        const cc = z.slice(2 * H, 3 * H).map(act), o = z.slice(3 * H).map(rec);
        cNew = c.map((cv, k) => fg[k]! * cv + i[k]! * cc[k]!);
        hNew = o.map((ov, k) => ov * act(cNew[k]!));
      } else if (s.kind === 'gru') {
        // reset_after: bias rows [input, recurrent]; hh = act(x_h + r ⊙ (h@U_h + b_rh)); h = z h + (1 − z) hh
        const zg: number[] = [], rg: number[] = [], hh: number[] = [];
        for (let k = 0; k < H; k++) {
          zg.push(rec(xw[k]! + bi(k) + hu[k]! + br(k)));
          rg.push(rec(xw[H + k]! + bi(H + k) + hu[H + k]! + br(H + k)));
        }
        for (let k = 0; k < H; k++) {
          let r: number;
          if (s.resetAfter) r = rg[k]! * (hu[2 * H + k]! + br(2 * H + k));
          else { r = 0; for (let q = 0; q < H; q++) r += rg[q]! * h[q]! * s.recurrent[q * 3 * H + 2 * H + k]!; }
          hh.push(act(xw[2 * H + k]! + bi(2 * H + k) + r));
        }
        hNew = h.map((hv, k) => zg[k]! * hv + (1 - zg[k]!) * hh[k]!);
      } else {
        hNew = xw.map((v, j) => act(v + bi(j) + hu[j]!));
      }
      if (ms[t]) { h = hNew; c = cNew; prevOut = hNew; }
      outs.push(prevOut);
    }
    if (final) { final.h[b] = h; final.c[b] = c; }
    return returnSequences ? outs : prevOut;
  }) as number[][] | Seq;
}

function merge(a: number[], b: number[], mode: string): number[] {
  if (mode === 'concat') return [...a, ...b];
  return a.map((v, k) => (mode === 'sum' ? v + b[k]! : mode === 'mul' ? v * b[k]! : 0.5 * (v + b[k]!)));
}

/** Keras Bidirectional: the backward copy runs with go_backwards and its sequence is re-reversed before merging. */
export function refBidi(f: RnnSpec, bw: RnnSpec, x: Seq, mask: number[][] | null, seq: boolean, mode: string): number[][] | Seq {
  const yf = refRnn(f, x, mask, false, seq);
  const yb = refRnn(bw, x, mask, true, seq);
  if (!seq) return (yf as number[][]).map((r, b) => merge(r, (yb as number[][])[b]!, mode));
  return (yf as Seq).map((r, b) => {
    const back = [...(yb as Seq)[b]!].reverse(); // Keras re-reverses to input time order
    return r.map((v, t) => merge(v, back[t]!, mode));
  });
}
