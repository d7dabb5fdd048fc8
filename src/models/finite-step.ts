/**
 * NaN never lands in the weights: an optimizer step is applied only when its
 * loss and every gradient element are finite (Keras' TerminateOnNaN, moved
 * before the update so nothing half-updates). The update itself can still
 * overflow from finite inputs (|lr·g| near 3.4e38, or g² in Adam/RMSprop slots
 * when |g| > 1.8e19); when the gradient, the step or the weights are that large, the
 * weights and optimizer state are copied first and put back if the update
 * produced a non-finite weight. Normal steps pay three SIMD sum-of-squares
 * passes over the parameter block (grads, weights before and after) and no copy.
 */
import type { Backend } from '../backend/types.js';
import type { Optimizer } from '../optimizers.js';

/** Thrown by a step that was not applied; `detail` says what was not finite. */
export class NonFiniteStepError extends Error {
  constructor(message: string, readonly detail: string) {
    super(message);
    this.name = 'NonFiniteStepError';
  }
}

/** Above these magnitudes an update may overflow float32: copy state first. */
const RISKY_GRAD = 1e6;
const RISKY_WEIGHT = 1e30;
const RISKY_STEP = 1e30;

/** First non-finite index in f[from, from + n), or −1 (only to name the weight in an error). */
function firstNonFinite(f: Float32Array, from: number, n: number): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite(f[from + i])) return i;
  return -1;
}

export interface StepBlock {
  be: Backend;
  /** Byte pointers of the parameter and gradient blocks (same layout, n floats). */
  params: number;
  grads: number;
  n: number;
  optimizer: Optimizer;
  /** The whole update (weight decay, optimizer.apply, constraints); its state is what optimizer.snapshot() holds. */
  update(): void;
  /** Names the weight holding flat element i of the block (for the error). */
  weightAt(i: number): string;
}

/**
 * s.update() (the optimizer step) if loss and grads are finite and the result is
 * finite; otherwise throws NonFiniteStepError with weights and optimizer state
 * exactly as before the call. `where` (or what it returns) starts the message ("model.trainOnBatch: …").
 */
export function applyFiniteStep(s: StepBlock, loss: number, where: string | (() => string)): void {
  // `where` may be a function: a message is built only when a step fails (trainOnBatch's names the batch's shapes)
  const at = () => (typeof where === 'function' ? where() : where);
  const fail = (detail: string) => new NonFiniteStepError(
    `${at()}: ${detail}; the step was not applied (weights and optimizer state are unchanged). ` +
    'Lower the learning rate, set clipNorm, or check the data', detail);
  if (!Number.isFinite(loss)) throw fail(`the loss is ${loss}`);
  // Σx² accumulated in float64 by the backend kernel: finite exactly when every element is
  // (a float32's square is < 1.2e77), and √Σx² bounds the largest |x| — one SIMD pass per block
  const k = s.be.k;
  const gss = k.sumSquares(s.grads, s.n);
  if (!Number.isFinite(gss)) {
    const f = s.be.f32(), i = firstNonFinite(f, s.grads >>> 2, s.n);
    throw fail(`the gradient of '${s.weightAt(i)}' is ${f[(s.grads >>> 2) + i]}`);
  }
  const gMax = Math.sqrt(gss), pMax = Math.sqrt(k.sumSquares(s.params, s.n));
  // every update rule moves a weight by at most ~lr·max(1, |g|) (Adam/RMSprop: ~lr), and squares g into its slots
  const step = s.optimizer.learningRate * Math.max(1, gMax);
  const risky = gMax > RISKY_GRAD || pMax > RISKY_WEIGHT || step > RISKY_STEP;
  const saved = risky ? { params: s.be.f32().slice(s.params >>> 2, (s.params >>> 2) + s.n), opt: s.optimizer.snapshot() } : null;
  s.update();
  if (Number.isFinite(k.sumSquares(s.params, s.n))) return;
  const f2 = s.be.f32(), bad = firstNonFinite(f2, s.params >>> 2, s.n);
  if (!saved) {
    // unreachable by the bounds above (|g| ≤ 1e6, |w| ≤ 1e30 and lr·|g| ≤ 1e30 cannot overflow any update rule)
    throw new Error(`${at()}: the update made '${s.weightAt(bad)}' non-finite although its inputs were small; this is a bug, please report it`);
  }
  f2.set(saved.params, s.params >>> 2);
  s.optimizer.restore(saved.opt);
  throw fail(`the update overflowed float32 in '${s.weightAt(bad)}' (gradient norm ${gMax.toExponential(2)})`);
}
