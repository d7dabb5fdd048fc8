/**
 * fflate and jsfive are imported lazily: a bundle of an app that never loads a
 * Keras file does not carry them in the part it loads up front (esbuild, ESM
 * with code splitting, the app importing the package's index).
 */
import { describe, it, expect } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

describe('bundle cost of the Keras-file dependencies', () => {
  it('the eagerly loaded chunks hold neither jsfive nor fflate; both are lazy chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keras-bundle-test-'));
    try {
      const entry = join(dir, 'app.ts');
      writeFileSync(entry, `import { Sequential, layers, io } from ${JSON.stringify(resolve('src/index.ts'))};\n` +
        'console.log(new Sequential([layers.dense({ units: 1, inputShape: [2] })]).countParams(), typeof io.fromKeras);\n');
      const r = await build({ entryPoints: [entry], bundle: true, splitting: true, format: 'esm', platform: 'browser',
        outdir: join(dir, 'out'), metafile: true, write: false, logLevel: 'silent', external: ['node:*'] });
      const outs = r.metafile.outputs;
      const main = Object.keys(outs).find((f) => outs[f].entryPoint?.endsWith('app.ts'))!;
      const eager = new Set<string>();
      const visit = (f: string) => { if (eager.has(f)) return; eager.add(f); for (const i of outs[f].imports) if (i.kind === 'import-statement') visit(i.path); };
      visit(main);
      const eagerInputs = [...eager].flatMap((f) => Object.keys(outs[f].inputs));
      expect(eagerInputs.some((i) => i.includes('src/model-io.ts'))).toBe(true);
      // package paths as esbuild reports them: node_modules/jsfive/… (or the real path node_modules links to)
      expect(eagerInputs.filter((i) => /(^|\/)(jsfive|fflate)\/|src\/keras\/file\/(load|zip|hdf5|npz|pickle)\.ts/.test(i))).toEqual([]);
      const lazyInputs = Object.keys(outs).filter((f) => !eager.has(f)).flatMap((f) => Object.keys(outs[f].inputs));
      expect(lazyInputs.some((i) => /(^|\/)jsfive\//.test(i))).toBe(true);
      expect(lazyInputs.some((i) => /(^|\/)fflate\//.test(i))).toBe(true);
      expect(lazyInputs.some((i) => i.includes('src/keras/file/load.ts'))).toBe(true);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 60_000);
});
