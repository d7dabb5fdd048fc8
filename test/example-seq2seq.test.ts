/**
 * The seq2seq example's data (dates written by rule, split by day, the Keras
 * lstm_seq2seq one-hot format) checked against values written out here from
 * the rules, and a smoke run of the example (--smoke: a tiny model, one epoch),
 * which checks the plumbing — training model, inference encoder/decoder,
 * greedy decoding — not the accuracy, which the full run reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DAY_COUNT, FORMATS, dateSplits, dayAt, iso } from '../examples/lib/seq2seq-dates.js';
import { END, START, encodeSources, encodeTargets, vocabularies } from '../examples/lib/seq2seq-vocab.js';
import { exactMatch } from '../examples/lib/seq2seq-model.js';
import { main } from '../examples/seq2seq.js';

const out = mkdtempSync(join(tmpdir(), 'lstm-wasm-seq2seq-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
vi.spyOn(console, 'log').mockImplementation(() => {});
vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

describe('seq2seq dates', () => {
  it('counts the days 1900-01-01 … 2099-12-31: 200·365 + 49 leap days (1904 … 2096, 1900 is not one)', () => {
    expect(DAY_COUNT).toBe(200 * 365 + 49);
    expect(dayAt(0)).toEqual({ year: 1900, month: 1, day: 1 });
    expect(dayAt(59)).toEqual({ year: 1900, month: 3, day: 1 }); // 31 + 28 days later: no February 29 in 1900
    expect(dayAt(DAY_COUNT - 1)).toEqual({ year: 2099, month: 12, day: 31 });
  });

  it('writes every format by its rule', () => {
    const d = { year: 2014, month: 3, day: 7 };
    expect(FORMATS.map((f) => f.write(d))).toEqual([
      'March 7, 2014', '7 March 2014', 'Mar 7, 2014', '7 Mar 2014', 'March 7th, 2014', 'mar 7 2014', '03/07/2014', '07.03.2014',
    ]);
    expect(iso(d)).toBe('2014-03-07');
    const ordinals = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map((day) => FORMATS[4].write({ year: 1999, month: 12, day }).split(' ')[1]);
    expect(ordinals).toEqual(['1st,', '2nd,', '3rd,', '4th,', '11th,', '12th,', '13th,', '21st,', '22nd,', '23rd,', '31st,']);
  });

  it('holds out whole days: no validation or test day appears in training, in any format; same seed, same split', () => {
    const s = dateSplits(3000, 200, 300, 9);
    const trainDays = new Set(s.train.map((p) => p.target));
    expect(s.test.filter((p) => trainDays.has(p.target))).toEqual([]);
    expect(s.validation.filter((p) => trainDays.has(p.target))).toEqual([]);
    expect(new Set([...s.test, ...s.validation].map((p) => p.target)).size).toBe(500);
    expect(dateSplits(3000, 200, 300, 9)).toEqual(s);
    expect(new Set(s.train.map((p) => p.source.replace(/\d/g, '9').replace(/[A-Za-z]+/g, 'M'))).size).toBeGreaterThanOrEqual(6);
  });
});

describe('seq2seq one-hot format', () => {
  const pairs = [{ source: '7 Mar 2014', target: '2014-03-07' }, { source: '03/07/2014', target: '2014-3' }];
  const v = vocabularies(pairs);

  const decode = (t: { shape: number[]; data: ArrayLike<number> }, chars: string[]) => {
    const [N, L, V] = t.shape, rows: string[] = [];
    for (let n = 0; n < N; n++) {
      let s = '';
      for (let l = 0; l < L; l++) {
        const row = Array.from(t.data).slice((n * L + l) * V, (n * L + l + 1) * V);
        const sum = row.reduce((a, b) => a + b, 0);
        expect(sum === 0 || sum === 1).toBe(true);
        s += sum === 0 ? '_' : chars[row.indexOf(1)];
      }
      rows.push(s);
    }
    return rows;
  };

  it('sources are left-padded with spaces; the decoder target is the decoder input shifted by one, END last, zero rows after', () => {
    expect(v.sourceLen).toBe(10);
    expect(v.targetLen).toBe(11);
    expect(decode(encodeSources(['7 Mar 2014', '1/2/3'], v.source, 10), v.source.chars)).toEqual(['7 Mar 2014', '     1/2/3']);
    const { decoderInput, decoderTarget } = encodeTargets(pairs.map((p) => p.target), v.target, v.targetLen);
    expect(decode(decoderInput, v.target.chars)).toEqual([`${START}2014-03-07`, `${START}2014-3____`]);
    expect(decode(decoderTarget, v.target.chars)).toEqual([`2014-03-07${END}`, `2014-3${END}____`]);
  });

  it('refuses characters outside the vocabulary and sources longer than the steps, naming them', () => {
    expect(() => encodeSources(['7 Mar 2014!'], v.source, 12)).toThrow(/encoder input: character "!" is not in the vocabulary/);
    expect(() => encodeSources(['7 Mar 2014'], v.source, 9)).toThrow(/encoder input: "7 Mar 2014" has 10 characters, more than 9 steps/);
  });

  it('exact match counts whole strings only', () => {
    expect(exactMatch(['2014-03-07', '2014-03-08', '2014-03'], ['2014-03-07', '2014-03-07', '2014-03-07'])).toBeCloseTo(1 / 3, 12);
  });
});

it('seq2seq --smoke trains the encoder–decoder and decodes the held-out days greedily', async () => {
  const r = await main(['--smoke', '--out', out]);
  expect(r.epochs).toBe(1);
  expect(r.validation).toHaveLength(1);
  expect(r.examples).toHaveLength(64);
  for (const e of r.examples) expect(e.decoded.length).toBeLessThanOrEqual(11);
  expect(r.testExactMatch).toBe(r.examples.filter((e) => e.decoded === e.target).length / 64);
  const svg = readFileSync(join(out, 'seq2seq-curves.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('exact_match');
}, 120_000);
