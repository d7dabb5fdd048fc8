/**
 * The kernel contract shared by both backends.
 *
 * Every kernel exists twice with this exact signature: an AssemblyScript export
 * (assembly/*.ts, compiled to build/kernels*.wasm) and a pure-TypeScript twin
 * (src/backend/js/*.ts). The TypeScript side (layers, training loop) calls them
 * through a `Backend` and never knows which one it has.
 *
 * ABI (STYLE.md): outputs first, then inputs, then caches/work, then sizes and
 * flags. Pointers are BYTE offsets into the backend's linear memory (`usize` in
 * AssemblyScript), 16-byte aligned unless noted; pointer 0 means "absent".
 * Sizes are element counts. Float buffers are float32, id/label buffers int32.
 * Gradient outputs start with `d`. Unless stated otherwise weight gradients
 * (dW, dU, db, dE) ACCUMULATE (+=) and every other output is overwritten.
 *
 * Dimension letters: B batch, T time, I input features, H units,
 * M/K/N matrix sizes. Layouts are row-major, Keras order:
 *   X [B, T, I]   kernel W [I, G·H]   recurrent kernel U [H, G·H]   Y [B, T, H]
 * LSTM gate blocks (G = 4): i, f, c, o.  GRU (G = 3): z, r, h.
 */

/** Activation codes, mirrored in assembly/codes.ts. */
export const ACT = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  hardSigmoid: 4,
  /** Only valid for denseForward/denseBackward (row-wise over N). */
  softmax: 5,
  /** Keras 3 hard_sigmoid: clip(x/6 + 0.5, 0, 1). */
  hardSigmoidKeras3: 6,
} as const;
export type ActCode = (typeof ACT)[keyof typeof ACT];

/** gemm flags, mirrored in assembly/codes.ts. */
export const GEMM = { transA: 1, transB: 2, accumulate: 4 } as const;

/** Recurrent kernel flags, mirrored in assembly/codes.ts. */
export const RNN = {
  /** Process t = T-1 … 0; Y is written in processing order (Keras go_backwards). */
  goBackwards: 1,
  /** Store in `cache` what the backward kernel needs. Without it, cache is scratch. */
  training: 2,
  /** GRU only: Keras reset_after=True (bias [2, 3H]: row 0 input, row 1 recurrent). */
  resetAfter: 4,
  /**
   * LSTM forward only: the caller has already written X·W (no bias) for every step into
   * the gates block of `cache` (offset lstmCacheGatesOffset(H) floats, layout [B,T,4H]),
   * e.g. gathered from per-token rows of E·W; the input projection is skipped and X is
   * not read. The backward ignores it.
   */
  projected: 8,
} as const;

export type Ptr = number;

export interface Kernels {
  /**
   * C[M,N] (= or +=) op(A)[M,K] · op(B)[K,N].
   * op(A) = A stored [M,K] (row stride lda ≥ K), or with transA A stored [K,M] (lda ≥ M).
   * op(B) = B stored [K,N] (ldb ≥ N), or with transB B stored [N,K] (ldb ≥ K).
   * C has row stride ldc ≥ N. flags: GEMM bits. C must not alias A or B.
   * Pointers only need 4-byte alignment (strided sub-blocks are allowed).
   */
  gemm(C: Ptr, A: Ptr, B: Ptr, M: number, K: number, N: number,
       lda: number, ldb: number, ldc: number, flags: number): void;

  /** Y[i] = act(X[i]) for i < n. Y may equal X. act ∈ linear..hardSigmoid. */
  activate(Y: Ptr, X: Ptr, n: number, act: number): void;
  /** dX[i] = dY[i] · act'(·) computed from the activation OUTPUT Y. dX may equal dY. */
  activateBackward(dX: Ptr, dY: Ptr, Y: Ptr, n: number, act: number): void;
  /** Row-wise softmax of X [rows, cols] into Y (may alias). Max-subtracted. */
  softmax(Y: Ptr, X: Ptr, rows: number, cols: number): void;
  /** dX = Y ⊙ (dY − rowsum(dY ⊙ Y)). dX may equal dY. */
  softmaxBackward(dX: Ptr, dY: Ptr, Y: Ptr, rows: number, cols: number): void;

  /** Y[M,N] = act(X[M,K] · W[K,N] + b[N]); b = 0 means no bias. act may be softmax. */
  denseForward(Y: Ptr, X: Ptr, W: Ptr, b: Ptr, M: number, K: number, N: number, act: number): void;
  /**
   * Backward of denseForward. dY [M,N] is OVERWRITTEN with dZ (pre-activation
   * gradient). dW [K,N] and db [N] accumulate; dX [M,K] is overwritten; any may be 0.
   */
  denseBackward(dX: Ptr, dW: Ptr, db: Ptr, dY: Ptr, X: Ptr, W: Ptr, Y: Ptr,
                M: number, K: number, N: number, act: number): void;

  /** Y[n, D] = E[ids[i], :]. ids int32, already validated (0 ≤ id < V). */
  embeddingForward(Y: Ptr, ids: Ptr, E: Ptr, n: number, D: number): void;
  /** dE[ids[i], :] += dY[i, :]. */
  embeddingBackward(dE: Ptr, dY: Ptr, ids: Ptr, n: number, D: number): void;

  /**
   * Losses over P (predictions) and targets [rows, cols]. Return the Keras/tfjs
   * scalar: per-row reduction over cols, then mean over rows. When dP ≠ 0 they
   * also write d(loss)/dP (already divided by rows). Formulas: fixtures README "Losses".
   */
  mseLoss(dP: Ptr, P: Ptr, Yt: Ptr, rows: number, cols: number): number;
  bceLoss(dP: Ptr, P: Ptr, Yt: Ptr, rows: number, cols: number): number;
  cceLoss(dP: Ptr, P: Ptr, Yt: Ptr, rows: number, cols: number): number;
  /** labels int32 [rows], validated 0 ≤ label < cols. */
  sparseCceLoss(dP: Ptr, P: Ptr, labels: Ptr, rows: number, cols: number): number;

  /** Optimizer updates over a flat block of n parameters (tfjs rules, fixtures README). */
  sgdUpdate(W: Ptr, G: Ptr, n: number, lr: number): void;
  /** a = μa + g; w -= lr·a, or with nesterov w -= lr·(g + μa). */
  momentumUpdate(W: Ptr, A: Ptr, G: Ptr, n: number, lr: number, momentum: number, nesterov: number): void;
  /** ms = ρ ms + (1-ρ) g²; mom = μ mom + lr g / sqrt(ms + ε); w -= mom. MOM may be 0 when μ = 0. */
  rmspropUpdate(W: Ptr, MS: Ptr, MOM: Ptr, G: Ptr, n: number, lr: number, rho: number,
                momentum: number, eps: number): void;
  /**
   * Centered RMSprop (Keras 3): ms = ρ ms + (1-ρ) g²; mg = ρ mg + (1-ρ) g;
   * mom = μ mom + lr g / sqrt(ms - mg² + ε); w -= mom. MOM may be 0 when μ = 0.
   * ε is added, as in Keras (tfjs subtracts it; fixtures README "Divergences" 5).
   */
  rmspropCenteredUpdate(W: Ptr, MS: Ptr, MG: Ptr, MOM: Ptr, G: Ptr, n: number, lr: number, rho: number,
                        momentum: number, eps: number): void;
  /** m, v moments; w -= lr (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + ε). beta1Pow = β1ᵗ, beta2Pow = β2ᵗ. */
  adamUpdate(W: Ptr, M: Ptr, V: Ptr, G: Ptr, n: number, lr: number, beta1: number, beta2: number,
             eps: number, beta1Pow: number, beta2Pow: number): void;
  /** Σ X[i]² in float64 accumulation (global-norm clipping). */
  sumSquares(X: Ptr, n: number): number;
  /** X[i] *= s. */
  scale(X: Ptr, n: number, s: number): void;
  /** X[i] = clamp(X[i], -v, v). */
  clipByValue(X: Ptr, n: number, v: number): void;

  /*
   * Recurrent dropout (Keras `recurrent_dropout`, training only). recMask f32 [B,H], or 0
   * for none, is fixed for the whole sequence (entries 0 or 1/(1-rate)) and multiplies
   * h_{t-1} only where it enters the recurrent product(s):
   *   LSTM       z = x_t·W + (h⊙m)·U + b          (c_t, h_t unchanged)
   *   SimpleRNN  h_t = act(x_t·W + b + (h⊙m)·U)
   *   GRU        z = σ(xz + (h⊙m)·U_z), r = σ(xr + (h⊙m)·U_r),
   *              hh = act(xh + (r⊙(h⊙m))·U_h), or with resetAfter [rz,rr,rh] = (h⊙m)·U + b_rec;
   *              h_t = z⊙h_{t-1} + (1-z)⊙hh with the UNMASKED h_{t-1}.
   * The carried state, masked (skipped) steps and the outputs never see m. The backward
   * kernels take the same recMask: dU uses h⊙m and the recurrent gradient reaching h_{t-1}
   * is multiplied by m. One [B,H] mask shared by all gates (Keras 2 implementation 2);
   * current Keras 3 draws one mask per gate instead (see the Porting note in assembly/lstm.ts).
   */

  /**
   * LSTM over a whole sequence (Keras equations, fixtures README "Equations").
   * Y [B,T,H] outputs in processing order; hT, cT [B,H] final state.
   * X [B,T,I]; W [I,4H]; U [H,4H]; bias [4H] or 0; h0, c0 [B,H] or 0 (zeros);
   * mask f32 [B,T] (1 keep, 0 skip; by input time) or 0.
   * recMask f32 [B,H] or 0: recurrent dropout (see the comment above).
   * cache: lstmCacheFloats(B,T,I,H) floats (see sizes.ts); always required.
   * flags: RNN.goBackwards | RNN.training.
   */
  lstmForward(Y: Ptr, hT: Ptr, cT: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr, h0: Ptr, c0: Ptr,
              mask: Ptr, recMask: Ptr, cache: Ptr, B: number, T: number, I: number, H: number,
              act: number, recAct: number, flags: number): void;
  /**
   * BPTT for lstmForward (run with RNN.training, same arguments). dY [B,T,H] or 0;
   * dhT, dcT [B,H] or 0 (gradients w.r.t. the final state). dW, dU, db accumulate;
   * dX [B,T,I], dh0, dc0 [B,H] are overwritten; each may be 0 to skip.
   * work: lstmWorkFloats(B,T,I,H) floats.
   */
  lstmBackward(dX: Ptr, dW: Ptr, dU: Ptr, db: Ptr, dh0: Ptr, dc0: Ptr,
               dY: Ptr, dhT: Ptr, dcT: Ptr, Y: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr,
               h0: Ptr, c0: Ptr, mask: Ptr, recMask: Ptr, cache: Ptr, work: Ptr,
               B: number, T: number, I: number, H: number,
               act: number, recAct: number, flags: number): void;

  /** GRU, gate blocks z, r, h; W [I,3H], U [H,3H]; bias [3H], or [2,3H] with RNN.resetAfter. */
  gruForward(Y: Ptr, hT: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr, h0: Ptr, mask: Ptr, recMask: Ptr, cache: Ptr,
             B: number, T: number, I: number, H: number, act: number, recAct: number, flags: number): void;
  gruBackward(dX: Ptr, dW: Ptr, dU: Ptr, db: Ptr, dh0: Ptr, dY: Ptr, dhT: Ptr,
              Y: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr, h0: Ptr, mask: Ptr, recMask: Ptr, cache: Ptr, work: Ptr,
              B: number, T: number, I: number, H: number, act: number, recAct: number, flags: number): void;

  /** SimpleRNN: h_t = act(x_t·W + b + h_{t-1}·U); W [I,H], U [H,H], bias [H]. */
  rnnForward(Y: Ptr, hT: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr, h0: Ptr, mask: Ptr, recMask: Ptr, cache: Ptr,
             B: number, T: number, I: number, H: number, act: number, flags: number): void;
  rnnBackward(dX: Ptr, dW: Ptr, dU: Ptr, db: Ptr, dh0: Ptr, dY: Ptr, dhT: Ptr,
              Y: Ptr, X: Ptr, W: Ptr, U: Ptr, bias: Ptr, h0: Ptr, mask: Ptr, recMask: Ptr, cache: Ptr, work: Ptr,
              B: number, T: number, I: number, H: number, act: number, flags: number): void;
}

/** Names of every kernel, the registry both backends must fill. */
export const KERNEL_NAMES = [
  'gemm', 'activate', 'activateBackward', 'softmax', 'softmaxBackward',
  'denseForward', 'denseBackward', 'embeddingForward', 'embeddingBackward',
  'mseLoss', 'bceLoss', 'cceLoss', 'sparseCceLoss',
  'sgdUpdate', 'momentumUpdate', 'rmspropUpdate', 'rmspropCenteredUpdate', 'adamUpdate', 'sumSquares', 'scale',
  'clipByValue',
  'lstmForward', 'lstmBackward', 'gruForward', 'gruBackward', 'rnnForward', 'rnnBackward',
] as const satisfies readonly (keyof Kernels)[];

/** `'wasm'`: the WebAssembly SIMD kernels; `'js'`: their pure-TypeScript twins. */
export type BackendName = 'wasm' | 'js';

/**
 * A backend = a linear memory + the kernels that work on it. Views are valid
 * until the next `ensure()` that grows memory; always re-read them after one.
 */
export interface Backend {
  readonly name: BackendName;
  readonly k: Kernels;
  /** Current float32 / int32 / byte views over the whole memory (fresh after growth). */
  f32(): Float32Array;
  i32(): Int32Array;
  u8(): Uint8Array;
  /**
   * Reserve `bytes` from the heap (64-byte aligned, zero-filled). Never returns 0.
   * Throws HeapFullError (src/backend/heap.ts), allocating nothing, when it cannot.
   * Models do not call it directly: their MemoryPlan does (src/models/memory-plan.ts).
   */
  alloc(bytes: number): Ptr;
  /** Give a block from alloc() back. */
  free(ptr: Ptr): void;
  /** Current memory size in bytes. */
  memoryBytes(): number;
  /** Bytes currently allocated from the heap (leak tests). */
  heapUsedBytes(): number;
  /** The largest block alloc() could hand out now (limit: 4 GiB of linear memory). */
  availableBytes(): number;
  /** Extra information for benchmarks/diagnostics, e.g. 'simd', 'relaxed-simd'. */
  readonly variant: string;
}
