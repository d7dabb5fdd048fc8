/**
 * The package as a downstream project gets it: `npm pack` of the built package,
 * unpacked into fresh projects' node_modules (what `npm install lstm-wasm` gives).
 *
 * - its contents: only what runs (no source maps without sources, no raw .wasm
 *   nothing loads, small declaration files, LICENSE);
 * - the Quick start as an ESM script, through CommonJS `require`, and compiled by
 *   strict TypeScript projects (ESM and CommonJS, `skipLibCheck: false`);
 * - the README's TypeScript blocks compiled under `strict` with `skipLibCheck: false`
 *   in a Node project (no DOM library) and in a DOM project (no @types/node);
 * - the browser build: from the entry, under the `browser` condition, no `node:`
 *   import is reachable (the bundlers' view; scripts/check-bundlers.mjs runs them).
 *
 * Needs dist/ (npm test builds it first).
 */
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let tmp = '';
let files: string[] = [];

/** A fresh project with the packed package (and its runtime dependencies) installed. */
function project(name: string, pkg: object, withNodeTypes: boolean): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...pkg }));
  execFileSync('tar', ['-xzf', join(tmp, 'lstm-wasm.tgz'), '-C', dir]);
  execFileSync('mv', [join(dir, 'package'), join(dir, 'node_modules', 'lstm-wasm')]);
  const deps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});
  for (const d of deps) symlinkSync(join(root, 'node_modules', d), join(dir, 'node_modules', d), 'dir');
  if (withNodeTypes) {
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
    symlinkSync(join(root, 'node_modules', 'undici-types'), join(dir, 'node_modules', 'undici-types'), 'dir');
  }
  return dir;
}

const exec = promisify(execFile);
/** Runs node (async: a blocking child would stall the test worker's reporting). */
async function node(cwd: string, args: string[]): Promise<{ out: string; err: string; status: number | null }> {
  try {
    const r = await exec(process.execPath, args, { cwd, encoding: 'utf8', timeout: 180_000 });
    return { out: r.stdout, err: r.stderr, status: 0 };
  } catch (e) {
    const f = e as { stdout?: string; stderr?: string; code?: number };
    return { out: f.stdout ?? '', err: f.stderr ?? String(e), status: typeof f.code === 'number' ? f.code : 1 };
  }
}
const run = (cwd: string, file: string) => node(cwd, [file]);
async function compile(cwd: string): Promise<string> {
  const r = await node(cwd, [tsc, '-p', cwd]);
  return (r.out + r.err).trim();
}

/** The README's Quick start with a tiny corpus, as one script body (top-level await in ESM). */
const QUICK_START = (ts: boolean) => `
await init();
const trainTexts = Array.from({ length: 24 }, (_, i) => (i % 2 ? 'win a free cruise now' : 'notes from the meeting') + ' ' + i);
const labels = tensor(trainTexts.map((_, i) => [i % 2]));
const tok = text.tokenizer({ numWords: 100 });
tok.fitOnTexts(trainTexts);
const x = text.padSequences(tok.textsToSequences(trainTexts), { maxlen: 8 });
const model = new Sequential([
  layers.embedding({ inputDim: 100, outputDim: 8, inputLength: 8 }),
  layers.lstm({ units: 4 }),
  layers.dense({ units: 1, activation: 'sigmoid' }),
]);
model.compile({ optimizer: optimizers.rmsprop(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(x, labels, { epochs: 2, batchSize: 8, validationSplit: 0.25, verbose: 0 });
const p = model.predict(text.padSequences(tok.textsToSequences(['win a free cruise now']), { maxlen: 8 }));
${ts ? 'const first: number = p.data[0]; // predict is typed Tensor for a single-output model' : 'const first = p.data[0];'}
console.log(JSON.stringify({ shape: p.shape, first, epochs: history.history.loss.length }));
`;
const IMPORTS = ['init', 'Sequential', 'layers', 'optimizers', 'text', 'tensor'];

function expectQuickStart(r: { out: string; err: string; status: number | null }): void {
  expect(r.err + r.out).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  const res = JSON.parse(r.out.trim().split('\n').pop()!) as { shape: number[]; first: number; epochs: number };
  expect(res.shape).toEqual([1, 1]);
  expect(res.first).toBeGreaterThan(0);
  expect(res.first).toBeLessThan(1);
  expect(res.epochs).toBe(2);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lstm-wasm-package-'));
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run npm run build:ts (npm test does)');
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('mv', [join(tmp, name), join(tmp, 'lstm-wasm.tgz')]);
  files = execFileSync('tar', ['-tzf', join(tmp, 'lstm-wasm.tgz')], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
}, 120_000);

// each test compiles a project with tsc: slow on a shared machine
vi.setConfig({ testTimeout: 240_000 });

afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe('package contents (lean package)', () => {
  it('ships no source maps, no raw .wasm, no build/ folder; ships LICENSE, README, the CommonJS entry and dist', async () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.wasm') || f.endsWith('.wat') || f.startsWith('build/'))).toEqual([]);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'cjs/index.cjs', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/platform/browser.js', 'dist/src/platform/node.js', 'dist/src/parallel/worker.js']) expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/test') || f.startsWith('dist/bench'))).toEqual([]);
  });

  it('one copy of each wasm build, and declaration files without the base64 as a literal type', async () => {
    const generated = files.filter((f) => /wasm-.*\.generated\.js$/.test(f)).sort();
    expect(generated).toEqual(['dist/src/backend/wasm-relaxed.generated.js', 'dist/src/backend/wasm-simd.generated.js']);
    const dts = files.filter((f) => f.endsWith('.d.ts'));
    const sizes = dts.map((f) => [f, statSync(join(root, f)).size] as const).sort((a, b) => b[1] - a[1]);
    // the base64 as a literal type made a 171 KB index of types; no declaration file is near that now
    expect(sizes[0][1], `largest: ${sizes[0][0]}`).toBeLessThan(25_000);
    for (const f of dts) expect(readFileSync(join(root, f), 'utf8'), f).not.toMatch(/[A-Za-z0-9+/]{200}/);
  });

  it('internal members are stripped from the published types (stripInternal)', async () => {
    const d = readFileSync(join(root, 'dist/src/models/sequential.d.ts'), 'utf8');
    for (const name of ['paramFloats', 'writeParams', 'readGrads', 'applyCombined', 'checkData', 'stepChecked', 'rng:', 'parallel:']) {
      expect(d, name).not.toContain(name);
    }
    expect(d).toContain('predict(');
  });
});

describe('browser build: no node: import reachable under the browser condition', () => {
  /** Walks the static and literal dynamic imports of dist/src from the entry, resolving #platform as a bundler would. */
  function reachable(condition: 'browser' | 'default'): Map<string, string[]> {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { imports: Record<string, Record<string, string>> };
    const seen = new Map<string, string[]>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      const src = readFileSync(file, 'utf8');
      const specs = [...src.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*(?:\/\*[^*]*\*\/\s*)*['"]([^'"]+)['"]\s*\)/gm)]
        .map((m) => m[1] ?? m[2]);
      seen.set(file, specs);
      for (const s of specs) {
        if (s.startsWith('.')) visit(resolve(dirname(file), s));
        else if (s.startsWith('#')) visit(join(root, pkg.imports[s][condition]));
      }
    };
    visit(join(root, 'dist/src/index.js'));
    visit(join(root, 'dist/src/parallel/worker.js'));
    return seen;
  }

  it('browser: none; Node: the built-ins come only from platform/node.js', async () => {
    const browser = reachable('browser');
    const nodeImports = [...browser].flatMap(([f, specs]) => specs.filter((s) => s.startsWith('node:')).map((s) => `${f}: ${s}`));
    expect(nodeImports).toEqual([]);
    expect([...browser.keys()].some((f) => f.endsWith('platform/browser.js'))).toBe(true);
    const node = reachable('default');
    const fromNode = [...node].filter(([, specs]) => specs.some((s) => s.startsWith('node:'))).map(([f]) => f.slice(root.length));
    expect(fromNode).toEqual(['dist/src/platform/node.js']);
  });
});

describe('downstream projects run the Quick start', () => {
  it('ESM script (import)', async () => {
    const dir = project('esm', { type: 'module' }, false);
    writeFileSync(join(dir, 'main.mjs'), `import { ${IMPORTS.join(', ')} } from 'lstm-wasm';\n${QUICK_START(false)}`);
    expectQuickStart(await run(dir, 'main.mjs'));
  });

  it(`CommonJS require('lstm-wasm') on Node ${process.version}`, async () => {
    const dir = project('cjs', {}, false);
    writeFileSync(join(dir, 'main.cjs'), `const { ${IMPORTS.join(', ')} } = require('lstm-wasm');\n`
      + `(async () => {${QUICK_START(false)}})().catch((e) => { console.error(e); process.exit(1); });\n`);
    expectQuickStart(await run(dir, 'main.cjs'));
  });

  const TSCONFIG = (module: string) => JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module, moduleResolution: module === 'nodenext' ? 'nodenext' : 'bundler', strict: true,
      skipLibCheck: false, lib: ['ES2022'], types: ['node'], outDir: 'out', noEmitOnError: true,
    },
    include: ['src'],
  });

  it('strict TypeScript, ESM (module nodenext, skipLibCheck false, no DOM library)', async () => {
    const dir = project('ts-esm', { type: 'module' }, true);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG('nodenext'));
    writeFileSync(join(dir, 'src', 'main.ts'), `import { ${IMPORTS.join(', ')} } from 'lstm-wasm';\n${QUICK_START(true)}`);
    // predict's type follows the model; names complete in both casings
    writeFileSync(join(dir, 'src', 'ok.ts'), `import { Sequential, layers, tensor, type Tensor } from 'lstm-wasm';
const x = tensor([[[1], [2]]]);
const one: Tensor = new Sequential([layers.lstm({ units: 2, inputShape: [2, 1] })]).predict(x);
const many: Tensor[] = new Sequential([layers.gru({ units: 2, inputShape: [2, 1], returnState: true })]).predict(x);
const loaded = new Sequential();
const either: Tensor | Tensor[] = loaded.predict(x);
new Sequential([layers.dense({ units: 1, activation: 'hard_sigmoid', kernelInitializer: 'glorot_uniform', inputShape: [3] })])
  .compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['acc'] });
export { one, many, either };
`);
    expect(await compile(dir)).toBe('');
    expectQuickStart(await run(dir, 'out/main.js'));
  });

  it('strict TypeScript, CommonJS (module nodenext in a CommonJS package)', async () => {
    const dir = project('ts-cjs', {}, true);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG('nodenext'));
    writeFileSync(join(dir, 'src', 'main.ts'), `import { ${IMPORTS.join(', ')} } from 'lstm-wasm';\n`
      + `async function main(): Promise<void> {${QUICK_START(true)}}\nmain().catch((e) => { console.error(e); process.exit(1); });\n`);
    expect(await compile(dir)).toBe('');
    expect(readFileSync(join(dir, 'out', 'main.js'), 'utf8')).toMatch(/require\("lstm-wasm"\)/);
    expectQuickStart(await run(dir, 'out/main.js'));
  });

  it('typos in names and a Tensor taken from a returnState model do not compile', async () => {
    const dir = join(tmp, 'ts-esm');
    writeFileSync(join(dir, 'src', 'bad.ts'), `import { Sequential, layers, tensor, type Tensor } from 'lstm-wasm';
const many: Tensor = new Sequential([layers.lstm({ units: 2, inputShape: [2, 1], returnState: true })]).predict(tensor([[[1], [2]]]));
new Sequential([layers.dense({ units: 1, activation: 'sigmiod' })]).compile({ optimizer: 'adamm', loss: 'binaryCrossEntropy' });
export { many };
`);
    const errors = await compile(dir);
    expect(errors).toMatch(/bad\.ts\(2,7\).*Tensor\[\]/);
    expect(errors).toMatch(/bad\.ts\(3,.*"sigmiod"/);
    expect(errors).toMatch(/bad\.ts\(3,.*"adamm"/);
    expect(errors).toMatch(/bad\.ts\(3,.*"binaryCrossEntropy"/);
    expect(errors.split('\n').filter((l) => /^src\//.test(l) && !l.startsWith('src/bad.ts'))).toEqual([]);
  });
});


describe("the README's TypeScript blocks compile (strict, skipLibCheck false)", () => {
  const README = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  /** Values README blocks use without defining them (a user's own data and models). */
  const FREE: Record<string, string> = {
    trainTexts: 'string[]', labels: 'Tensor', model: 'Sequential', x: 'Tensor', y: 'Tensor',
    modelTopology: "ModelArtifacts['modelTopology']", weightSpecs: "ModelArtifacts['weightSpecs']", weightData: "ModelArtifacts['weightData']",
    files: 'string[]', load: '(file: string) => { x: Tensor; y: Tensor }', xVal: 'Tensor', yVal: 'Tensor', w: 'Tensor',
    endlessGenerator: '() => Generator<{ xs: Tensor; ys: Tensor }>', testWindows: 'Iterable<{ xs: Tensor; ys: Tensor }>',
    features: 'Float32Array', targets: 'Float32Array', trainSeries: 'Float32Array', series: 'Float32Array', zWindow: 'Tensor',
    trainX: 'Tensor', probs: 'Float32Array', rng: '() => number', file: '{ arrayBuffer(): Promise<ArrayBuffer> }',
    xEnc: 'Tensor', xDec: 'Tensor',
  };
  const VALUES = ['init', 'setBackend', 'getBackend', 'tensor', 'Sequential', 'layers', 'optimizers', 'losses', 'metrics', 'callbacks', 'text', 'io', 'kernels', 'setSeed', 'data', 'input', 'Model'];

  function moduleFor(block: string, nodeTypes: boolean): string {
    const own = new Set([...block.matchAll(/import\s*\{([^}]*)\}\s*from\s*'lstm-wasm'/g)].flatMap((m) => m[1].split(',').map((s) => s.trim().replace(/^type\s+/, ''))));
    const declared = (n: string) => own.has(n) || new RegExp(`\\b(?:const|let|var|function)\\s+${n}\\b|\\bconst\\s*\\{[^}]*\\b${n}\\b[^}]*\\}\\s*=`).test(block);
    const values = VALUES.filter((n) => !declared(n));
    const lines = [
      values.length ? `import { ${values.join(', ')} } from 'lstm-wasm';` : '',
      `import type { ${['Tensor', 'ModelArtifacts'].filter((n) => !own.has(n)).join(', ')} } from 'lstm-wasm';`, // unless the block imports them itself
      ...Object.entries(FREE).filter(([n]) => !declared(n)).map(([n, t]) => `declare const ${n}: ${t};`),
      nodeTypes ? "import { readFileSync } from 'node:fs';" : 'declare function readFileSync(path: string): Uint8Array;',
    ];
    return `${lines.join('\n')}\n${block}\nexport {};\n`;
  }

  for (const kind of ['node', 'dom'] as const) {
    it(`${kind === 'node' ? 'Node project: lib ES2022, @types/node, no DOM' : 'DOM project: lib ES2022 + DOM, no @types/node'}`, async () => {
      expect(blocks.length).toBeGreaterThanOrEqual(4);
      const dir = project(`readme-${kind}`, { type: 'module' }, kind === 'node');
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false, noEmit: true,
          lib: kind === 'node' ? ['ES2022'] : ['ES2022', 'DOM'], types: kind === 'node' ? ['node'] : [],
        },
        include: ['src'],
      }));
      blocks.forEach((b, i) => writeFileSync(join(dir, 'src', `block${i}.ts`), moduleFor(b, kind === 'node')));
      expect(await compile(dir)).toBe('');
    });
  }
});
