#!/usr/bin/env node
/**
 * Makes test/fixtures-keras/obaiz_gru_npz{1,2}.keras: the real Keras 3 file
 * ../shared/fixtures/keras-real/files/obaiz_gru.keras with its weights stored
 * the way Keras' NpzIOStore stores them (keras/src/saving/saving_lib.py:
 * `np.savez(f, **{path: {"0": array, …}, "__root__": {}})`), written by real
 * numpy — numpy 1.x (python at $PY1, default /usr/bin/python3) and 2.x ($PY2,
 * default python3) — so both pickle flavours (numpy.core / numpy._core) are covered.
 *   node scripts/make-keras-npz-fixture.mjs
 */
import * as hdf5 from 'jsfive';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, '..', 'shared', 'fixtures', 'keras-real', 'files', 'obaiz_gru.keras');
const members = unzipSync(new Uint8Array(readFileSync(src)));
const w = members['model.weights.h5'];
const f = new hdf5.File(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength), 'w');
// every `<path>/vars` group -> { path: { i: {shape, data} } }
const groups = {};
const walk = (g, p) => {
  for (const k of g.keys) {
    const o = g.get(k);
    if (!(o instanceof hdf5.Group)) continue;
    const q = p ? `${p}/${k}` : k;
    if (k === 'vars') {
      const vars = {};
      for (const i of o.keys) { const d = o.get(i); vars[i] = { shape: d.shape, dtype: d.dtype, data: Array.from(d.value, Number) }; }
      groups[p || '__root__'] = vars;
    } else walk(o, q);
  }
};
walk(f, '');
const dir = mkdtempSync(join(tmpdir(), 'npz-fixture-'));
writeFileSync(join(dir, 'weights.json'), JSON.stringify(groups));
const py = `
import json, sys, numpy as np
g = json.load(open(sys.argv[1]))
contents = {}
for path, vars in g.items():
    contents[path] = {i: np.array(v["data"], dtype=np.float32 if v["dtype"] == "<f4" else np.int64).reshape(v["shape"]) for i, v in vars.items()}
with open(sys.argv[2], "wb") as f:
    np.savez(f, **contents)
print(np.__version__)
`;
for (const [tag, python] of [['1', process.env.PY1 || '/usr/bin/python3'], ['2', process.env.PY2 || 'python3']]) {
  const out = join(dir, `w${tag}.npz`);
  const r = spawnSync(python, ['-c', py, join(dir, 'weights.json'), out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const { 'model.weights.h5': _drop, ...rest } = members;
  const zip = zipSync({ ...rest, 'model.weights.npz': new Uint8Array(readFileSync(out)) });
  const target = join(root, 'test', 'fixtures-keras', `obaiz_gru_npz${tag}.keras`);
  writeFileSync(target, zip);
  console.log(`${target}: numpy ${r.stdout.trim()}, ${zip.length} bytes`);
}
