#!/usr/bin/env node
/**
 * Measures what Keras-file loading costs (the numbers in README "From Python"):
 *  - bundle: an app that imports the package but never loads a Keras file, built
 *    with esbuild (ESM, splitting, minified): the entry chunk vs the lazily
 *    loaded chunks (fflate, jsfive), raw and gzip;
 *  - load time of every file in ../shared/fixtures/keras-real/files through
 *    io.fromKeras (first call includes the dynamic imports; then median of 5);
 *  - optionally h5wasm (H5WASM_DIR=/path/to/unpacked/h5wasm/package; not a
 *    dependency, measured from an `npm pack` outside node_modules): module
 *    size, instantiate time, and reading every dataset of the .h5 files,
 *    compared value for value with jsfive.
 * Run after `npm run build:ts`: node scripts/measure-keras-deps.mjs
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function bundle() {
  const dir = mkdtempSync(join(tmpdir(), 'keras-bundle-'));
  const entry = join(dir, 'app.mjs');
  writeFileSync(entry, `import { Sequential, layers, io } from ${JSON.stringify(join(root, 'dist/src/index.js'))};\n` +
    `const m = new Sequential([layers.dense({ units: 1, inputShape: [2] })]); console.log(m.countParams(), typeof io.fromKeras);\n`);
  const out = join(dir, 'out');
  const r = await build({ entryPoints: [entry], bundle: true, splitting: true, format: 'esm', minify: true, platform: 'browser',
    outdir: out, metafile: true, logLevel: 'silent', external: ['node:*'] });
  const outs = r.metafile.outputs;
  const size = (f) => { const bytes = readFileSync(resolve(f)); return { raw: bytes.length, gzip: gzipSync(bytes).length }; };
  const entryFile = Object.keys(outs).find((f) => outs[f].entryPoint?.endsWith('app.mjs'));
  // what a page that never loads a Keras file fetches: the entry and its static imports
  const eager = new Set();
  const visit = (f) => { if (eager.has(f)) return; eager.add(f); for (const i of outs[f].imports) if (i.kind === 'import-statement') visit(i.path); };
  visit(entryFile);
  let raw = 0, gz = 0, kerasLoader = 0, jsfiveEager = false, fflateEager = false;
  for (const f of eager) {
    const s = size(f); raw += s.raw; gz += s.gzip;
    for (const [inp, v] of Object.entries(outs[f].inputs)) {
      if (inp.includes('/keras/file/')) kerasLoader += v.bytesInOutput;
      if (inp.includes('jsfive')) jsfiveEager = true;
      if (inp.includes('fflate')) fflateEager = true;
    }
  }
  console.log('\n## Bundle (esbuild, ESM + splitting, minified, an app that never loads a Keras file)');
  console.log(`- loaded eagerly: ${kb(raw)} raw, ${kb(gz)} gzip; of that the Keras-file reader (src/keras/file): ${kb(kerasLoader)} raw`);
  console.log(`- jsfive in the eager part: ${jsfiveEager}; fflate: ${fflateEager}`);
  for (const [f, o] of Object.entries(outs)) {
    if (!f.endsWith('.js') || eager.has(f)) continue;
    const ins = Object.keys(o.inputs);
    const lib = ins.some((i) => i.includes('jsfive')) ? 'jsfive' : ins.some((i) => i.includes('fflate')) ? 'fflate'
      : ins.some((i) => i.includes('/keras/file/load')) ? 'Keras-file reader (src/keras/file)' : null;
    if (lib) { const s = size(f); console.log(`- lazy chunk ${lib}: ${kb(s.raw)} raw, ${kb(s.gzip)} gzip (fetched on the first Keras file only)`); }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function loadTimes() {
  const { io, init } = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
  await init();
  const dir = join(root, '..', 'shared', 'fixtures', 'keras-real', 'files');
  console.log('\n## Load time, io.fromKeras(bytes) (Node, this machine)');
  for (const f of readdirSync(dir).sort()) {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    const times = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      await io.fromKeras(bytes);
      times.push(performance.now() - t0);
    }
    const first = times.shift();
    times.sort((a, b) => a - b);
    console.log(`- ${f} (${kb(bytes.length)}): first ${first.toFixed(1)} ms, median ${times[2].toFixed(1)} ms`);
  }
}

async function h5wasm() {
  const pkg = process.env.H5WASM_DIR;
  if (!pkg) return console.log('\n(h5wasm: set H5WASM_DIR to an unpacked `npm pack h5wasm` to compare)');
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  const esm = join(pkg, 'dist/esm');
  const r = await build({ entryPoints: [join(esm, 'hdf5_hl.js')], bundle: true, format: 'esm', minify: true, write: false, logLevel: 'silent', platform: 'browser' });
  const b = r.outputFiles[0].contents;
  console.log(`\n## h5wasm ${version} (not installed; from npm pack)\n- bundle: ${kb(b.length)} raw, ${kb(gzipSync(b).length)} gzip`);
  const t0 = performance.now();
  const h5 = await import(pathToFileURL(join(pkg, 'dist/node/hdf5_hl.js')).href);
  const Module = await h5.ready;
  console.log(`- import + instantiate: ${(performance.now() - t0).toFixed(1)} ms`);
  const jsfive = await import('jsfive');
  const dir = join(root, '..', 'shared', 'fixtures', 'keras-real', 'files');
  // h5wasm's Node build maps its FS onto the real file system (NODERAWFS): write into a temp dir
  const scratch = mkdtempSync(join(tmpdir(), 'h5wasm-'));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.h5')).sort()) {
    const bytes = readFileSync(join(dir, f));
    const t1 = performance.now();
    Module.FS.writeFile(join(scratch, f), new Uint8Array(bytes));
    const file = new h5.File(join(scratch, f), 'r');
    const values = new Map();
    const walk = (g, p) => { for (const k of g.keys()) { const o = g.get(k); const q = `${p}/${k}`; if (o instanceof h5.Group) walk(o, q); else values.set(q, o.value); } };
    walk(file.get('model_weights'), 'model_weights');
    const tH = performance.now() - t1;
    file.close();
    const t2 = performance.now();
    const jf = new jsfive.File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), f);
    let same = true, n = 0;
    for (const [p, v] of values) { const w = jf.get(p).value; n += v.length; for (let i = 0; i < v.length; i++) if (v[i] !== w[i]) same = false; }
    const tJ = performance.now() - t2;
    console.log(`- ${f}: h5wasm ${tH.toFixed(1)} ms, jsfive ${tJ.toFixed(1)} ms (${values.size} datasets, ${n} values, identical: ${same})`);
  }
  rmSync(scratch, { recursive: true, force: true });
}

await bundle();
await loadTimes();
await h5wasm();
