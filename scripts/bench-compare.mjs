#!/usr/bin/env node
/**
 * `npm run bench:compare -- --base <commit>`: `npm run bench`'s tasks, before (the base commit)
 * and after (this working tree, or `--head <commit>`), measured alternately in one process so
 * machine load hits both alike. Prints per task the two medians and after/before, and writes
 * bench/COMPARE.md.
 *
 *   --base <commit>   required; built once in a temporary git worktree (node_modules symlinked)
 *   --head <commit>   default: this working tree as built (`npm run bench:compare` runs build:ts first)
 *   --rounds N        default 11: each suite runs 2N times, ABAB… (BA in even rounds); medians over N
 *   --suites a,b      default: every suite both builds have (bench/suites/*.js exporting `suite`)
 *   --time MS         default 100: tinybench time per task per round (caps the suite's own; ≥ 1 call after 1 warm-up)
 *   --skip REGEX      default '^(tfjs|onnxruntime)': other libraries' tasks, identical in both builds
 *   --keep            keep the temporary worktree (reused by the next run with the same commit)
 *
 * The tasks are the suites' own: a module hook hands each build's bench/suites/*.js a
 * bench/lib.js whose `medians()` is the real one (same tinybench settings, time capped) that
 * also records what it measured. A task is named by the row the suite made from it (e.g.
 * "lstm · sequence B=32 T=100 I=64 H=128 · wasm fwd+bwd"), so a case added in one build
 * does not shift the others; tasks only one build has are listed, not compared.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
function opt(name, def) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`bench:compare: --${name} needs a value`);
  return v;
}
const known = new Set(['base', 'head', 'rounds', 'suites', 'time', 'skip', 'keep']);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`bench:compare: unknown option ${a} (have: ${[...known].map((k) => '--' + k).join(', ')})`);
}
const baseRef = opt('base');
if (!baseRef) throw new Error('bench:compare: --base <commit> is required (e.g. --base 638a48e)');
const headRef = opt('head');
const rounds = Number(opt('rounds', '11'));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench:compare: --rounds must be a positive integer, got ${opt('rounds')}`);
const timeCap = Number(opt('time', '100'));
if (!(timeCap > 0)) throw new Error(`bench:compare: --time must be a positive number of ms, got ${opt('time')}`);
const skip = new RegExp(opt('skip', '^(tfjs|onnxruntime)'));
const keep = argv.includes('--keep');
// the model suite interleaves its own rounds; here every suite run is one round
process.env.MODEL_ROUNDS = '1';

const git = (...a) => execFileSync('git', ['-C', repo, ...a], { encoding: 'utf8' }).trim();

/** A commit built in a temporary worktree: its root (reused when a kept one is there). */
function buildCommit(ref) {
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(tmpdir(), `lstm-wasm-bench-${sha.slice(0, 12)}`);
  const built = () => existsSync(join(dir, 'dist/bench/run.js')) && existsSync(join(dir, 'build'));
  if (existsSync(dir) && built()) {
    console.log(`bench:compare: reusing the build of ${ref} (${sha.slice(0, 12)}) in ${dir}`);
    return { ref, sha, root: dir, made: false };
  }
  if (existsSync(dir)) git('worktree', 'remove', '--force', dir);
  console.log(`bench:compare: building ${ref} (${sha.slice(0, 12)}) in ${dir}`);
  git('worktree', 'add', '--detach', dir, sha);
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
  return { ref, sha, root: dir, made: true };
}

const base = buildCommit(baseRef);
const head = headRef ? buildCommit(headRef)
  : { ref: 'working tree', sha: `${git('rev-parse', 'HEAD').slice(0, 12)}${git('status', '--porcelain', '--untracked-files=no') ? ' + uncommitted changes' : ''}`, root: repo, made: false };
const builds = [{ ...base, key: 'before' }, { ...head, key: 'after' }];

// Each build's suites import ../lib.js: give them a lib.js whose medians() reports to us.
const hooks = `
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (r.url.endsWith('/dist/bench/lib.js') && !(ctx.parentURL ?? '').startsWith('bench-compare:')) {
    return { url: 'bench-compare:lib?' + encodeURIComponent(r.url), shortCircuit: true };
  }
  return r;
}
export async function load(url, ctx, next) {
  if (!url.startsWith('bench-compare:lib?')) return next(url, ctx);
  const real = JSON.stringify(decodeURIComponent(url.slice('bench-compare:lib?'.length)));
  return {
    format: 'module', shortCircuit: true,
    source: 'import * as lib from ' + real + '; export * from ' + real + ';'
      + ' export const medians = (tasks, opt) => globalThis.__benchCompareMedians(lib, tasks, opt);',
  };
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

/** The medians() calls of the suite run in progress. */
let calls = null;
globalThis.__benchCompareMedians = async (lib, tasks, o = {}) => {
  const timed = Object.fromEntries(Object.entries(tasks).filter(([name]) => !skip.test(name)));
  // one timed call at least (seconds-long tasks: one call per round; the median is over rounds)
  const run = { ...o, time: Math.min(o.time ?? 400, timeCap), iterations: 1, warmupIterations: Math.min(o.warmupIterations ?? 3, 1) };
  const got = Object.keys(timed).length ? await lib.medians(timed, run) : {};
  calls?.push({ tasks, got });
  // skipped tasks read as NaN (the suites' tables print it; nothing is compared)
  return Object.fromEntries(Object.keys(tasks).map((k) => [k, got[k] ?? NaN]));
};

const suiteNames = (root) => new Set(readdirSync(join(root, 'dist/bench/suites')).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)));
const loaded = [];
for (const b of builds) {
  const idx = await import(pathToFileURL(join(b.root, 'dist/src/index.js')).href);
  await idx.init();
  const suites = {};
  for (const name of suiteNames(b.root)) {
    const m = await import(pathToFileURL(join(b.root, `dist/bench/suites/${name}.js`)).href);
    if (typeof m.suite === 'function') suites[name] = m.suite;
  }
  loaded.push(suites);
}
const common = Object.keys(loaded[0]).filter((n) => n in loaded[1]);
const wanted = opt('suites')?.split(',') ?? common;
for (const n of wanted) {
  if (!common.includes(n)) throw new Error(`bench:compare: suite '${n}' is not in both builds (common: ${common.join(', ')})`);
}
const onlyOne = [...new Set([...Object.keys(loaded[0]), ...Object.keys(loaded[1])])].filter((n) => !common.includes(n));

const cellText = (v) => (typeof v === 'number' ? String(v) : String(v ?? ''));
/**
 * Names for one suite run's tasks, from the rows the suite returned. Either a row per task
 * (its first column is the task's name, as in the model suite: "<section title>: <task>"), or the
 * same number of rows per medians() call (kernel suites: "<first columns of the call's first row>: <task>").
 */
function names(suite, sections, runCalls) {
  const uniq = [];
  const seen = new Set();
  for (const c of runCalls) {
    const fns = Object.values(c.tasks);
    if (fns.every((f) => seen.has(f))) continue; // the same closures again (an interleaved round)
    fns.forEach((f) => seen.add(f));
    uniq.push(c);
  }
  const rows = sections.flatMap((s) => s.rows.map((r) => ({ s, r })));
  const first = (x) => cellText(x.r[x.s.columns[0]]);
  const out = [];
  if (uniq.every((c) => Object.keys(c.tasks).every((t) => rows.some((x) => first(x) === t)))) {
    // sections come in call order: each task takes the first row of its name not yet taken
    const taken = new Set();
    for (const c of uniq) {
      for (const t of Object.keys(c.tasks)) {
        const i = rows.findIndex((x, j) => !taken.has(j) && first(x) === t);
        taken.add(i);
        out.push({ name: `${suite} · ${rows[i].s.title.replace(/^Model: /, '').slice(0, 80)} · ${t}`, ms: c.got[t] });
      }
    }
    return out;
  }
  const k = rows.length / uniq.length;
  if (!Number.isInteger(k) || k < 1) {
    console.warn(`bench:compare: ${suite}: ${rows.length} rows for ${uniq.length} measured calls; tasks named by position`);
  }
  uniq.forEach((c, i) => {
    const x = Number.isInteger(k) && k >= 1 ? rows[i * k] : null;
    // the row's leading text cells name the case (only the first when k rows share one call: lstm's case, not its pass)
    const lead = [];
    for (const col of x?.s.columns ?? []) { if (typeof x.r[col] !== 'string') break; lead.push(col); }
    const label = x ? lead.slice(0, k > 1 ? 1 : lead.length).map((col) => x.r[col]).join(' ') : `call ${i + 1}`;
    for (const t of Object.keys(c.tasks)) out.push({ name: `${suite} · ${label} · ${t}`, ms: c.got[t] });
  });
  // two tasks given one name would mix their samples
  const count = new Map();
  for (const o of out) {
    const n = (count.get(o.name) ?? 0) + 1;
    count.set(o.name, n);
    if (n > 1) o.name += ` #${n}`;
  }
  return out;
}

/** samples[name][build key] = per-round ms */
const samples = new Map();
const t0 = performance.now();
const median = (a) => {
  const s = a.slice().sort((p, q) => p - q);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toPrecision(3) : ms >= 1e-3 ? ms.toPrecision(3) : ms.toExponential(2));
function report(done) {
const rowsOut = [];
const single = [];
for (const [name, e] of samples) {
  if (!e.before.length || !e.after.length) { single.push(`${name} (${e.before.length ? 'before' : 'after'} only)`); continue; }
  const b = median(e.before), a = median(e.after);
  const n = Math.min(e.before.length, e.after.length);
  const paired = median(Array.from({ length: n }, (_, i) => e.after[i] / e.before[i]));
  const spread = (xs) => `${fmtMs(Math.min(...xs))}–${fmtMs(Math.max(...xs))}`;
  rowsOut.push({ name, b, a, ratio: a / b, paired, n, spread: `${spread(e.before)} / ${spread(e.after)}` });
}
const flag = (x) => (x > 1.03 ? ' ▲' : x < 0.97 ? ' ▼' : '');
const table = [
  '| task | before ms | after ms | after / before | paired median | rounds | min–max before / after (ms) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rowsOut.map((r) => `| ${r.name} | ${fmtMs(r.b)} | ${fmtMs(r.a)} | ${r.ratio.toFixed(3)}${flag(r.ratio)} | ${r.paired.toFixed(3)}${flag(r.paired)} | ${r.n} | ${r.spread} |`),
].join('\n');
const worse = rowsOut.filter((r) => r.ratio > 1.03 && r.paired > 1.03);
const summary = `${rowsOut.length} tasks compared; after/before median of medians ${median(rowsOut.map((r) => r.ratio)).toFixed(3)}; `
  + `${worse.length} slower by more than 3% on both measures${worse.length ? ': ' + worse.map((r) => r.name).join('; ') : ''}.`;
const md = `# Benchmark before/after

Written by \`npm run bench:compare -- --base ${baseRef}\` on ${new Date().toISOString()} (${((performance.now() - t0) / 60000).toFixed(1)} min; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}).

- before: ${base.ref} (${base.sha.slice(0, 12)}); after: ${head.ref} (${head.sha}).
- Suites: ${wanted.join(', ')}${onlyOne.length ? `; in one build only (not compared): ${onlyOne.join(', ')}` : ''}. Not timed (other libraries, the same in both builds): tasks matching /${skip.source}/.
- Each round runs every suite once per build, alternating (before first in odd rounds, after first in even ones), in one process, so load swings hit both alike${done < rounds ? ` (this file was written after ${done} of ${rounds} rounds; the run goes on)` : ''}. Per round a task's time is bench/lib.ts's tinybench median (time capped at ${timeCap} ms, at least one call after one warm-up call); the table gives the median over ${done} rounds.
- "after / before" divides the two medians; "paired median" is the median of the per-round ratios (both measured minutes apart at most). > 1 is slower; ▲ marks > 1.03, ▼ < 0.97.

${table}

${summary}
${single.length ? `\nMeasured in one build only (not compared): ${single.join('; ')}.\n` : ''}`;
writeFileSync(join(repo, 'bench/COMPARE.md'), md);
if (done === rounds) console.log(`\n${table}\n\n${summary}\nwrote ${join(repo, 'bench/COMPARE.md')}`);
}

const log = (s) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
console.log(`bench:compare: before = ${base.ref} (${base.sha.slice(0, 12)}), after = ${head.ref} (${head.sha}); `
  + `${rounds} rounds of ${wanted.join(', ')}; tinybench time ≤ ${timeCap} ms per task; not timed: /${skip.source}/`);
for (let r = 0; r < rounds; r++) {
  for (const suite of wanted) {
    for (const bi of r % 2 ? [1, 0] : [0, 1]) {
      const b = builds[bi];
      calls = [];
      process.chdir(b.root); // a suite may read its own sources (gemm compiles assembly/gemm/probe.ts)
      const sections = await loaded[bi][suite]();
      for (const { name, ms } of names(suite, sections, calls)) {
        if (!Number.isFinite(ms)) continue;
        const e = samples.get(name) ?? { before: [], after: [] };
        e[b.key].push(ms);
        samples.set(name, e);
      }
      calls = null;
    }
    log(`round ${r + 1}/${rounds}: ${suite}`);
  }
  report(r + 1); // a partial table after every round, in case the run has to be stopped
}
process.chdir(repo);

for (const b of builds) {
  if (b.made && !keep) {
    git('worktree', 'remove', '--force', b.root);
    console.log(`bench:compare: removed the worktree ${b.root} (--keep keeps it)`);
  }
}
// the model suite's data-parallel workers and tfjs keep handles open
process.exit(0);
