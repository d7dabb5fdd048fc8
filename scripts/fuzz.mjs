#!/usr/bin/env node
/**
 * `npm run fuzz -- --cases N [--seed S]`: the loader fuzz suite (test/io-fuzz.test.ts) for a
 * long run. Prints cases per second, loaded/error counts per loader, the distribution of
 * error kinds and every invariant violation (exit code 1 if there is one).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const value = (flag, dflt) => {
  const i = args.indexOf(flag);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) { console.error(`fuzz: ${flag} needs a non-negative integer, got ${args[i + 1]}`); process.exit(2); }
  return v;
};
for (const a of args) {
  if (a.startsWith('--') && a !== '--cases' && a !== '--seed') { console.error(`fuzz: unknown option ${a}; use --cases N [--seed S]`); process.exit(2); }
}
const env = { ...process.env, LSTM_WASM_FUZZ_CASES: String(value('--cases', 2000)), LSTM_WASM_FUZZ_SEED: String(value('--seed', 20261207)) };
const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/io-fuzz.test.ts'],
  { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
