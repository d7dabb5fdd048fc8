#!/usr/bin/env node
/**
 * `npm test`: the Node suite, then the same kernel suite in headless Chromium.
 *
 *   node scripts/run-tests.mjs [node|browser|all] [vitest args…]
 *
 * Without Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) the browser part is
 * SKIPPED with a clear line and the run still exits 0 — unless
 * LSTM_WASM_REQUIRE_BROWSER=1 (set by .ci/run), where a skip is a failure.
 * Ends with one plain summary line, "N passed, N failed, N skipped", summed
 * over both suites from Vitest's JSON reports. A browser suite that did not run
 * counts as skipped: every test its files hold in the Node run; its browser-only
 * files are named (their tests are only collected in a browser).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const which = ['node', 'browser', 'all'].includes(process.argv[2]) ? process.argv[2] : 'all';
const extra = process.argv.slice(which === process.argv[2] ? 3 : 2);
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const requireBrowser = process.env.LSTM_WASM_REQUIRE_BROWSER === '1';
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'lstm-wasm-tests-'));

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
/** Tests per file (absolute path) in the Node run, for counting a skipped browser suite. */
const nodeTestsPerFile = new Map();
let skippedNote = '';

/** One vitest run; adds its counts to the totals. A run that crashed before reporting counts as a failure. */
function suite(label, configArgs) {
  const report = join(tmp, `${label}.json`);
  console.log(`\n=== ${label} suite ===`);
  const r = spawnSync(process.execPath, [vitest, 'run', ...configArgs,
    '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { cwd: root, stdio: 'inherit' });
  let counted = false;
  try {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    // a file that failed outside any test (import error, failing beforeAll) counts as one failure
    const fileErrors = j.testResults.filter((f) => f.status === 'failed'
      && !f.assertionResults.some((a) => a.status === 'failed')).length;
    const failed = j.numFailedTests + fileErrors;
    totals.passed += j.numPassedTests;
    totals.failed += failed;
    totals.skipped += j.numPendingTests + j.numTodoTests;
    if (label === 'node') for (const f of j.testResults) nodeTestsPerFile.set(f.name, f.assertionResults.length);
    counted = true;
    console.log(`${label} suite: ${j.numPassedTests} passed, ${failed} failed`
      + (fileErrors ? ` (${fileErrors} file(s) failed to load or set up)` : ''));
  } catch { /* no report: the run itself failed */ }
  if (r.status !== 0 || !counted) {
    exitCode = 1;
    if (!counted) { totals.failed += 1; console.log(`${label} suite: vitest exited with ${r.status ?? r.signal} and no report`); }
  }
}

/** The browser suite's test files (listed without a browser) and what skipping them skips. */
function skippedBrowserSuite() {
  const r = spawnSync(process.execPath, [vitest, 'list', '--config', 'vitest.browser.config.ts', '--filesOnly', '--json'],
    { cwd: root, encoding: 'utf8' });
  let files;
  try { files = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))).map((f) => f.file); } catch { return null; }
  // file filters given to npm test (vitest matches them as substrings of the path)
  const filters = extra.filter((a) => !a.startsWith('-'));
  if (filters.length) files = files.filter((f) => filters.some((p) => f.includes(p)));
  const unknown = files.filter((f) => !nodeTestsPerFile.has(f));
  const tests = files.reduce((n, f) => n + (nodeTestsPerFile.get(f) ?? 0), 0);
  return { files: files.length, tests, browserOnly: unknown.map((f) => f.slice(root.length)) };
}

function hasChromium() {
  try { accessSync(chromium, constants.X_OK); return true; } catch { return false; }
}

if (which !== 'browser') suite('node', []);
if (which !== 'node') {
  if (hasChromium()) {
    suite('browser', ['--config', 'vitest.browser.config.ts']);
  } else if (requireBrowser) {
    console.log(`\nbrowser suite: FAILED — no Chromium at ${chromium}, and LSTM_WASM_REQUIRE_BROWSER=1 forbids skipping it`);
    totals.failed += 1;
    exitCode = 1;
  } else {
    console.log(`\nbrowser suite: SKIPPED — no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);
    const s = skippedBrowserSuite();
    if (s) {
      totals.skipped += s.tests;
      skippedNote = ` (browser suite not run: ${s.tests} tests in ${s.files} files`
        + (s.browserOnly.length ? `, ${s.browserOnly.length} of them browser-only and not counted: ${s.browserOnly.join(', ')}` : '') + ')';
    } else {
      totals.skipped += 1;
      skippedNote = ' (browser suite not run)';
    }
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${skippedNote}`);
process.exit(exitCode);
