/**
 * Browser-only: when the training worker cannot start (a bundler that did not emit
 * it, a 404), the error names the URL that was tried. Defect: the error said only
 * "worker failed to start".
 */
import { describe, it, expect, afterEach } from 'vitest';
import { spawnTrainingWorker } from '../../src/parallel/port.js';

const Native = globalThis.Worker;
afterEach(() => { globalThis.Worker = Native; });

describe('training worker that cannot start', () => {
  it('the error names the URL it tried (worker_error_without_url)', async () => {
    // A stand-in for a script that does not load: an error event with no message, as Chromium gives for a 404.
    globalThis.Worker = class extends EventTarget {
      onerror: ((e: Event) => void) | null = null;
      constructor(readonly url: string | URL) {
        super();
        setTimeout(() => this.onerror?.(new Event('error')), 0);
      }
      postMessage() {}
      terminate() {}
    } as unknown as typeof Worker;
    const port = await spawnTrainingWorker();
    const err = await new Promise<Error>((resolve) => port.listen(() => {}, resolve));
    expect(err.message).toMatch(/^training worker (http|blob)[^ ]*worker[^ ]* /);
    expect(err.message).toMatch(/failed to start.*a bundler must emit this file/);
    expect(globalThis.Worker).not.toBe(Native); // our stand-in is back in place: the hook was removed
  });

  it('a constructor that throws (bad URL, CSP) is rethrown with the URL', async () => {
    globalThis.Worker = class { constructor() { throw new Error('Refused by Content-Security-Policy'); } } as unknown as typeof Worker;
    await expect(spawnTrainingWorker()).rejects.toThrow(/^training worker (http|blob)[^ ]*worker[^ ]*: Refused by Content-Security-Policy/);
  });
});
