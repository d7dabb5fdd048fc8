/**
 * npm run bench: runs every suite in bench/suites side by side and writes
 * bench/RESULTS.md. `node dist/bench/run.js gemm lstm` runs only those suites.
 */
import { writeFileSync } from 'node:fs';
import { init } from '../src/index.js';
import { wasmBackend } from '../src/backend/index.js';
import { machine, toMarkdown, QUICK, type Section } from './lib.js';

type Suite = () => Promise<Section[]>;
const suites: Record<string, () => Promise<{ suite: Suite }>> = {
  gemm: () => import('./suites/gemm.js'),
  elementwise: () => import('./suites/elementwise.js'),
  lstm: () => import('./suites/lstm.js'),
  gru: () => import('./suites/gru.js'),
  model: () => import('./suites/model.js'),
  orthogonal: () => import('./suites/orthogonal.js'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(suites);
await init();

const sections: Section[] = [];
for (const name of names) {
  const load = suites[name];
  if (!load) throw new Error(`unknown suite '${name}' (have: ${Object.keys(suites).join(', ')})`);
  const t0 = performance.now();
  console.log(`# suite ${name}`);
  const got = await (await load()).suite();
  for (const s of got) console.log(toMarkdown(s));
  sections.push(...got);
  console.log(`(suite ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

// Node 20 runs the relaxed-SIMD build only with --experimental-wasm-relaxed-simd (npm run bench:relaxed)
const relaxed = wasmBackend().variant === 'relaxed-simd';
const m = machine();
const md = `# Benchmark results

Written by \`npm run bench${relaxed ? ':relaxed' : ''}\` on ${new Date().toISOString()}; wasm build: ${wasmBackend().variant}${QUICK ? ' (BENCH_QUICK: short runs, indicative only)' : ''}.
Medians from tinybench; every ratio compares tasks measured side by side in the same run.
These are shared 2-core machines: absolute times are noisy, ratios much less so.

| machine | |
| --- | --- |
${Object.entries(m).map(([k, v]) => `| ${k} | ${v} |`).join('\n')}

${sections.map(toMarkdown).join('\n')}`;
const full = names.length === Object.keys(suites).length;
const file = new URL(`../../bench/RESULTS${relaxed ? '-relaxed' : ''}${full ? '' : '.partial'}.md`, import.meta.url);
writeFileSync(file, md);
console.log(`wrote ${file.pathname}`);
