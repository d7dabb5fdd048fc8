/**
 * A model's initial weights: every weight's initializer run in order on the
 * model's random stream. Initializers that work in backend memory (a large
 * Orthogonal: CholeskyQR2 on the GEMM) get it from the model's MemoryPlan — one
 * transient 'init' block, sized for the largest of them and placed before
 * anything is drawn, so an allocation failure throws PlanError (naming the
 * model, the bytes needed and available) with nothing drawn and nothing left
 * allocated. The block is released before this returns, also when it throws.
 */
import type { MemoryPlan, CallInfo } from '../models/memory-plan.js';
import type { Initializer } from '../initializers.js';
import type { Rng } from '../util/random.js';

export interface WeightToInit {
  /** e.g. 'lstm/recurrent_kernel' (names the scratch region in the plan's map and errors) */
  name: string;
  shape: number[];
  init: Initializer;
}

export function drawInitialValues(weights: readonly WeightToInit[], rng: Rng, plan: MemoryPlan, info: CallInfo): Float32Array[] {
  let floats = 0, user = '';
  for (const w of weights) {
    const f = w.init.scratchFloats?.(w.shape) ?? 0;
    if (f > floats) { floats = f; user = w.name; }
  }
  if (floats === 0) return weights.map((w) => w.init.init(w.shape, rng));
  plan.place('init', info, (ws) => { ws.alloc(floats, `initializer scratch (${user})`); });
  try {
    const scratch = { be: plan.be, ptr: plan.pointers('init')[0], floats };
    return weights.map((w) => w.init.init(w.shape, rng, scratch));
  } finally {
    plan.release('init');
  }
}
