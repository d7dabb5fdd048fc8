/** The monitor/mode rule Keras callbacks share: 'auto' is 'max' for accuracy-like names, else 'min'. */
import { describe } from '../names.js';

export type Mode = 'auto' | 'min' | 'max';

export function resolveMode(mode: unknown, monitor: string, who: string): 'min' | 'max' {
  const m = mode ?? 'auto';
  if (m !== 'auto' && m !== 'min' && m !== 'max') throw new Error(`${who}: mode must be 'auto', 'min' or 'max', got ${describe(m)}`);
  if (m !== 'auto') return m;
  return /acc|auc|precision|recall|f1/.test(monitor) ? 'max' : 'min';
}

export function monitorValue(logs: Record<string, number>, monitor: string, who: string): number {
  const v = logs[monitor];
  if (v === undefined) throw new Error(`${who}: monitor '${monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')})`);
  return v;
}
