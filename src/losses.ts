/**
 * Losses with Keras/tfjs reductions (fixtures README "Losses"): per-row
 * reduction over the last axis, then mean over every other axis.
 */
import type { Kernels } from './backend/types.js';
import { pick } from './names.js';
import { ownGet } from './util/options.js';

export type LossName = 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError';
export const LOSS_NAMES: LossName[] = ['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'meanSquaredError'];

const ALIASES: Record<string, LossName> = { mse: 'meanSquaredError', mean_squared_error: 'meanSquaredError' };

export interface Loss {
  name: LossName;
  /** Keras snake_case name (topology/training config). */
  keras: string;
  /** Targets are int32 class ids, one per row. */
  sparse: boolean;
  /** Returns the mean loss; writes dP when dP ≠ 0. */
  run(k: Kernels, dP: number, P: number, Y: number, rows: number, cols: number): number;
}

const KERAS: Record<LossName, string> = {
  binaryCrossentropy: 'binary_crossentropy', categoricalCrossentropy: 'categorical_crossentropy',
  sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy', meanSquaredError: 'mean_squared_error',
};

export function getLoss(spec: unknown): Loss {
  const alias = typeof spec === 'string' ? ownGet(ALIASES, spec) : undefined; // own names only ('constructor' is no loss)
  const name = alias ?? pick(spec, LOSS_NAMES, 'compile: loss');
  const sparse = name === 'sparseCategoricalCrossentropy';
  const run = (k: Kernels, dP: number, P: number, Y: number, rows: number, cols: number): number => {
    switch (name) {
      case 'meanSquaredError': return k.mseLoss(dP, P, Y, rows, cols);
      case 'binaryCrossentropy': return k.bceLoss(dP, P, Y, rows, cols);
      case 'categoricalCrossentropy': return k.cceLoss(dP, P, Y, rows, cols);
      case 'sparseCategoricalCrossentropy': return k.sparseCceLoss(dP, P, Y, rows, cols);
    }
  };
  return { name, keras: KERAS[name], sparse, run };
}

/** `losses.binaryCrossentropy` etc.: the names, for autocompletion. */
export const losses = Object.fromEntries(LOSS_NAMES.map((n) => [n, n])) as { [K in LossName]: K };
