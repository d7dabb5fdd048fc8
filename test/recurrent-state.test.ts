/**
 * Recurrent layers in a functional graph, through the node protocol (helpers/node-harness:
 * weights and a workspace placed by hand, each node on its own view of the layer):
 * - initialState inputs [x, h0(, c0)] and returnState outputs [y, h(, c)] against
 *   TensorFlow.js `layer.apply(x, { initialState, mask })` with the same weights (LSTM, GRU
 *   reset_after=false, SimpleRNN, Bidirectional; goBackwards; masks), and against the float64
 *   Keras reference (helpers/keras64) for GRU reset_after=true, which tfjs does not have;
 * - gradients of x, h0, c0 and the weights against float64 central differences of that
 *   reference, with the loss on y only, on the states only (dys[0] = 0: a seq2seq encoder whose
 *   sequence output is unused) and on both;
 * - shared layers (two nodes of one layer: weight gradients sum; buffers per node);
 * - resetStates(states) on a stateful layer equals running from that initialState;
 *   stateful + initialState: the given state wins and the final state is carried.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { init, layers, Sequential, tensor, setBackend, type Tensor } from '../src/index.js';
import { jsBackend, wasmBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import type { Layer } from '../src/layers/layer.js';
import type { Recurrent } from '../src/layers/recurrent.js';
import { Rng } from '../src/util/random.js';
import { NodeHarness } from './helpers/node-harness.js';
import { refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';
import { expectGradientsMatch } from './helpers/gradcheck.js';
import { maxAbsErr } from './helpers/harness.js';
import { stepMaskOf } from './helpers/masks.js';

beforeAll(async () => { await init(); await tf.setBackend('cpu'); });

type Kind = 'lstm' | 'gru' | 'rnn';
const B = 3, T = 4, I = 3, H = 2;
const nStates = (k: Kind) => (k === 'lstm' ? 2 : 1);

function rand(n: number, seed: number, r = 1): Float32Array {
  const g = new Rng(seed);
  return Float32Array.from({ length: n }, () => g.uniform(-r, r));
}
const seqOf = (a: ArrayLike<number>, b = B, t = T, f = I): Seq =>
  Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, j) => Array.from({ length: f }, (_, k) => a[(i * t + j) * f + k])));
const rowsOf = (a: ArrayLike<number>, cols = H): number[][] =>
  Array.from({ length: a.length / cols }, (_, i) => Array.from({ length: cols }, (_, j) => a[i * cols + j]));
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const maskRows = (m: Float32Array | null) => (m ? rowsOf(m, T) : null);

interface Cfg { kind: Kind; seq: boolean; back: boolean; mask: boolean; resetAfter?: boolean }
const label = (c: Cfg) => `${c.kind}${c.kind === 'gru' ? ` resetAfter ${c.resetAfter ?? true}` : ''} ${c.seq ? 'sequences' : 'last'}${c.back ? ' goBackwards' : ''}${c.mask ? ' masked' : ''}`;

function makeLayer(c: Cfg, extra: Record<string, unknown> = {}): Recurrent {
  const a = { units: H, returnSequences: c.seq, returnState: true, goBackwards: c.back, ...extra };
  if (c.kind === 'lstm') return layers.lstm(a);
  if (c.kind === 'gru') return layers.gru({ ...a, resetAfter: c.resetAfter ?? true });
  return layers.simpleRNN(a);
}
const spec = (c: Cfg, w: ArrayLike<number>[]): RnnSpec => ({
  kind: c.kind, units: H, act: 'tanh', rec: 'sigmoid', resetAfter: c.kind === 'gru' && (c.resetAfter ?? true),
  kernel: w[0], recurrent: w[1], bias: w[2],
});

/** Float64 reference outputs [y, h(, c)] of a layer started from `init`. */
function ref64(c: Cfg, w: ArrayLike<number>[], x: Seq, init: number[][][], mask: Float32Array | null): number[][] {
  const final = { h: [] as number[][], c: [] as number[][] };
  const y = refRnn(spec(c, w), x, maskRows(mask), c.back, c.seq, { h: init[0], c: init[1] }, final);
  return [flat(y), flat(final.h), ...(c.kind === 'lstm' ? [flat(final.c)] : [])];
}

function tfjsLayer(c: Cfg, bidi: false | 'concat' | 'sum' | 'mul' | 'ave' = false): tf.layers.Layer {
  const a = { units: H, returnSequences: c.seq, returnState: true, goBackwards: c.back };
  const rec = { ...a, recurrentActivation: 'sigmoid' as const }; // tfjs defaults to hard_sigmoid
  const inner = c.kind === 'lstm' ? tf.layers.lstm(rec) : c.kind === 'gru' ? tf.layers.gru(rec) : tf.layers.simpleRNN(a);
  return bidi ? tf.layers.bidirectional({ layer: inner as never, mergeMode: bidi }) : inner;
}
/** TensorFlow.js `layer.apply(x, { initialState, mask })` with our weights: every output, flat. */
function tfjsApply(l: tf.layers.Layer, w: Float32Array[], x: Float32Array, states: Float32Array[], mask: Float32Array | null): Float32Array[] {
  return tf.tidy(() => {
    // fresh kwargs per call: tfjs' Bidirectional rewrites the object it is given
    const kw = () => ({
      initialState: states.map((s) => tf.tensor2d(s, [B, H])),
      ...(mask ? { mask: tf.tensor2d(mask, [B, T]).cast('bool') } : {}),
    });
    const xt = tf.tensor3d(x, [B, T, I]);
    l.apply(xt, kw()); // builds
    l.setWeights(w.map((v, i) => tf.tensor(v, l.getWeights()[i].shape)));
    const out = l.apply(xt, kw()) as tf.Tensor[];
    return out.map((t) => t.dataSync() as Float32Array);
  });
}

const backends: [string, () => Backend][] = [['js', jsBackend], ['wasm', wasmBackend]];

for (const [bn, getBe] of backends) {
  describe(`recurrent node protocol (${bn})`, () => {
    let be: Backend;
    beforeAll(() => { be = getBe(); setBackend(bn as 'js' | 'wasm'); });

    /** A harness with one node [x, states…] and random weights. */
    function setup(l: Layer, nInit: number, opts: { mask?: boolean; needDx?: boolean[]; training?: boolean } = {}) {
      const shapes = [[B, T, I], ...Array.from({ length: nInit }, () => [B, H])];
      const h = new NodeHarness(be, l, shapes);
      h.addNode(shapes, opts);
      h.place();
      return h;
    }

    describe('forward from an initialState equals TensorFlow.js apply(x, { initialState })', () => {
      const cases: Cfg[] = [
        { kind: 'lstm', seq: true, back: false, mask: false },
        { kind: 'lstm', seq: false, back: true, mask: true },
        { kind: 'lstm', seq: true, back: true, mask: true },
        { kind: 'gru', resetAfter: false, seq: true, back: false, mask: true },
        { kind: 'gru', resetAfter: false, seq: false, back: true, mask: false },
        { kind: 'rnn', seq: true, back: true, mask: true },
        { kind: 'rnn', seq: false, back: false, mask: false },
      ];
      for (const c of cases) {
        it(label(c), () => {
          const l = makeLayer(c), n = nStates(c.kind);
          const h = setup(l, n, { mask: c.mask, training: false });
          const w = h.randomWeights(3);
          const x = rand(B * T * I, 4), states = Array.from({ length: n }, (_, i) => rand(B * H, 5 + i));
          const mask = c.mask ? stepMaskOf(B, T, new Rng(6), { maskFirst: true }) : null;
          const ours = h.forward(0, [x, ...states], { mask: mask ?? undefined }).outs;
          const theirs = tfjsApply(tfjsLayer(c), w, x, states, mask);
          expect(ours.length).toBe(1 + n);
          theirs.forEach((t, k) => expect(maxAbsErr(ours[k], t), `output ${k}`).toBeLessThan(2e-6));
          // and the states matter: from zeros the outputs differ
          const zero = h.forward(0, [x, ...states.map((s) => new Float32Array(s.length))], { mask: mask ?? undefined }).outs;
          expect(maxAbsErr(zero[0], theirs[0])).toBeGreaterThan(1e-3);
          h.dispose();
        });
      }

      for (const c of [{ kind: 'gru', seq: true, back: true, mask: true }, { kind: 'gru', seq: false, back: false, mask: true }] as Cfg[]) {
        it(`${label(c)} (tfjs has no reset_after: float64 Keras reference)`, () => {
          const l = makeLayer(c);
          const h = setup(l, 1, { mask: true, training: false });
          const w = h.randomWeights(7);
          const x = rand(B * T * I, 8), h0 = rand(B * H, 9);
          const mask = stepMaskOf(B, T, new Rng(10), { maskFirst: true });
          const ours = h.forward(0, [x, h0], { mask }).outs;
          const want = ref64(c, w, seqOf(x), [rowsOf(h0)], mask);
          want.forEach((v, k) => expect(maxAbsErr(ours[k], v), `output ${k}`).toBeLessThan(2e-6));
          h.dispose();
        });
      }

      for (const [kind, mode, seq, back, masked] of [['lstm', 'concat', true, false, true], ['gru', 'sum', false, false, false], ['lstm', 'mul', false, true, true], ['rnn', 'ave', true, false, false]] as const) {
        it(`Bidirectional ${kind} ${mode} ${seq ? 'sequences' : 'last'}${back ? ' goBackwards' : ''}${masked ? ' masked' : ''}: [x, forward states, backward states]`, () => {
          const c: Cfg = { kind, seq, back, mask: masked, resetAfter: false };
          const l = layers.bidirectional({ layer: makeLayer(c), mergeMode: mode });
          const n = nStates(kind);
          const h = setup(l, 2 * n, { mask: masked, training: false });
          const w = h.randomWeights(11);
          const x = rand(B * T * I, 12), states = Array.from({ length: 2 * n }, (_, i) => rand(B * H, 13 + i));
          const mask = masked ? stepMaskOf(B, T, new Rng(14), { maskFirst: false }) : null;
          const ours = h.forward(0, [x, ...states], { mask: mask ?? undefined }).outs;
          const theirs = tfjsApply(tfjsLayer(c, mode), w, x, states, mask);
          expect(ours.length).toBe(theirs.length);
          expect(ours.length).toBe(1 + 2 * n);
          theirs.forEach((t, k) => expect(maxAbsErr(ours[k], t), `output ${k}`).toBeLessThan(2e-6));
          h.dispose();
        });
      }
    });

    describe('gradients of x, initial states and weights match float64 central differences', () => {
      const cases: Cfg[] = [
        { kind: 'lstm', seq: true, back: false, mask: true },
        { kind: 'lstm', seq: false, back: true, mask: false },
        { kind: 'gru', resetAfter: true, seq: false, back: false, mask: true },
        { kind: 'gru', resetAfter: false, seq: true, back: true, mask: false },
        { kind: 'rnn', seq: true, back: false, mask: true },
      ];
      for (const c of cases) {
        for (const on of ['y', 'states', 'both'] as const) {
          it(`${label(c)}, loss on ${on}`, () => {
            const l = makeLayer(c), n = nStates(c.kind);
            const h = setup(l, n, { mask: c.mask });
            const w = h.randomWeights(21);
            const x = rand(B * T * I, 22), states = Array.from({ length: n }, (_, i) => rand(B * H, 23 + i));
            const mask = c.mask ? stepMaskOf(B, T, new Rng(25), { maskFirst: true }) : null;
            const outs = h.forward(0, [x, ...states], { mask: mask ?? undefined }).outs;
            // loss = Σ_k <r_k, output_k> over the outputs the loss is on: dys are the r_k, 0 elsewhere
            const r = outs.map((o, k) => ((k === 0 ? on !== 'states' : on !== 'y') ? rand(o.length, 30 + k) : null));
            h.zeroGrads();
            const dxs = h.backward(0, r.map((v) => (v ? Float32Array.from(v) : null)));
            const g = h.grads();
            const got: Record<string, ArrayLike<number>> = { dW: g[0], dU: g[1], db: g[2], dx: dxs[0]!, dh0: dxs[1]!, dc0: dxs[2] ?? [] };
            const p: Record<string, Float64Array | null> = {
              W: Float64Array.from(w[0]), U: Float64Array.from(w[1]), b: Float64Array.from(w[2]),
              x: Float64Array.from(x), h0: Float64Array.from(states[0]), c0: n > 1 ? Float64Array.from(states[1]) : null,
            };
            const loss = () => {
              const init = [rowsOf(p.h0!), ...(p.c0 ? [rowsOf(p.c0)] : [])];
              const o = ref64(c, [p.W!, p.U!, p.b!], seqOf(p.x!), init, mask);
              return o.reduce((s, v, k) => s + (r[k] ? v.reduce((a, z, i) => a + z * r[k]![i], 0) : 0), 0);
            };
            const pairs = [['W', 'dW'], ['U', 'dU'], ['b', 'db'], ['x', 'dx'], ['h0', 'dh0'], ['c0', 'dc0']] as const;
            const checked = expectGradientsMatch(p, pairs, got, loss, new Rng(40), { samples: 6, eps: 1e-4, tol: 2e-3, label: `${label(c)} on ${on}` });
            expect(checked).toBe(6 * (5 + (n > 1 ? 1 : 0)));
            // not vacuous: the state gradient is nonzero
            expect(Math.max(...Array.from(dxs[1]!, Math.abs))).toBeGreaterThan(1e-3);
            h.dispose();
          });
        }
      }

      it('needDx false for the states: no state gradients, the same weight gradients', () => {
        const c: Cfg = { kind: 'lstm', seq: true, back: false, mask: false };
        const h = setup(makeLayer(c), 2, { needDx: [true, false, false] });
        h.randomWeights(3);
        h.forward(0, [rand(B * T * I, 1), rand(B * H, 2), rand(B * H, 3)]);
        h.zeroGrads();
        const dxs = h.backward(0, [rand(B * T * H, 4), null, rand(B * H, 5)]);
        expect(dxs[0]).not.toBeNull();
        expect(dxs.slice(1)).toEqual([null, null]);
        const g1 = h.grads();
        const h2 = setup(layers.lstm({ units: H, returnSequences: true, returnState: true }), 2);
        h2.randomWeights(3);
        h2.forward(0, [rand(B * T * I, 1), rand(B * H, 2), rand(B * H, 3)]);
        h2.zeroGrads();
        h2.backward(0, [rand(B * T * H, 4), null, rand(B * H, 5)]);
        h2.grads().forEach((gi, i) => expect(maxAbsErr(gi, g1[i])).toBe(0));
        h.dispose(); h2.dispose();
      });

      const bidiCases = [
        { kind: 'lstm', mode: 'concat', seq: true, on: 'both' },
        { kind: 'gru', mode: 'mul', seq: false, on: 'states' },
        { kind: 'lstm', mode: null, seq: true, on: 'both' },
        { kind: 'rnn', mode: 'ave', seq: true, on: 'y' },
      ] as const;
      for (const bc of bidiCases) {
        it(`Bidirectional ${bc.kind} mergeMode ${bc.mode} ${bc.seq ? 'sequences' : 'last'}, loss on ${bc.on}`, () => {
          const c: Cfg = { kind: bc.kind, seq: bc.seq, back: false, mask: true, resetAfter: true };
          const l = layers.bidirectional({ layer: makeLayer(c), mergeMode: bc.mode });
          const n = nStates(bc.kind), nw = 3; // kernel, recurrent kernel, bias per direction
          const h = setup(l, 2 * n, { mask: true });
          const w = h.randomWeights(51);
          const x = rand(B * T * I, 52), states = Array.from({ length: 2 * n }, (_, i) => rand(B * H, 53 + i));
          const mask = stepMaskOf(B, T, new Rng(57), { maskFirst: true });
          const outs = h.forward(0, [x, ...states], { mask }).outs;
          const nY = bc.mode === null ? 2 : 1;
          expect(outs.length).toBe(nY + 2 * n);
          const r = outs.map((o, k) => ((k < nY ? bc.on !== 'states' : bc.on !== 'y') ? rand(o.length, 60 + k) : null));
          h.zeroGrads();
          const dxs = h.backward(0, r.map((v) => (v ? Float32Array.from(v) : null)));
          const g = h.grads();
          const p: Record<string, Float64Array | null> = { x: Float64Array.from(x) };
          const got: Record<string, ArrayLike<number>> = { dx: dxs[0]! };
          w.forEach((v, i) => { p[`w${i}`] = Float64Array.from(v); got[`dw${i}`] = g[i]; });
          states.forEach((v, i) => { p[`s${i}`] = Float64Array.from(v); got[`ds${i}`] = dxs[1 + i]!; });
          const loss = () => {
            const sx = seqOf(p.x!);
            const dir = (o: number, back: boolean, s0: number) => {
              const cc = { ...c, back };
              const init = Array.from({ length: n }, (_, i) => rowsOf(p[`s${s0 + i}`]!));
              return ref64(cc, [p[`w${o}`]!, p[`w${o + 1}`]!, p[`w${o + 2}`]!], sx, init, mask);
            };
            const f = dir(0, false, 0), b = dir(nw, true, n);
            // the backward direction's sequence back in input time order
            const bSeq = bc.seq ? rowsOf(b[0], T * H).flatMap((row) => rowsOf(row, H).reverse().flat()) : b[0];
            let ys: number[][];
            if (bc.mode === null) ys = [f[0], bSeq];
            else if (bc.mode === 'concat') ys = [rowsOf(f[0]).flatMap((row, i) => [...row, ...rowsOf(bSeq)[i]])];
            else ys = [f[0].map((v, i) => (bc.mode === 'mul' ? v * bSeq[i] : bc.mode === 'ave' ? 0.5 * (v + bSeq[i]) : v + bSeq[i]))];
            const all = [...ys, ...f.slice(1), ...b.slice(1)];
            return all.reduce((s, v, k) => s + (r[k] ? v.reduce((a, z, i) => a + z * r[k]![i], 0) : 0), 0);
          };
          const pairs = [['x', 'dx'], ...w.map((_, i) => [`w${i}`, `dw${i}`]), ...states.map((_, i) => [`s${i}`, `ds${i}`])] as [string, string][];
          expectGradientsMatch(p, pairs, got, loss, new Rng(70), { samples: 4, eps: 1e-4, tol: 2e-3, label: `bidi ${bc.kind} ${bc.mode}` });
          h.dispose();
        });
      }
    });

    it('encoder → decoder: the encoder\'s states start the decoder; its sequence output is unused (dys[0] = 0); gradients match float64 differences', () => {
      const enc: Cfg = { kind: 'lstm', seq: true, back: false, mask: true }, dec: Cfg = { kind: 'lstm', seq: true, back: false, mask: false };
      const Td = 3;
      const he = setup(makeLayer(enc), 0, { mask: true, needDx: [true] });
      const hd = new NodeHarness(be, makeLayer(dec), [[B, Td, I], [B, H], [B, H]]);
      hd.addNode([[B, Td, I], [B, H], [B, H]]);
      hd.place();
      const we = he.randomWeights(81), wd = hd.randomWeights(82);
      const xe = rand(B * T * I, 83), xd = rand(B * Td * I, 84), r = rand(B * Td * H, 85);
      const mask = stepMaskOf(B, T, new Rng(86), { maskFirst: false });
      const [, h, c] = he.forward(0, [xe], { mask }).outs;
      const yd = hd.forward(0, [xd, h, c]).outs[0];
      he.zeroGrads(); hd.zeroGrads();
      const [dxd, dh, dc] = hd.backward(0, [r, null, null]);
      const [dxe] = he.backward(0, [null, dh, dc]);
      const ge = he.grads(), gd = hd.grads();
      const p: Record<string, Float64Array | null> = {
        xe: Float64Array.from(xe), xd: Float64Array.from(xd), We: Float64Array.from(we[0]), Ue: Float64Array.from(we[1]),
        be: Float64Array.from(we[2]), Wd: Float64Array.from(wd[0]), Ud: Float64Array.from(wd[1]),
      };
      const loss = () => {
        const e = ref64(enc, [p.We!, p.Ue!, p.be!], seqOf(p.xe!), [rowsOf(new Float64Array(B * H)), rowsOf(new Float64Array(B * H))], mask);
        const d = ref64(dec, [p.Wd!, p.Ud!, wd[2]], seqOf(p.xd!, B, Td), [rowsOf(e[1]), rowsOf(e[2])], null);
        return d[0].reduce((a, v, i) => a + v * r[i], 0);
      };
      expect(maxAbsErr(yd, ref64(dec, wd, seqOf(xd, B, Td), [rowsOf(h), rowsOf(c)], null)[0])).toBeLessThan(2e-6);
      const got = { dxe: dxe!, dxd: dxd!, dWe: ge[0], dUe: ge[1], dbe: ge[2], dWd: gd[0], dUd: gd[1] };
      const pairs = [['xe', 'dxe'], ['xd', 'dxd'], ['We', 'dWe'], ['Ue', 'dUe'], ['be', 'dbe'], ['Wd', 'dWd'], ['Ud', 'dUd']] as const;
      expectGradientsMatch(p, pairs, got, loss, new Rng(87), { samples: 5, eps: 1e-4, tol: 2e-3, label: 'seq2seq' });
      expect(Math.max(...Array.from(ge[0], Math.abs))).toBeGreaterThan(1e-3); // the encoder learns through the states alone
      he.dispose(); hd.dispose();
    });

    describe('shared layers: one set of weights, one view per node', () => {
      for (const kind of ['lstm', 'bidi'] as const) {
        it(`${kind}: two nodes interleaved give each node's own outputs and the sum of their weight gradients`, () => {
          const mk = () => (kind === 'lstm'
            ? layers.lstm({ units: H, returnSequences: true, returnState: true })
            : layers.bidirectional({ layer: layers.gru({ units: H, returnSequences: true, returnState: true }) }));
          const n = 2; // LSTM [h, c]; Bidirectional GRU [h_f, h_b]
          const xa = rand(B * T * I, 1), xb = rand(2 * 5 * I, 2), sa = Array.from({ length: n }, (_, i) => rand(B * H, 3 + i));
          const dya = rand(B * T * H * (kind === 'lstm' ? 1 : 2), 7), dyb = rand(2 * 5 * H * (kind === 'lstm' ? 1 : 2), 8);
          // node A: [x, states] with batch 3; node B: [x] alone, batch 2 and 5 steps
          const shapesA = [[B, T, I], ...sa.map(() => [B, H])], shapesB = [[2, 5, I]];
          const runAlone = (which: 'A' | 'B') => {
            const h = new NodeHarness(be, mk(), shapesA);
            h.addNode(which === 'A' ? shapesA : shapesB);
            h.place();
            h.randomWeights(9);
            const o = h.forward(0, which === 'A' ? [xa, ...sa] : [xb]).outs;
            h.zeroGrads();
            const d = h.backward(0, [which === 'A' ? dya : dyb, ...o.slice(1).map(() => null)]);
            const r = { outs: o, dx: d, grads: h.grads() };
            h.dispose();
            return r;
          };
          const a = runAlone('A'), b = runAlone('B');
          const h = new NodeHarness(be, mk(), shapesA);
          h.addNode(shapesA);
          h.addNode(shapesB);
          h.place();
          h.randomWeights(9);
          const oa = h.forward(0, [xa, ...sa]).outs;
          const ob = h.forward(1, [xb]).outs;
          h.zeroGrads();
          const da = h.backward(0, [dya, ...oa.slice(1).map(() => null)]);
          const db = h.backward(1, [dyb, ...ob.slice(1).map(() => null)]);
          oa.forEach((v, k) => expect(maxAbsErr(v, a.outs[k])).toBe(0));
          ob.forEach((v, k) => expect(maxAbsErr(v, b.outs[k])).toBe(0));
          da.forEach((v, k) => expect(maxAbsErr(v!, a.dx[k]!)).toBe(0));
          expect(maxAbsErr(db[0]!, b.dx[0]!)).toBe(0);
          h.grads().forEach((gi, i) => expect(maxAbsErr(gi, a.grads[i].map((v, j) => v + b.grads[i][j]))).toBeLessThan(1e-6));
          h.dispose();
        });
      }
    });

    describe('stateful layers', () => {
      for (const kind of ['lstm', 'gru'] as const) {
        it(`${kind}: resetStates(states) then predict equals running from that initialState; the final state is carried; resetStates() is zeros`, () => {
          const n = nStates(kind), c: Cfg = { kind, seq: true, back: false, mask: false };
          const mk = () => new Sequential([makeLayer({ ...c }, { stateful: true, returnState: false, batchInputShape: [B, T, I] })], { seed: 5 });
          const m = mk();
          const w = m.getWeights().map((v) => v.data as Float32Array);
          const x = rand(B * T * I, 2), seed = Array.from({ length: n }, (_, i) => rand(B * H, 3 + i));
          const layer = m.layers[0] as Recurrent;
          const ref = (init: number[][][]) => ref64(c, w, seqOf(x), init, null);
          // seeded before the first call (the state region does not exist yet): list of host arrays
          layer.resetStates(kind === 'lstm' ? seed : [tensor(Array.from(seed[0]), [B, H])]);
          const first = ref(seed.map((s) => rowsOf(s)));
          expect(maxAbsErr((m.predict(tensor(x, [B, T, I])) as Tensor).data, first[0])).toBeLessThan(2e-6);
          // the next call continues from the final state
          const second = ref(first.slice(1).map((s) => rowsOf(s)));
          expect(maxAbsErr((m.predict(tensor(x, [B, T, I])) as Tensor).data, second[0])).toBeLessThan(2e-6);
          // seeded again (the region exists now); a single state may be given alone (GRU)
          if (kind === 'lstm') layer.resetStates(seed.map((s) => tensor(s, [B, H])));
          else layer.resetStates(tensor(seed[0], [B, H]));
          expect(maxAbsErr((m.predict(tensor(x, [B, T, I])) as Tensor).data, first[0])).toBeLessThan(2e-6);
          // the same as a non-stateful layer given initialState at call time (node protocol)
          const h = setup(makeLayer(c), n, { training: false });
          h.setWeights(w);
          expect(maxAbsErr(h.forward(0, [x, ...seed]).outs[0], first[0])).toBeLessThan(2e-6);
          h.dispose();
          // resetStates() and model.resetStates(): zeros (a pending seed is dropped too)
          const zeros = ref(seed.map(() => rowsOf(new Float32Array(B * H))));
          layer.resetStates();
          expect(maxAbsErr((m.predict(tensor(x, [B, T, I])) as Tensor).data, zeros[0])).toBeLessThan(2e-6);
          layer.resetStates(seed);
          m.resetStates();
          expect(maxAbsErr((m.predict(tensor(x, [B, T, I])) as Tensor).data, zeros[0])).toBeLessThan(2e-6);
          m.dispose();
        });
      }

      it('resetStates errors name the layer and the expected shape; a rejected call changes nothing', () => {
        const m = new Sequential([layers.lstm({ units: H, stateful: true, batchInputShape: [B, T, I], name: 'dec' })], { seed: 5 });
        const l = m.layers[0] as Recurrent;
        const x = tensor(rand(B * T * I, 2), [B, T, I]);
        const good = [rand(B * H, 3), rand(B * H, 4)];
        l.resetStates(good);
        const want = (m.predict(x) as Tensor).data.slice();
        l.resetStates(good);
        expect(() => l.resetStates([good[0]])).toThrow(/dec\.resetStates: expected 2 states \[h, c\], each \[3, 2\], got a list of 1/);
        expect(() => l.resetStates([good[0], new Float32Array(5)])).toThrow(/dec\.resetStates: states\[1\] \(c\): expected 3·2 = 6 values \(\[batch, units\]\), got a Float32Array of 5/);
        expect(() => l.resetStates([good[0], tensor(new Float32Array(6), [2, 3])])).toThrow(/states\[1\] \(c\): expected shape \[3, 2\] \(\[batch, units\]\), got \[2,3\]/);
        expect(() => l.resetStates([good[0], Float32Array.from([0, 1, NaN, 0, 0, 0])])).toThrow(/states\[1\] \(c\): values must be finite, got NaN at index 2/);
        expect(() => l.resetStates(tensor(good[0], [B, H]))).toThrow(/expected 2 states \[h, c\]/);
        expect(maxAbsErr((m.predict(x) as Tensor).data, want)).toBe(0);
        expect(() => layers.gru({ units: 2, name: 'g' }).resetStates()).toThrow(/g\.resetStates: the layer is not stateful .*layer\.apply\(x, \{ initialState \}\)/);
        expect(() => layers.gru({ units: 2, name: 'g2', stateful: true }).resetStates([new Float32Array(2)])).toThrow(/g2\.resetStates: the layer does not know its batch size yet/);
        m.dispose();
      });

      it('stateful + initialState: the given state wins over the carried one, and the final state is carried on', () => {
        const c: Cfg = { kind: 'lstm', seq: true, back: false, mask: false };
        const l = makeLayer(c, { stateful: true, batchInputShape: [B, T, I] });
        const h = new NodeHarness(be, l, [[B, T, I], [B, H], [B, H]]);
        h.addNode([[B, T, I], [B, H], [B, H]], { training: false });
        h.addNode([[B, T, I]], { training: false });
        h.place();
        const w = h.randomWeights(3);
        const x = rand(B * T * I, 4), s = [rand(B * H, 5), rand(B * H, 6)];
        const a = h.forward(1, [x]).outs; // carries a nonzero state into the next call
        const want = ref64(c, w, seqOf(x), s.map((v) => rowsOf(v)), null);
        const got = h.forward(0, [x, ...s]).outs;
        expect(maxAbsErr(got[0], want[0])).toBeLessThan(2e-6);
        expect(maxAbsErr(got[0], a[0])).toBeGreaterThan(1e-3);
        const next = ref64(c, w, seqOf(x), want.slice(1).map((v) => rowsOf(v)), null);
        expect(maxAbsErr(h.forward(1, [x]).outs[0], next[0])).toBeLessThan(2e-6);
        h.dispose();
      });
    });

    it('wrong initial states throw naming the layer, the state and the shapes', () => {
      const l = layers.lstm({ units: H, name: 'enc' });
      expect(() => l.nodeBuild([[null, T, I], [null, H]])).toThrow(/enc \(LSTM\): initialState must be \[h, c\]: 2 tensors of shape \[batch, 2\], got 1/);
      expect(() => l.nodeBuild([[B, T, I], [B, H], [B, H + 1]])).toThrow(/enc \(LSTM\): initialState\[1\] \(c\) must have shape \[3, 2\] \(the input's batch, units\), got \[3,3\]/);
      expect(() => l.nodeBuild([[B, T, I], [B + 1, H], [B, H]])).toThrow(/initialState\[0\] \(h\) must have shape \[3, 2\]/);
      expect(() => layers.gru({ units: H, name: 'g' }).nodeBuild([[B, T, I], [B, H], [B, H]])).toThrow(/g \(GRU\): initialState must be \[h\]: 1 tensor of shape \[batch, 2\], got 2/);
      const bi = layers.bidirectional({ layer: layers.lstm({ units: H }), name: 'bi' });
      expect(() => bi.nodeBuild([[B, T, I], [B, H], [B, H]])).toThrow(/bi \(Bidirectional\): initialState must be the forward layer's states then the backward layer's \(\[h, c\] each: 4 tensors of shape \[batch, 2\]\), got 2/);
      // built for 3 features: another node with 4 is refused, not run on the wrong weights
      l.nodeBuild([[B, T, I]]);
      expect(() => l.nodeBuild([[B, T, I + 1]])).toThrow(/enc \(LSTM\): built for 3 input features, called on \[3,4,4\]/);
      // output shapes: [y, h, c] with returnState
      const r = layers.lstm({ units: H, returnSequences: true, returnState: true });
      expect(r.nodeBuild([[null, null, I], [null, H], [null, H]])).toEqual([[null, null, H], [null, H], [null, H]]);
    });
  });
}
