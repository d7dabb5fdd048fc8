#!/usr/bin/env node
/**
 * `npm run check:bundlers` (CI): the package as a user gets it (`npm pack`,
 * unpacked into a fresh app's node_modules) bundled by esbuild, webpack 5 and
 * Vite with their defaults, each page run in headless Chromium.
 *
 * Per bundler, two pages:
 *   train   — init(), two training steps with fit({ threads: 2 }) (a Web Worker
 *             the bundler emitted), compared with the same two steps on one
 *             thread, then predict;
 *   predict — init() + Sequential + predict only: the gzip size of every script
 *             the page fetched must stay within BUDGET_KB (the lean-package budget).
 * Fails on any bundler warning or error, a page error, a wrong result, or a
 * budget overrun. Prints one table of sizes.
 *
 *   node scripts/check-bundlers.mjs [--keep]     (--keep: leave the temp dir)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, createReadStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_KB = 100;
const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const tmp = mkdtempSync(join(tmpdir(), 'lstm-wasm-bundlers-'));
const fail = [];

// ---- the app: a fresh project with the packed package installed ------------
function installPacked(app) {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' });
  const tgz = join(tmp, out.trim().split('\n').pop());
  const dest = join(app, 'node_modules', 'lstm-wasm');
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', dest, '--strip-components=1']);
  // its runtime dependencies, as npm would install them next to it
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  // and the optional peer protobufjs (io.toONNX): bundlers resolve its import at build time
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]) {
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
}

const TRAIN_PAGE = `
import { init, Sequential, layers, tensor, getBackend } from 'lstm-wasm';

function model() {
  return new Sequential([
    layers.lstm({ units: 5, inputShape: [4, 3] }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ], { seed: 7 });
}

async function main() {
  await init();
  const n = 12;
  const x = tensor(Array.from({ length: n * 4 * 3 }, (_, i) => Math.sin(i * 0.37)), [n, 4, 3]);
  const y = tensor(Array.from({ length: n }, (_, i) => i % 2), [n, 1]);
  const runs = [];
  for (const threads of [1, 2]) {
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    // batchSize 6 over 12 rows, no shuffling: two steps
    const h = await m.fit(x, y, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0, threads });
    runs.push({ loss: h.history.loss[0], weights: m.getWeights().map((w) => Array.from(w.data)), p: Array.from(m.predict(x).data) });
    m.dispose();
  }
  return { backend: getBackend(), runs };
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e && e.stack || e) }; });
`;

const PREDICT_PAGE = `
import { init, Sequential, layers, tensor } from 'lstm-wasm';

async function main() {
  await init();
  const m = new Sequential([layers.lstm({ units: 3, inputShape: [2, 2] }), layers.dense({ units: 1 })], { seed: 1 });
  const p = m.predict(tensor([[[0.1, 0.2], [0.3, 0.4]]]));
  return { shape: p.shape, p: Array.from(p.data) };
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e && e.stack || e) }; });
`;

const html = (script) => `<!doctype html><meta charset="utf-8"><title>lstm-wasm</title><link rel="icon" href="data:,"><script type="module" src="${script}"></script>`;

// ---- the three bundlers, defaults only -------------------------------------
/** esbuild: ESM output with splitting; the worker is a second entry point (README: "Bundlers"). */
async function esbuildBuild(app, page, out) {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    absWorkingDir: app,
    entryPoints: { main: `./${page}.js`, worker: 'lstm-wasm/worker' },
    bundle: true, format: 'esm', splitting: true, platform: 'browser', minify: true,
    outdir: out, logLevel: 'silent', write: true,
  });
  writeFileSync(join(out, 'index.html'), html('./main.js'));
  return r.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`);
}

/** webpack 5 through its Node API (webpack-cli needs a newer Node), production mode. */
async function webpackBuild(app, page, out) {
  const { default: webpack } = await import('webpack');
  const stats = await new Promise((resolve, reject) => {
    webpack({ mode: 'production', context: app, entry: `./${page}.js`, output: { path: out, filename: 'main.js', clean: true } },
      (err, s) => (err ? reject(err) : resolve(s)));
  });
  const j = stats.toJson({ all: false, warnings: true, errors: true });
  writeFileSync(join(out, 'index.html'), html('./main.js'));
  return [...j.errors, ...j.warnings].map((w) => `${w.moduleName ?? ''}: ${w.message}`);
}

/** Vite 7 production build (Rollup): the default config plus the one documented line. */
async function viteBuild(app, page, out) {
  const { build, createLogger } = await import('vite');
  const warnings = [];
  const logger = createLogger('warn');
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  logger.error = (msg) => warnings.push(msg);
  const dir = join(app, `vite-${page}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), html(`../${page}.js`));
  await build({ root: dir, configFile: false, customLogger: logger, logLevel: 'warn', build: { outDir: out, emptyOutDir: true },
    worker: { format: 'es' } }); // README "Bundlers": the worker's lazy chunks need ES module workers
  return warnings;
}

// ---- serving and running a page ---------------------------------------------
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
function serve(dir) {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith(dir + sep) && path !== dir) { res.writeHead(403).end(); return; }
    let file = path;
    try { if (statSync(file).isDirectory()) file = join(file, 'index.html'); statSync(file); } catch { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runPage(browser, dir) {
  const server = await serve(dir);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const page = await browser.newPage();
  const scripts = new Set();
  const errors = [];
  page.on('request', (r) => { if (r.resourceType() === 'script' || /\.m?js$/.test(r.url())) scripts.add(r.url()); });
  page.on('worker', (w) => scripts.add(w.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
  try {
    await page.goto(base);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 120_000 });
    const result = await page.evaluate(() => window.__result);
    // scripts the worker imported appear as requests of the worker, not the page
    const gz = [...scripts].filter((u) => u.startsWith(base)).map((u) => {
      const bytes = readFileSync(join(dir, decodeURIComponent(new URL(u).pathname)));
      return gzipSync(bytes, { level: 9 }).length;
    });
    return { result, errors, gzipBytes: gz.reduce((a, b) => a + b, 0), scripts: scripts.size };
  } finally {
    await page.close();
    server.close();
  }
}

function checkTrain(name, r) {
  if (r.result.error) return `${name} train page: ${r.result.error}`;
  const [one, two] = r.result.runs;
  if (!Number.isFinite(one.loss) || !Number.isFinite(two.loss)) return `${name} train page: loss not finite (${one.loss}, ${two.loss})`;
  // data-parallel steps equal the one-thread steps up to float rounding (README: "Multi-core training")
  let worst = 0;
  one.weights.forEach((w, i) => w.forEach((v, j) => {
    worst = Math.max(worst, Math.abs(v - two.weights[i][j]) / Math.max(1e-3, Math.abs(v)));
  }));
  if (worst > 1e-4) return `${name} train page: threads: 2 weights differ from one thread by ${worst.toExponential(2)} (relative)`;
  if (!one.p.every(Number.isFinite) || one.p.length !== 12) return `${name} train page: predictions ${JSON.stringify(one.p)}`;
  return null;
}

async function main() {
  const app = join(tmp, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(join(app, 'train.js'), TRAIN_PAGE);
  writeFileSync(join(app, 'predict.js'), PREDICT_PAGE);
  installPacked(app);

  const { chromium: pw } = await import('playwright');
  const browser = await pw.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const rows = [];
  try {
    for (const [name, bundle] of [['esbuild', esbuildBuild], ['webpack', webpackBuild], ['vite', viteBuild]]) {
      const row = { name };
      for (const page of ['train', 'predict']) {
        const out = join(tmp, `out-${name}-${page}`);
        let warnings;
        try {
          warnings = await bundle(app, page, out);
        } catch (e) {
          fail.push(`${name} (${page}): build failed: ${e.message}`);
          continue;
        }
        for (const w of warnings) fail.push(`${name} (${page}) warning: ${w}`);
        const r = await runPage(browser, out);
        for (const e of r.errors) fail.push(`${name} (${page}) page: ${e}`);
        if (page === 'train') {
          const bad = checkTrain(name, r);
          if (bad) fail.push(bad);
          row.train = r.gzipBytes;
          row.backend = r.result.backend;
        } else {
          if (r.result.error) fail.push(`${name} predict page: ${r.result.error}`);
          else if (r.result.p?.length !== 1 || !Number.isFinite(r.result.p[0])) fail.push(`${name} predict page: ${JSON.stringify(r.result)}`);
          row.predict = r.gzipBytes;
          if (r.gzipBytes > BUDGET_KB * 1024) {
            fail.push(`${name}: init() + Sequential + predict pulls in ${(r.gzipBytes / 1024).toFixed(1)} KB gzip, over the ${BUDGET_KB} KB budget`);
          }
        }
      }
      rows.push(row);
    }
  } finally {
    await browser.close();
  }
  const kb = (b) => (b === undefined ? '—' : `${(b / 1024).toFixed(1)} KB`);
  console.log(`\nbundler  | predict page (gzip, budget ${BUDGET_KB} KB) | train page incl. worker (gzip) | backend`);
  for (const r of rows) console.log(`${r.name.padEnd(8)} | ${kb(r.predict).padEnd(39)} | ${kb(r.train).padEnd(30)} | ${r.backend ?? '—'}`);
  if (keep) console.log(`\nkept ${tmp}`); else rmSync(tmp, { recursive: true, force: true });
  if (fail.length) {
    console.log(`\ncheck:bundlers FAILED\n- ${fail.join('\n- ')}`);
    process.exit(1);
  }
  console.log('\ncheck:bundlers: all pages passed, no bundler warnings');
}

main().catch((e) => { console.error(e); if (!keep) rmSync(tmp, { recursive: true, force: true }); process.exit(1); });
