/**
 * Tooling a user meets first: npm test's summary line, and the char-rnn sample output.
 */
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { formatSample } from '../examples/lib/sample-text.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm test summary (skipped_browser_suite_counted_as_zero)', () => {
  it('a browser suite that cannot run is counted as skipped, not as 0 skipped', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/run-tests.mjs', 'all', 'test/options.test.ts'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium', LSTM_WASM_REQUIRE_BROWSER: '' },
      timeout: 180_000,
    });
    const last = stdout.trim().split('\n').pop()!;
    // options.test.ts has 5 tests; run in Node, and the same 5 not run in Chromium
    expect(last).toBe('5 passed, 0 failed, 5 skipped (browser suite not run: 5 tests in 1 files)');
    expect(stdout).toMatch(/browser suite: SKIPPED — no Chromium at \/nonexistent\/chromium/);
  }, 200_000);
});

describe('char-rnn sample output (seed_and_generated_text_run_together)', () => {
  it('prints the seed and the generated text on separate labelled lines, quoted', () => {
    expect(formatSample('call me ishmael.', ' and the sea\n')).toBe('seed:      "call me ishmael."\ngenerated: " and the sea\\n"');
  });
});
