/**
 * The seq2seq example's task: date-format translation with a generated rule.
 * A calendar day written in one of several human formats ("March 7, 2014",
 * "7 Mar 2014", "03/07/2014", …) maps to its ISO 8601 form "2014-03-07".
 *
 * Days are counted from 1900-01-01 to 2099-12-31 (73 049 days). The split is
 * by DAY, not by example: a held-out day never appears in training in any
 * format, so exact match on held-out days measures the rule, not memory.
 */
import { seededUniform } from './common.js';

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export interface Day { year: number; month: number; day: number }

const FIRST = Date.UTC(1900, 0, 1);
/** Days in the range: 1900-01-01 … 2099-12-31. */
export const DAY_COUNT = (Date.UTC(2100, 0, 1) - FIRST) / 864e5;

/** The k-th day of the range (0 = 1900-01-01). */
export function dayAt(k: number): Day {
  const d = new Date(FIRST + k * 864e5);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const ordinal = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

/** The input formats, each a rule from a day to a string. Numeric ones differ by separator, so none is ambiguous. */
export const FORMATS: { name: string; write: (d: Day) => string }[] = [
  { name: 'MMMM d, yyyy', write: (d) => `${MONTHS[d.month - 1]} ${d.day}, ${d.year}` },
  { name: 'd MMMM yyyy', write: (d) => `${d.day} ${MONTHS[d.month - 1]} ${d.year}` },
  { name: 'MMM d, yyyy', write: (d) => `${MONTHS[d.month - 1].slice(0, 3)} ${d.day}, ${d.year}` },
  { name: 'd MMM yyyy', write: (d) => `${d.day} ${MONTHS[d.month - 1].slice(0, 3)} ${d.year}` },
  { name: 'MMMM do, yyyy', write: (d) => `${MONTHS[d.month - 1]} ${ordinal(d.day)}, ${d.year}` },
  { name: 'mmm d yyyy', write: (d) => `${MONTHS[d.month - 1].slice(0, 3).toLowerCase()} ${d.day} ${d.year}` },
  { name: 'MM/dd/yyyy', write: (d) => `${pad2(d.month)}/${pad2(d.day)}/${d.year}` },
  { name: 'dd.MM.yyyy', write: (d) => `${pad2(d.day)}.${pad2(d.month)}.${d.year}` },
];

/** The target: ISO 8601 "yyyy-MM-dd". */
export const iso = (d: Day): string => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;

export interface Pair { source: string; target: string }

export interface DateSplits { train: Pair[]; validation: Pair[]; test: Pair[] }

/**
 * Disjoint sets of days for validation and test (`nVal`, `nTest` days, one
 * random format each); `nTrain` training pairs drawn (day and format
 * uniformly) from the remaining days. Deterministic for a seed.
 */
export function dateSplits(nTrain: number, nVal: number, nTest: number, seed: number): DateSplits {
  const rand = seededUniform(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const days = Int32Array.from({ length: DAY_COUNT }, (_, i) => i);
  for (let i = days.length - 1; i > 0; i--) { const j = pick(i + 1); [days[i], days[j]] = [days[j], days[i]]; }
  const pair = (k: number): Pair => { const d = dayAt(k); return { source: FORMATS[pick(FORMATS.length)].write(d), target: iso(d) }; };
  const test = Array.from(days.subarray(0, nTest), pair);
  const validation = Array.from(days.subarray(nTest, nTest + nVal), pair);
  const rest = days.subarray(nTest + nVal);
  const train = Array.from({ length: nTrain }, () => pair(rest[pick(rest.length)]));
  return { train, validation, test };
}
