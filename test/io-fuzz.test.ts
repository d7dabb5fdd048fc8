/**
 * Fuzz suite for every loader (issue 10): property-based with fast-check, seeded.
 * `npm test` runs 2 000 cases; `npm run fuzz -- --cases N [--seed S]` runs N.
 * Invariant (test/fuzz/check.ts): a clear plain Error, or a model that holds exactly the
 * file's weights and round-trips; never another error type, a hang over 5 s, or a change
 * to a built-in prototype. Prints cases per second and the distribution of error kinds.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init } from '../src/index.js';
import { BYTE_OPS, JSON_OPS } from './fuzz/mutate.js';
import { Fuzzer, KINDS, type FuzzCase, type Outcome } from './fuzz/run.js';
import { GRAPH_OPS } from './fuzz/graph-mutate.js';

const CASES = Number(process.env.LSTM_WASM_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.LSTM_WASM_FUZZ_SEED ?? 20261207);

const r4 = fc.array(fc.nat(), { minLength: 4, maxLength: 4 });
const caseArb: fc.Arbitrary<FuzzCase> = fc.record({
  kind: fc.constantFrom(...KINDS),
  base: fc.nat(),
  ops: fc.array(fc.record({ op: fc.constantFrom(...JSON_OPS), r: r4 }), { minLength: 0, maxLength: 3 }),
  bytes: fc.array(fc.record({ op: fc.constantFrom(...BYTE_OPS), r: r4 }), { maxLength: 2 }),
  extra: fc.nat(),
  graph: fc.array(fc.record({ op: fc.constantFrom(...GRAPH_OPS), r: r4 }), { minLength: 1, maxLength: 3 }),
});

let fuzzer: Fuzzer;
beforeAll(async () => { await init(); fuzzer = new Fuzzer(); });
afterAll(() => fuzzer?.close());

it(`loaders on ${CASES} mutated files (seed ${SEED}): a clear Error or a model that round-trips`, async () => {
  const outcomes: Outcome[] = [];
  const violations: { c: FuzzCase; o: Outcome }[] = [];
  const t0 = performance.now();
  const trace = process.env.LSTM_WASM_FUZZ_TRACE; // file that holds the running case (to find a hang)
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    if (trace) writeFileSync(trace, `${outcomes.length} ${JSON.stringify(c)}\n`);
    const o = await fuzzer.run(c);
    outcomes.push(o);
    if (o.violation) violations.push({ c, o });
    return true; // violations are counted, then asserted once, so a long run reports all of them
  }), { numRuns: CASES, seed: SEED });
  const secs = (performance.now() - t0) / 1000;

  const byKind = new Map<string, { loaded: number; errors: number }>();
  const byError = new Map<string, number>();
  for (const o of outcomes) {
    const k = byKind.get(o.kind) ?? { loaded: 0, errors: 0 };
    if (o.loaded) k.loaded++; else k.errors++;
    byKind.set(o.kind, k);
    if (o.errorKind) byError.set(o.errorKind, (byError.get(o.errorKind) ?? 0) + 1);
  }
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  const lines = [
    `fuzz: ${outcomes.length} cases in ${secs.toFixed(1)} s = ${(outcomes.length / secs).toFixed(0)} cases/s, seed ${SEED}, ` +
      `slowest case ${slowest.toFixed(0)} ms, ${violations.length} violations`,
    ...[...byKind].map(([k, v]) => `  ${k.padEnd(12)} loaded ${String(v.loaded).padStart(6)}   errors ${String(v.errors).padStart(6)}`),
    '  error kinds:',
    ...[...byError].sort((a, b) => b[1] - a[1]).map(([k, n]) => `    ${String(n).padStart(7)}  ${k}`),
    ...(process.env.LSTM_WASM_FUZZ_SHOW_OTHER ? outcomes.filter((o) => o.errorKind === 'other').slice(0, 20).map((o) => `  other: ${o.message}`) : []),
    ...violations.slice(0, 10).map(({ c, o }) => `  VIOLATION ${o.violation}\n    case ${JSON.stringify(c)}`),
  ];
  console.log(lines.join('\n'));
  expect(violations.map(({ o }) => o.violation)).toEqual([]);
  expect(outcomes.length).toBe(CASES);
}, Math.max(120_000, CASES * 60));
