/**
 * Memory behaviour of the kernels on both backends.
 *
 * (a) Growing the memory (wasm `memory.grow`, which detaches every old view;
 *     the JS backend's copy-and-double) between, and in the middle of, two
 *     identical runs of LSTM forward + backward + Adam leaves the results
 *     bit-identical: nothing keeps a stale view or depends on addresses
 *     beyond the pointers it was given.
 * (b) 100 training steps of one fixed shape (embedding → LSTM → dense softmax
 *     → sparse CCE → Adam, all on buffers reserved up front) neither grow the
 *     memory nor change the heap's used bytes: kernels never allocate.
 *     The loss must also fall, so the loop is real training, not no-ops.
 */
import { describe, it, expect } from 'vitest';
import { wasmBackend, jsBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/types.js';
import { ACT, RNN } from '../src/backend/types.js';
import { lstmCacheFloats, lstmWorkFloats } from '../src/backend/sizes.js';
import { Rng } from '../src/util/random.js';

const backends = (): Backend[] => [wasmBackend(), jsBackend()];

function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Reserve float32 blocks by name; `bytes` is their total. */
function reserve<K extends string>(be: Backend, floats: Record<K, number>) {
  const p = {} as Record<K, number>;
  for (const k of Object.keys(floats) as K[]) p[k] = be.alloc(floats[k] * 4);
  return p;
}

describe('memory growth between identical kernel runs', () => {
  const B = 3, T = 6, I = 5, H = 8, G = 4 * H;
  // parameters in one block [W | U | b] so a single adamUpdate steps them all
  const nW = I * G, nU = H * G, nP = nW + nU + G;
  const rng = new Rng(7);
  const X = uniform(rng, B * T * I, -1, 1), P0 = uniform(rng, nP, -0.4, 0.4);
  const dY = uniform(rng, B * T * H, -1, 1), dhT = uniform(rng, B * H, -1, 1), dcT = uniform(rng, B * H, -1, 1);
  const h0 = uniform(rng, B * H, -0.5, 0.5), c0 = uniform(rng, B * H, -0.5, 0.5);

  for (const be of backends()) {
    it(`${be.name}: results are bit-identical across memory.grow`, () => {
      const p = reserve(be, {
        X: X.length, P: nP, dP: nP, M: nP, V: nP, Y: B * T * H, hT: B * H, cT: B * H, h0: h0.length, c0: c0.length,
        dY: dY.length, dhT: dhT.length, dcT: dcT.length, dX: X.length, dh0: B * H, dc0: B * H,
        cache: lstmCacheFloats(B, T, I, H), work: lstmWorkFloats(B, T, I, H),
      });
      const W = p.P, U = p.P + nW * 4, bias = p.P + (nW + nU) * 4;
      const dW = p.dP, dU = p.dP + nW * 4, db = p.dP + (nW + nU) * 4;
      const outputs = ['Y', 'hT', 'cT', 'dX', 'dh0', 'dc0', 'dP', 'P', 'M', 'V'] as const;

      const load = () => {
        const f = be.f32();
        f.set(X, p.X >>> 2); f.set(P0, p.P >>> 2); f.set(dY, p.dY >>> 2); f.set(dhT, p.dhT >>> 2); f.set(dcT, p.dcT >>> 2);
        f.set(h0, p.h0 >>> 2); f.set(c0, p.c0 >>> 2);
        for (const k of ['dP', 'M', 'V'] as const) f.fill(0, p[k] >>> 2, (p[k] >>> 2) + nP);
      };
      const forward = () => be.k.lstmForward(p.Y, p.hT, p.cT, p.X, W, U, bias, p.h0, p.c0, 0, 0, p.cache,
        B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training);
      const backwardAndStep = () => {
        be.k.lstmBackward(p.dX, dW, dU, db, p.dh0, p.dc0, p.dY, p.dhT, p.dcT, p.Y, p.X, W, U, bias,
          p.h0, p.c0, 0, 0, p.cache, p.work, B, T, I, H, ACT.tanh, ACT.sigmoid, RNN.training);
        be.k.adamUpdate(p.P, p.M, p.V, p.dP, nP, 0.01, 0.9, 0.999, 1e-7, 0.9, 0.999);
      };
      /** Every output's raw bits (Int32 so that equality is bitwise, NaN and -0 included). */
      const snapshot = () => {
        const i = be.i32();
        const sizes: Record<(typeof outputs)[number], number> = {
          Y: B * T * H, hT: B * H, cT: B * H, dX: X.length, dh0: B * H, dc0: B * H, dP: nP, P: nP, M: nP, V: nP,
        };
        return outputs.map((k) => i.slice(p[k] >>> 2, (p[k] >>> 2) + sizes[k]));
      };
      const grow = () => {
        const before = be.memoryBytes(), oldView = be.f32();
        const big = be.alloc(before); // past the top of the heap: memory must at least double
        expect(be.memoryBytes()).toBeGreaterThan(before);
        expect(be.f32() === oldView).toBe(false); // views were re-created over the new buffer
        if (be.name === 'wasm') expect(oldView.length).toBe(0); // memory.grow detached the old buffer
        return big;
      };

      load(); forward(); backwardAndStep();
      const first = snapshot();
      expect(first[7].some((v, j) => v !== new Int32Array(P0.buffer)[j])).toBe(true); // Adam moved the weights

      const big1 = grow();
      load(); forward(); backwardAndStep();
      expect(snapshot()).toEqual(first);

      // growth between forward and backward: the cache written before must survive the move
      load(); forward();
      const big2 = grow();
      backwardAndStep();
      expect(snapshot()).toEqual(first);

      be.free(big2); be.free(big1);
      for (const k of Object.keys(p) as (keyof typeof p)[]) be.free(p[k]);
    });
  }
});

describe('steady-state training does not allocate', () => {
  const B = 4, T = 7, V = 11, E = 6, H = 12, N = V, G = 4 * H;
  // parameters in one block: [Emb | W | U | b | Wd | bd], gradients and Adam slots alike
  const sizes = [V * E, E * G, H * G, G, H * N, N];
  const offs = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const nP = sizes.reduce((a, b) => a + b, 0);

  for (const be of backends()) {
    it(`${be.name}: 100 steps keep memoryBytes and heapUsedBytes constant`, () => {
      const rng = new Rng(11);
      const ids = new Int32Array(B * T), labels = new Int32Array(B);
      for (let i = 0; i < ids.length; i++) ids[i] = rng.int(V);
      for (let b = 0; b < B; b++) labels[b] = rng.int(N);
      const init = uniform(rng, nP, -0.3, 0.3);

      const p = reserve(be, {
        ids: ids.length, labels: B, P: nP, dP: nP, M: nP, V: nP,
        X: B * T * E, Y: B * T * H, hT: B * H, cT: B * H, dY: B * T * H, dX: B * T * E,
        cache: lstmCacheFloats(B, T, E, H), work: lstmWorkFloats(B, T, E, H), probs: B * N, dZ: B * N, dh: B * H,
      });
      const [pEmb, pW, pU, pb, pWd, pbd] = offs.map((o) => p.P + o * 4);
      const [gEmb, gW, gU, gb, gWd, gbd] = offs.map((o) => p.dP + o * 4);
      be.i32().set(ids, p.ids >>> 2);
      be.i32().set(labels, p.labels >>> 2);
      be.f32().set(init, p.P >>> 2);

      let b1 = 1, b2 = 1;
      const step = (): number => {
        const f = be.f32();
        f.fill(0, p.dP >>> 2, (p.dP >>> 2) + nP);
        be.k.embeddingForward(p.X, p.ids, pEmb, B * T, E);
        be.k.lstmForward(p.Y, p.hT, p.cT, p.X, pW, pU, pb, 0, 0, 0, 0, p.cache, B, T, E, H, ACT.tanh, ACT.sigmoid, RNN.training);
        be.k.denseForward(p.probs, p.hT, pWd, pbd, B, H, N, ACT.softmax);
        const loss = be.k.sparseCceLoss(p.dZ, p.probs, p.labels, B, N);
        be.k.denseBackward(p.dh, gWd, gbd, p.dZ, p.hT, pWd, p.probs, B, H, N, ACT.softmax);
        be.k.lstmBackward(p.dX, gW, gU, gb, 0, 0, 0, p.dh, 0, p.Y, p.X, pW, pU, pb, 0, 0, 0, 0, p.cache, p.work,
          B, T, E, H, ACT.tanh, ACT.sigmoid, RNN.training);
        be.k.embeddingBackward(gEmb, p.dX, p.ids, B * T, E);
        b1 *= 0.9; b2 *= 0.999;
        be.k.adamUpdate(p.P, p.M, p.V, p.dP, nP, 0.01, 0.9, 0.999, 1e-7, b1, b2);
        return loss;
      };

      const mem0 = be.memoryBytes(), used0 = be.heapUsedBytes();
      const losses: number[] = [];
      for (let s = 0; s < 100; s++) {
        losses.push(step());
        expect(be.memoryBytes()).toBe(mem0);
      }
      expect(be.heapUsedBytes()).toBe(used0);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[99]).toBeLessThan(0.5 * losses[0]); // fixed batch of 4: it must be memorised
      for (const k of Object.keys(p) as (keyof typeof p)[]) be.free(p[k]);
    });
  }
});
