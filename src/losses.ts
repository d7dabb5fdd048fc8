/**
 * Losses (this path is kept for importers): names and options → src/losses/resolve.ts,
 * row formulas → src/losses/definitions.ts, Keras reduction with sample weights
 * and masks → src/losses/reduce.ts.
 */
export { getLoss, losses, LOSS_NAMES } from './losses/resolve.js';
export type { Loss, LossName, CustomLossSpec } from './losses/resolve.js';
export { takeLoss } from './losses/reduce.js';
export type { LossCall } from './losses/reduce.js';
