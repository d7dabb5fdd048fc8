/**
 * ProgressBar: the Keras `Progbar` line that fit() prints per epoch.
 *
 *   TTY, while running (redrawn in place with '\r', at most every `interval` ms):
 *     12/47 [======>.......................] - ETA: 4s - loss: 0.4123 - accuracy: 0.8125
 *   TTY, at done():
 *     47/47 [==============================] - 5s 100ms/step - loss: 0.3000 - accuracy: 0.9000
 *   not a TTY (logs, CI, browsers): nothing until done(), then one line
 *     47/47 - 5s 100ms/step - loss: 0.3000 - accuracy: 0.9000
 *
 * Formats follow Keras: bar width 30, counter padded to the digits of total,
 * ETA as `Ns`, `M:SS` or `H:MM:SS`, values `%.4f` (or `%.4e` when |v| <= 1e-3).
 * Values are shown as given: fit() passes running means, like tf.keras'
 * stateful metrics (this bar does no averaging of its own).
 *
 * The writer and the clock are injected so the bar is pure and testable; by
 * default it writes to process.stdout, or in a browser to console.log (as a
 * non-TTY, one line per done()).
 */

/** Where the bar writes. `isTTY` selects live redraws. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Steps in the epoch (batches), a positive integer. */
  total: number;
  /** Bar width in characters. Default 30. */
  width?: number;
  /** Default: process.stdout in Node, console.log elsewhere. */
  stream?: ProgressStream;
  /** Milliseconds, monotonic. Default performance.now. */
  clock?: () => number;
  /** Minimum milliseconds between redraws on a TTY. Default 50 (Keras' 0.05 s). */
  interval?: number;
}

/** A non-TTY stream that hands complete lines to `log` (console.log by default). */
export function consoleStream(log: (line: string) => void = (l) => console.log(l)): ProgressStream {
  let pending = '';
  return {
    isTTY: false,
    write(chunk: string) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        log(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
  };
}

type Proc = { stdout?: { write?: unknown; isTTY?: boolean } } | undefined;

/** process.stdout when there is one (Node), else console.log (browsers, workers). */
export function defaultStream(env: { process?: Proc } = globalThis as { process?: Proc }): ProgressStream {
  const out = env.process?.stdout;
  if (out && typeof out.write === 'function') return out as ProgressStream;
  return consoleStream();
}

/** Python '%.4f' / '%.4e' as Keras uses them for values. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  // JS writes 'e-4', Python 'e-04'
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Keras' ETA format; seconds are truncated like Python's '%d'. */
export function formatEta(seconds: number): string {
  const s = Math.floor(seconds);
  if (seconds > 3600) return `${Math.floor(s / 3600)}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  if (seconds > 60) return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
  return `${s}s`;
}

/** Keras' per-step time: s, ms or us, rounded. */
export function formatPerStep(seconds: number): string {
  if (seconds >= 1 || seconds === 0) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function defaultClock(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? () => perf.now() : () => Date.now();
}

/** The Keras-style progress bar `fit` prints with `verbose: 1`; usable on its own for custom loops. */
export class ProgressBar {
  readonly total: number;
  readonly width: number;
  private readonly stream: ProgressStream;
  private readonly clock: () => number;
  private readonly interval: number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastWidth = 0;
  private current = 0;
  private finished = false;

  constructor(options: ProgressBarOptions) {
    const fn = 'ProgressBar';
    if (options == null || typeof options !== 'object') {
      throw new Error(`${fn}: argument 'options' must be an object with 'total', got ${String(options)}`);
    }
    const { total, width = 30, stream = defaultStream(), clock = defaultClock(), interval = 50 } = options;
    if (!Number.isInteger(total) || total < 1) throw new Error(`${fn}: option 'total' must be a positive integer, got ${String(total)}`);
    if (!Number.isInteger(width) || width < 1) throw new Error(`${fn}: option 'width' must be a positive integer, got ${String(width)}`);
    if (stream == null || typeof stream.write !== 'function') throw new Error(`${fn}: option 'stream' must have a write(string) method`);
    if (typeof clock !== 'function') throw new Error(`${fn}: option 'clock' must be a function returning milliseconds`);
    if (typeof interval !== 'number' || !(interval >= 0)) throw new Error(`${fn}: option 'interval' must be a number >= 0, got ${String(interval)}`);
    this.total = total;
    this.width = width;
    this.stream = stream;
    this.clock = clock;
    this.interval = interval;
    this.start = clock();
  }

  /** Records progress after `current` steps; redraws on a TTY (throttled). */
  update(current: number, values: Record<string, number> = {}): void {
    this.check('update', current, values);
    this.current = current;
    if (!this.stream.isTTY) return;
    const now = this.clock();
    if (now - this.lastDraw < this.interval && current < this.total) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    let line = `${this.counter(current)} ${this.bar(current)}`;
    if (current < this.total) {
      // As Keras: average time per finished step times steps left (no estimate before the first step).
      if (current > 0) line += ` - ETA: ${formatEta((elapsed / current) * (this.total - current))}`;
    } else {
      line += this.timing(elapsed, current);
    }
    this.draw(line + formatValues(values));
  }

  /** Ends the epoch: the final line (with a newline) on any stream. */
  done(values: Record<string, number> = {}): void {
    this.check('done', this.total, values);
    this.current = this.total;
    this.finished = true;
    const elapsed = (this.clock() - this.start) / 1000;
    const timing = this.timing(elapsed, this.total);
    if (this.stream.isTTY) {
      this.draw(`${this.counter(this.total)} ${this.bar(this.total)}${timing}${formatValues(values)}`);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.counter(this.total)}${timing}${formatValues(values)}\n`);
    }
  }

  private check(method: string, current: number, values: Record<string, number>): void {
    const fn = `ProgressBar.${method}`;
    if (this.finished) throw new Error(`${fn}: the bar is already done; create a new ProgressBar for the next epoch`);
    if (!Number.isInteger(current) || current < 0 || current > this.total) {
      throw new Error(`${fn}: argument 'current' must be an integer in [0, ${this.total}], got ${String(current)}`);
    }
    if (values == null || typeof values !== 'object') throw new Error(`${fn}: argument 'values' must be an object of numbers, got ${String(values)}`);
    for (const [k, v] of Object.entries(values)) {
      if (typeof v !== 'number') throw new Error(`${fn}: value '${k}' must be a number, got ${typeof v}`);
    }
  }

  private counter(current: number): string {
    const digits = String(this.total).length;
    return `${String(current).padStart(digits)}/${this.total}`;
  }

  private bar(current: number): string {
    const filled = Math.floor((this.width * current) / this.total);
    let s = '[';
    if (filled > 0) s += '='.repeat(filled - 1) + (current < this.total ? '>' : '=');
    return s + '.'.repeat(this.width - filled) + ']';
  }

  private timing(elapsed: number, steps: number): string {
    return ` - ${elapsed.toFixed(0)}s ${formatPerStep(elapsed / steps)}`;
  }

  /** Rewrites the current line, blanking what a longer previous line left behind. */
  private draw(line: string): void {
    const pad = Math.max(0, this.lastWidth - line.length);
    this.stream.write('\r' + line + ' '.repeat(pad));
    this.lastWidth = line.length;
  }
}

function formatValues(values: Record<string, number>): string {
  let s = '';
  for (const [k, v] of Object.entries(values)) s += ` - ${k}: ${formatValue(v)}`;
  return s;
}
