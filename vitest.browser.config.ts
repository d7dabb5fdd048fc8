/**
 * The kernel test suite in headless Chromium (Vitest browser mode, Playwright
 * provider, Debian's /usr/bin/chromium — Playwright's own browser downloads
 * are never used). Run through `npm run test:browser` (scripts/run-tests.mjs),
 * which skips it, loudly, where no Chromium is installed.
 *
 * Every test/**\/*.test.ts runs here except files that import Node built-ins
 * or native packages (listed at start, with the reason). Fixture readers are
 * not excluded: see SHIMS below. The `asc`
 * compiler API works too (test/browser/asc-browser.ts). The determinism test
 * compares digests with the Node side through the `nodeKernelDigests` command.
 */
import { defineConfig, type Plugin } from 'vitest/config';
import type { BrowserCommand } from 'vitest/node';
import '@vitest/browser/providers/playwright';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeDigests } from './test/browser/corpus.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Test files that import Node built-ins or native `*-node` packages
 * (onnxruntime-node), directly or through a helper under test/, are
 * Node-only. Exception: the few built-in functions fixture readers use are
 * shimmed for test/ files (test/browser/shim-*.ts) — fs reads of
 * shared/fixtures (served from a snapshot), fileURLToPath, path.join —
 * so those files still run in Chromium.
 */
const SHIMS: Record<string, { file: string; names: Set<string> }> = {
  fs: { file: 'shim-fs.ts', names: new Set(['readFileSync', 'readdirSync', 'existsSync']) },
  url: { file: 'shim-url.ts', names: new Set(['fileURLToPath', 'pathToFileURL']) },
  path: { file: 'shim-path.ts', names: new Set(['join', 'dirname', 'basename', 'sep']) },
};
const BUILTIN_IMPORT = /(?:import\s+([^'";]*?)\s+from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[\w/]+|fs|fs\/promises|path|url|os|child_process|worker_threads|zlib|crypto)['"]/g;
/** Packages that only load in Node (native addons): `*-node` by convention. */
const NODE_PACKAGE = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:@[\w.-]+\/)?[\w.-]+-node(?:\/[^'"]*)?['"]/;
const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const testDir = join(root, 'test') + sep;

/** Why `file` cannot run in a page, or null; follows relative imports that stay inside test/. */
function needsNode(file: string, seen = new Set<string>()): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const native = NODE_PACKAGE.exec(source);
  if (native) return native[0];
  for (const [, clause, mod] of source.matchAll(BUILTIN_IMPORT)) {
    const shim = SHIMS[mod.replace(/^node:/, '')];
    const names = /^\{([^}]*)\}$/.exec((clause ?? '').trim());
    const ok = shim && names && names[1].split(',').map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean)
      .every((n) => shim.names.has(n));
    if (!ok) return mod;
  }
  for (const [, spec] of source.matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (target.startsWith(testDir) && existsSync(target)) {
      const why = needsNode(target, seen);
      if (why) return `${relative(root, target)}: ${why}`;
    }
  }
  return null;
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p).split('\\').join('/'));
  }
  return out.sort();
}

const all = testFiles(join(root, 'test'));
const nodeOnly = all.map((f) => [f, needsNode(join(root, f))] as const).filter(([, why]) => why);
const g = globalThis as { lstmWasmListed?: boolean };
if (nodeOnly.length && !g.lstmWasmListed) { // vitest evaluates this config twice
  g.lstmWasmListed = true;
  console.log('browser suite: Node-only, not run in Chromium:\n'
    + nodeOnly.map(([f, why]) => `  ${f} (imports ${why})`).join('\n'));
}

/**
 * shared/fixtures/** (beside the repo) and the repo's own generated test/fixtures/** (keys prefixed
 * `repo-test/`) as { relPath: {text} | {base64} }, for the fs shim.
 */
function fixturesSnapshot(): Record<string, { text?: string; base64?: string }> {
  const out: Record<string, { text?: string; base64?: string }> = {};
  const walk = (base: string, prefix: string, dir = base) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) { walk(base, prefix, p); continue; }
      const rel = prefix + relative(base, p).split('\\').join('/');
      const buf = readFileSync(p);
      out[rel] = /\.(json|md|txt|csv)$/.test(e.name) ? { text: buf.toString('utf8') } : { base64: buf.toString('base64') };
    }
  };
  const shared = join(root, '..', 'shared', 'fixtures'), own = join(root, 'test', 'fixtures');
  if (existsSync(shared)) walk(shared, '');
  if (existsSync(own)) walk(own, 'repo-test/');
  return out;
}

const FIXTURES_ID = 'virtual:shared-fixtures';
const fixturesPlugin: Plugin = {
  name: 'lstm-wasm-browser-fixtures',
  enforce: 'pre',
  resolveId(id, importer) {
    if (id === FIXTURES_ID) return `\0${FIXTURES_ID}`;
    const shim = SHIMS[id.replace(/^node:/, '')];
    if (shim && importer?.startsWith(testDir)) return join(root, 'test', 'browser', shim.file);
    return null;
  },
  load(id) {
    return id === `\0${FIXTURES_ID}` ? `export default ${JSON.stringify(fixturesSnapshot())};` : null;
  },
};

/**
 * Serves shared/fixtures/** read-only at /__fixtures__/ so browser tests can load
 * the tfjs-saved models over real HTTP (fetch + shard paths relative to model.json).
 */
const fixturesHttp: Plugin = {
  name: 'lstm-wasm-fixtures-http',
  configureServer(server) {
    const base = join(root, '..', 'shared', 'fixtures');
    server.middlewares.use('/__fixtures__/', (req, res, next) => {
      const rel = decodeURIComponent((req.url ?? '').split('?')[0]).replace(/^\/+/, '');
      const abs = resolve(base, rel);
      if (relative(base, abs).startsWith('..') || !existsSync(abs)) return next();
      res.setHeader('Content-Type', abs.endsWith('.json') ? 'application/json' : 'application/octet-stream');
      res.end(readFileSync(abs));
    });
  },
};

/** Runs the determinism corpus in this (Node) process, for test/browser/determinism.test.ts. */
const nodeKernelDigests: BrowserCommand<[]> = async () => runtimeDigests();

/** A project source file as text, or null (asc probes paths); confined to the repository. */
const readSource: BrowserCommand<[path: string]> = async (_ctx, path) => {
  const abs = resolve(root, path);
  if (relative(root, abs).startsWith('..')) throw new Error(`readSource: ${path} is outside the repository`);
  try { return readFileSync(abs, 'utf8'); } catch { return null; }
};

export default defineConfig({
  plugins: [fixturesPlugin, fixturesHttp],
  resolve: {
    // asc in a page: same compiler, file reads go through the readSource command
    alias: [{ find: /^assemblyscript\/asc$/, replacement: join(root, 'test/browser/asc-browser.ts') },
      // package.json "imports" maps #platform to dist/; tests run the sources
      { find: /^#platform$/, replacement: join(root, 'src/platform/browser.ts') }],
  },
  test: {
    include: all.filter((f) => !nodeOnly.some(([n]) => n === f)),
    // wasm bytes load lazily in browsers; the kernel tests use them without init()
    setupFiles: ['test/browser/setup-wasm.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      provider: 'playwright',
      headless: true,
      screenshotFailures: false,
      commands: { nodeKernelDigests, readSource },
      instances: [{
        browser: 'chromium',
        launch: {
          executablePath: chromium,
          args: [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
          ],
        },
      }],
    },
  },
});
