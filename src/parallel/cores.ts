/**
 * How many threads this machine can run at once, to bound `fit({ threads })`:
 * more workers than hardware threads only add copies of the model and
 * contention (threads: 200 on 2 cores started 199 workers). Node: os.availableParallelism();
 * browsers: navigator.hardwareConcurrency; null when the runtime does not say.
 */
import { platform } from '#platform';

export async function hardwareThreads(): Promise<number | null> {
  if (override !== null) return override;
  // a Node worker has navigator too (Node ≥ 21); '#platform' keeps node:os out of browser bundles
  return platform.hardwareThreads();
}

/** `requested` clamped to the hardware threads, with a warning when it had to be lowered. */
export async function clampThreads(requested: number, who: string): Promise<number> {
  if (requested <= 1) return requested;
  const hw = await hardwareThreads();
  if (hw === null || requested <= hw) return requested;
  console.warn(`${who}: threads: ${requested} is more than this machine's ${hw} hardware threads; using threads: ${hw}`);
  return hw;
}

let override: number | null = null;
/** @internal tests only: pretend the machine has n hardware threads (null: ask the runtime). */
export function overrideHardwareThreads(n: number | null): void {
  override = n;
}
