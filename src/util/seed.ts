/**
 * The global seed (Keras `set_random_seed`): models created after setSeed(n)
 * draw their initializer, shuffle and dropout streams from it, so a script
 * gives the same numbers every run. Without it, seeds come from Math.random.
 */
import { Rng } from './random.js';

let global: Rng | null = null;

/** Seeds every model created afterwards (initializers, shuffling, dropout), for reproducible runs. */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new Error(`setSeed: seed must be an integer, got ${seed}`);
  global = new Rng(seed >>> 0);
}

/** A fresh seed for a new stream. */
export function nextSeed(): number {
  return global ? Math.floor(global.next() * 2 ** 32) : Math.floor(Math.random() * 2 ** 32);
}
