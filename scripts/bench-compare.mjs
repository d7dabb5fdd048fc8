#!/usr/bin/env node
/**
 * `npm run bench:compare -- --base <commit>`: `npm run bench`'s tasks, before (the base commit)
 * and after (this working tree, or `--head <commit>`), task by task, alternately, so machine load
 * hits both alike. Prints per task the two medians and after/before, and writes bench/COMPARE.md.
 *
 * How: each suite runs in two fresh Node processes at once, one per build, that take turns: a
 * child computes only while it holds a baton and hands it over after every turn (~10 ms of calls
 * of one task). So the same task of both builds is timed in interleaved turns milliseconds
 * apart, never while the other build computes, and each build has a process (heap, JIT, GC
 * state) of its own. This machine has slow phases of a
 * few seconds (identical code measured 1.5–2× apart when the two builds ran a suite one after
 * the other); alternating per task puts both builds in the same phase.
 *
 *   --base <commit>   required; built once in a temporary git worktree (node_modules symlinked)
 *   --head <commit>   default: this working tree as built (`npm run bench:compare` runs build:ts first)
 *   --rounds N        default 11: each suite runs N times per build (before's task first in odd
 *                     rounds, after's in even ones); medians over N
 *   --suites a,b      default: every suite both builds have (bench/suites/*.js exporting `suite`)
 *   --time MS         quick mode: caps the timed budget per task per round at MS, one warm-up call
 *                     (big tasks are then timed before V8 has tiered them up: indicative only).
 *                     Default: the suites' own time and warm-up settings, as `npm run bench`
 *   --skip REGEX      default '^(tfjs|onnxruntime)': other libraries' tasks, identical in both builds
 *   --keep            keep the temporary worktree (reused by the next run with the same commit)
 *
 * The tasks are the suites' own: a module hook hands the child's bench/suites/*.js a
 * bench/lib.js whose `medians()` times each task itself (timeTask below: the suite's warm-up
 * calls, then turns of ~10 ms until the suite's time budget is spent; the median over turns)
 * and records what it measured. A task is named by the row the suite made from it (e.g.
 * "lstm · sequence B=32 T=100 I=64 H=128 · wasm fwd+bwd"), so a case added in one build
 * does not shift the others; tasks only one build has are listed, not compared.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);

// Child mode (internal): `--child <json>` runs one suite of one build and writes its timings.
if (argv[0] === '--child') {
  await runChild(JSON.parse(argv[1]));
  await new Promise(() => {}); // runChild exits once the parent has its result
}
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
const timeCap = opt('time') === undefined ? null : Number(opt('time'));
if (timeCap !== null && !(timeCap > 0)) throw new Error(`bench:compare: --time must be a positive number of ms, got ${opt('time')}`);
const skip = new RegExp(opt('skip', '^(tfjs|onnxruntime)'));
const keep = argv.includes('--keep');

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

/** A build's suites: bench/suites/*.js that export `suite` (the others are helpers they import). */
const suitesOf = (root) => readdirSync(join(root, 'dist/bench/suites'))
  .filter((f) => f.endsWith('.js') && /export (async )?function suite\(/.test(readFileSync(join(root, 'dist/bench/suites', f), 'utf8')))
  .map((f) => f.slice(0, -3));
const listed = builds.map((b) => suitesOf(b.root));
const common = listed[0].filter((n) => listed[1].includes(n));
const wanted = opt('suites')?.split(',') ?? common;
for (const n of wanted) {
  if (!common.includes(n)) throw new Error(`bench:compare: suite '${n}' is not in both builds (common: ${common.join(', ')})`);
}
const onlyOne = [...new Set(listed.flat())].filter((n) => !common.includes(n));

function cellText(v) { return typeof v === 'number' ? String(v) : String(v ?? ''); }
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
function median(a) {
  const s = a.slice().sort((p, q) => p - q);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
/**
 * A distribution-free interval for the median of n samples: sorted, [x(k), x(n+1-k)] with the
 * largest k whose tail P(Binomial(n, ½) < k) stays ≤ 5% on each side (coverage ≥ 90%; n = 7: the
 * min and max, 98%; n = 11: 3rd and 9th, 93%). Null below 5 samples (it would cover < 90%).
 */
function medianInterval(xs) {
  const n = xs.length;
  const s = xs.slice().sort((p, q) => p - q);
  let k = 0, tail = 0, term = 2 ** -n; // term = C(n, j) / 2^n, tail = P(X < k)
  for (let j = 0; j < n; j++) {
    if (tail + term > 0.05) break;
    tail += term; k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  return k >= 1 ? [s[k - 1], s[n - k]] : null;
}
const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toPrecision(3) : ms >= 1e-3 ? ms.toPrecision(3) : ms.toExponential(2));
function report(done) {
const rowsOut = [];
const single = [];
for (const [name, e] of samples) {
  if (!e.before.length || !e.after.length) { single.push(`${name} (${e.before.length ? 'before' : 'after'} only)`); continue; }
  const b = median(e.before), a = median(e.after);
  const n = Math.min(e.before.length, e.after.length);
  const ratios = Array.from({ length: n }, (_, i) => e.after[i] / e.before[i]);
  const spread = (xs) => `${fmtMs(Math.min(...xs))}–${fmtMs(Math.max(...xs))}`;
  rowsOut.push({ name, b, a, ratio: a / b, paired: median(ratios), ci: medianInterval(ratios), n, spread: `${spread(e.before)} / ${spread(e.after)}` });
}
const flag = (x) => (x > 1.03 ? ' ▲' : x < 0.97 ? ' ▼' : '');
const table = [
  '| task | before ms | after ms | after / before | paired median | paired interval | rounds | min–max before / after (ms) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rowsOut.map((r) => `| ${r.name} | ${fmtMs(r.b)} | ${fmtMs(r.a)} | ${r.ratio.toFixed(3)}${flag(r.ratio)} | ${r.paired.toFixed(3)}${flag(r.paired)} | ${r.ci ? `${r.ci[0].toFixed(3)}–${r.ci[1].toFixed(3)}${r.ci[0] > 1.03 ? ' ▲▲' : ''}` : '–'} | ${r.n} | ${r.spread} |`),
].join('\n');
const worse = rowsOut.filter((r) => r.ratio > 1.03 && r.paired > 1.03);
// slower beyond the noise: even the interval's low end is > 3% slower
const sure = rowsOut.filter((r) => r.ci && r.ci[0] > 1.03);
const logs = rowsOut.map((r) => Math.log(r.paired));
const geo = Math.exp(logs.reduce((p, q) => p + q, 0) / logs.length);
const summary = `${rowsOut.length} tasks compared; after/before: median over tasks ${median(rowsOut.map((r) => r.paired)).toFixed(3)}, geometric mean ${geo.toFixed(3)} (paired medians); `
  + `${worse.length} slower by more than 3% on both measures${worse.length ? ': ' + worse.map((r) => r.name).join('; ') : ''}; `
  + `${sure.length} slower by more than 3% beyond the noise (paired interval entirely above 1.03)${sure.length ? ': ' + sure.map((r) => r.name).join('; ') : ''}.`;
const md = `# Benchmark before/after

Written by \`npm run bench:compare -- --base ${baseRef}\` on ${new Date().toISOString()} (${((performance.now() - t0) / 60000).toFixed(1)} min; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}).

- before: ${base.ref} (${base.sha.slice(0, 12)}); after: ${head.ref} (${head.sha}).
- Suites: ${wanted.join(', ')}${onlyOne.length ? `; in one build only (not compared): ${onlyOne.join(', ')}` : ''}. Not timed (other libraries, the same in both builds): tasks matching /${skip.source}/.
- Each round runs every suite once per build, in two fresh Node processes that take turns of ~10 ms of calls of one task (before's turn first in odd rounds, after's in even ones; the waiting one does nothing), so the machine's slow phases hit both alike${done < rounds ? ` (this file was written after ${done} of ${rounds} rounds; the run goes on)` : ''}. Per round a task's time is the median over its turns of the mean time per call, after the suite's warm-up calls (${timeCap === null ? 'the suites\' own time budget and warm-up settings, as `npm run bench`' : `quick mode: ${timeCap} ms per task, one warm-up call`}); the table gives the median over ${done} rounds.
- "after / before" divides the two medians; "paired median" is the median of the per-round ratios (both builds timed in interleaved turns). > 1 is slower; ▲ marks > 1.03, ▼ < 0.97. "paired interval" is a distribution-free ≥ 90% interval for the paired median (order statistics; shown from 5 rounds); ▲▲ marks one that lies entirely above 1.03.

${table}

${summary}
${single.length ? `\nMeasured in one build only (not compared): ${single.join('; ')}.\n` : ''}`;
writeFileSync(join(repo, 'bench/COMPARE.md'), md);
if (done === rounds) console.log(`\n${table}\n\n${summary}\nwrote ${join(repo, 'bench/COMPARE.md')}`);
}

const log = (s) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
console.log(`bench:compare: before = ${base.ref} (${base.sha.slice(0, 12)}), after = ${head.ref} (${head.sha}); `
  + `${rounds} rounds of ${wanted.join(', ')}; ${timeCap === null ? 'the suites\' own time budgets' : `${timeCap} ms per task`}; not timed: /${skip.source}/`);
const self = fileURLToPath(import.meta.url);

/**
 * One suite, both builds: two child processes that take turns. A child runs only while it holds
 * the baton and hands it over after each turn, so every task of one build is measured in turns
 * interleaved with the same task's turns of the other, and never while the other computes.
 */
function runPair(suite, order) {
  return new Promise((resolve, reject) => {
    const kids = order.map((bi) => {
      const b = builds[bi];
      // the suite's own tables go to /dev/null; its warnings and errors stay visible
      const kid = fork(self, ['--child', JSON.stringify({ root: b.root, suite, timeCap, skip: skip.source })],
        { cwd: b.root, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      return { b, kid, rows: null, done: false };
    });
    let holder = 0;
    const give = (i) => { holder = i; kids[i].kid.send('go'); };
    kids.forEach((k, i) => {
      k.kid.on('message', (m) => {
        if (m.type === 'yield') give(kids[1 - i].done ? i : 1 - i);
        else if (m.type === 'result') {
          k.rows = m.rows; k.done = true;
          if (!kids[1 - i].done) give(1 - i);
        }
      });
      k.kid.on('exit', (code) => {
        if (code !== 0 || !k.rows) { kids.forEach((o) => o.kid.kill()); reject(new Error(`bench:compare: ${suite} of ${k.b.key} (${k.b.root}) exited with ${code}`)); return; }
        if (kids.every((o) => o.rows)) resolve(kids);
      });
    });
    give(0);
  });
}

for (let r = 0; r < rounds; r++) {
  for (const suite of wanted) {
    for (const { b, rows } of await runPair(suite, r % 2 ? [1, 0] : [0, 1])) {
      for (const { name, ms } of rows) {
        if (!Number.isFinite(ms)) continue;
        const e = samples.get(name) ?? { before: [], after: [] };
        e[b.key].push(ms);
        samples.set(name, e);
      }
    }
    log(`round ${r + 1}/${rounds}: ${suite}`);
  }
  report(r + 1); // a partial table after every round, in case the run has to be stopped
}

for (const b of builds) {
  if (b.made && !keep) {
    git('worktree', 'remove', '--force', b.root);
    console.log(`bench:compare: removed the worktree ${b.root} (--keep keeps it)`);
  }
}
// the model suite's data-parallel workers and tfjs keep handles open
process.exit(0);

/**
 * One suite of one build, in this (fresh) process, run only while the parent has handed us the
 * baton: we hand it back after every turn and wait for it before doing anything else.
 * Sends the tasks' medians, named, and exits.
 */
async function runChild({ root, suite, timeCap, skip: skipSource }) {
  const TURN_MS = 10;
  const skip = new RegExp(skipSource);
  let wake = null;
  process.on('message', (m) => { if (m === 'go') { const w = wake; wake = null; w?.(); } });
  const baton = () => new Promise((res) => { wake = res; });
  const yieldBaton = async () => { const got = baton(); process.send({ type: 'yield' }); await got; };
  await baton();
  // the model suite interleaves its own rounds; here every suite run is one round
  process.env.MODEL_ROUNDS = '1';
  // The suite imports ../lib.js: give it a lib.js whose medians() reports to us.
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
  const calls = [];
  globalThis.__benchCompareMedians = async (_lib, tasks, o = {}) => {
    const got = {};
    for (const [name, fn] of Object.entries(tasks)) {
      if (!skip.test(name)) got[name] = await timeTask(fn, o);
    }
    calls.push({ tasks, got });
    // skipped tasks read as NaN (the suites' tables print it; nothing is compared)
    return Object.fromEntries(Object.keys(tasks).map((k) => [k, got[k] ?? NaN]));
  };
  /**
   * Instead of tinybench's loop: the suite's warm-up calls, then turns of ~TURN_MS of calls, the
   * baton handed to the other build after each turn, until this build has spent the suite's time
   * (`time`, default 400 ms), made its `iterations` calls (default 5) and at least 5 turns. Per
   * turn the mean ms per call; the task's time is the median over turns.
   */
  async function timeTask(fn, o) {
    const call = async () => { const r = fn(); if (r && typeof r.then === 'function') await r; };
    const budget = timeCap ?? o.time ?? 400, minCalls = o.iterations ?? 5;
    const warm = timeCap === null ? (o.warmupIterations ?? 3) : Math.min(o.warmupIterations ?? 3, 1);
    for (let i = 0; i < warm; i++) await call();
    let perTurn = 1, spent = 0, calls = 0;
    const turns = [];
    while (spent < budget || calls < minCalls || turns.length < 5) {
      const t = performance.now();
      for (let i = 0; i < perTurn; i++) await call();
      const ms = performance.now() - t;
      turns.push(ms / perTurn);
      spent += ms; calls += perTurn;
      await yieldBaton();
      // calls per turn so a turn lasts about TURN_MS (at least one call)
      perTurn = Math.max(1, Math.round(TURN_MS / (ms / perTurn)));
    }
    return median(turns);
  }
  const idx = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
  await idx.init();
  const m = await import(pathToFileURL(join(root, `dist/bench/suites/${suite}.js`)).href);
  process.chdir(root); // a suite may read its own sources (gemm compiles assembly/gemm/probe.ts)
  const sections = await m.suite();
  const rows = names(suite, sections, calls).map(({ name, ms }) => ({ name, ms: Number.isFinite(ms) ? ms : null }));
  process.send({ type: 'result', rows }, () => process.exit(0));
}
