/**
 * Keras CSVLogger: one row per epoch, `epoch` (0-based) then the log keys in
 * sorted order; the header is written once (append: true adds to an existing
 * file without a second header). Node only (writes with node:fs).
 */
import type { Callback, Logs } from '../callbacks.js';
import { describe } from '../names.js';
import { checkOptions } from '../util/options.js';
import { platform } from '#platform';

const WHO = 'callbacks.csvLogger';

export interface CsvLoggerArgs { filename: string; separator?: string; append?: boolean }

export class CsvLogger implements Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private fs: typeof import('node:fs/promises') | null = null;

  constructor(args: CsvLoggerArgs) {
    checkOptions(args, ['filename', 'separator', 'append'], WHO);
    if (typeof args.filename !== 'string' || !args.filename) throw new Error(`${WHO}: filename must be a non-empty string, got ${describe(args.filename)}`);
    this.filename = args.filename.replace(/^file:\/\//, '');
    this.separator = args.separator ?? ',';
    this.append = args.append ?? false;
  }

  async onTrainBegin() {
    try {
      this.fs = (await platform.nodeFiles()).fs; // '#platform': no node: import reachable from a browser bundle
    } catch {
      throw new Error(`${WHO}: writing '${this.filename}' needs Node's file system`);
    }
    this.keys = null;
    if (this.append) {
      const old = await this.fs.readFile(this.filename, 'utf8').catch(() => '');
      if (old.trim()) this.keys = old.split('\n')[0].split(this.separator).slice(1);
    } else {
      await this.fs.writeFile(this.filename, '');
    }
  }

  async onEpochEnd(epoch: number, logs: Logs = {}) {
    let out = '';
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      out += ['epoch', ...this.keys].join(this.separator) + '\n';
    }
    out += [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))].join(this.separator) + '\n';
    await this.fs!.appendFile(this.filename, out);
  }
}
