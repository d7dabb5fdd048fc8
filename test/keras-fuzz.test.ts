/**
 * Hostile Keras files (fast-check): truncations, bit flips, forged offsets and
 * sizes, and wrong config values inside real .keras (zip) and .h5 (HDF5)
 * files. Invariant (as for the tfjs loaders): io.fromKeras either gives a
 * model that round-trips (toJSON + weights -> fromArtifacts, same weights) or
 * rejects with a plain Error naming the file and what was wrong; never a
 * TypeError/RangeError/string, never more than 5 s.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unzipSync, zipSync, strToU8, strFromU8 } from 'fflate';
import { init, io } from '../src/index.js';
import { artifactsFromModel } from '../src/io/model-parts.js';
import { readKerasFile } from '../src/keras/file/load.js';

const DIR = resolve('../shared/fixtures/keras-real/files');
const KERAS = new Uint8Array(readFileSync(`${DIR}/obaiz_gru.keras`));
const H5 = new Uint8Array(readFileSync(`${DIR}/zabir_bilstm.h5`));
const NAME = 'fuzz-file';

beforeAll(async () => { await init(); });

/** The invariant. Returns 'model' or 'error' so a property can also check that a mutation was noticed. */
async function check(bytes: Uint8Array): Promise<'model' | 'error'> {
  const t0 = performance.now();
  try {
    const { topology, weights } = await readKerasFile(bytes, NAME);
    const m = await io.fromKeras(bytes);
    const again = io.fromArtifacts(artifactsFromModel(m.toJSON(), m.getWeights()));
    expect(again.getWeights().map((w) => Array.from(w.data))).toEqual(m.getWeights().map((w) => Array.from(w.data)));
    expect(weights.length).toBe(topology.layers.reduce((n, l) => n + l.weightCount, 0));
    return 'model';
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'Error' || e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError) {
      throw new Error(`not a clear Error: ${String((e as Error)?.constructor?.name)}: ${String((e as Error)?.message ?? e)}`);
    }
    expect(e.message.length).toBeGreaterThan(10);
    return 'error';
  } finally {
    expect(performance.now() - t0).toBeLessThan(5000);
  }
}

/** Same, through fromKeras only and with the file name given by loadModel's message prefix. */
const runs = { numRuns: 40 };

describe('fuzz: .keras (zip) layer', () => {
  it('the unmodified file loads', async () => expect(await check(KERAS)).toBe('model'));

  it('truncations', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: KERAS.length - 1 }), async (n) => {
      expect(await check(KERAS.slice(0, n))).toBe('error'); // the end record is at the end: any cut is noticed
    }), runs);
  });

  it('bit flips anywhere', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ at: fc.nat(KERAS.length - 1), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }), async (flips) => {
      const b = KERAS.slice();
      for (const f of flips) b[f.at] ^= 1 << f.bit;
      await check(b);
    }), runs);
  });

  it('forged offsets and sizes in the zip headers (32-bit fields set to huge or random values)', async () => {
    // offsets of every local/central header and the end record
    const sigs: number[] = [];
    for (let i = 0; i + 4 <= KERAS.length; i++) {
      const v = KERAS[i] | (KERAS[i + 1] << 8) | (KERAS[i + 2] << 16) | (KERAS[i + 3] << 24);
      if (v === 0x04034b50 || v === 0x02014b50 || v === 0x06054b50) sigs.push(i);
    }
    await fc.assert(fc.asyncProperty(fc.constantFrom(...sigs), fc.integer({ min: 4, max: 44 }), fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000, 1, 0), async (at, field, value) => {
      const b = KERAS.slice();
      new DataView(b.buffer).setUint32(Math.min(at + field, b.length - 4), value >>> 0, true);
      await check(b);
    }), runs);
  });

  /** Re-zip with config.json / metadata.json edited: wrong attributes. */
  const members = unzipSync(KERAS);
  const config = JSON.parse(strFromU8(members['config.json']));
  const repack = (cfg: unknown, meta?: unknown) => zipSync({
    ...members, 'config.json': strToU8(typeof cfg === 'string' ? cfg : JSON.stringify(cfg)),
    ...(meta === undefined ? {} : { 'metadata.json': strToU8(JSON.stringify(meta)) }),
  });
  const hostileValue = fc.oneof(
    fc.constantFrom(null, true, -1, 0, 1e9, 2 ** 40, NaN, 'x', '__proto__', [], {}, [null, -5, 3], { class_name: 'Zzz', config: {} }),
    fc.integer({ min: -3, max: 300 }), fc.string({ maxLength: 8 }),
  );

  it('wrong config values (units, shapes, class names, dtypes, flags …) at random places', async () => {
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      if (p.length) paths.push(p);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
    };
    walk(config, []);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), hostileValue, async (path, value) => {
      const cfg = structuredClone(config);
      let o = cfg as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      o[path[path.length - 1]] = value;
      await check(repack(cfg));
    }), runs);
  });

  it('metadata and config that are not objects, not JSON, or missing', async () => {
    for (const cfg of ['', 'null', '[]', '{"class_name": "Sequential"}', '{', '"\\ud800"', JSON.stringify({ ...config, class_name: 'Functional' })]) {
      expect(await check(repack(cfg))).toBe('error');
    }
    for (const meta of [{}, { keras_version: 3 }, [], null]) expect(await check(repack(config, meta))).toBe('error');
    const { 'model.weights.h5': _w, ...noWeights } = members;
    expect(await check(zipSync(noWeights))).toBe('error');
    await expect(io.fromKeras(zipSync({ ...noWeights, 'model.weights.npz': new Uint8Array(10) }))).rejects.toThrow(/model.weights.npz: zip archive: only 10 bytes/);
  });

  it('a zip bomb (member declaring 4 GiB) is refused before inflating', async () => {
    const b = KERAS.slice();
    // find the central-directory entry of model.weights.h5 and forge its uncompressed size
    const name = strToU8('model.weights.h5');
    for (let i = 0; i < b.length - 46; i++) {
      if (new DataView(b.buffer).getUint32(i, true) === 0x02014b50 && b.subarray(i + 46, i + 46 + name.length).every((c, j) => c === name[j])) {
        new DataView(b.buffer).setUint32(i + 24, 0xfffffff0, true);
      }
    }
    await expect(io.fromKeras(b)).rejects.toThrow(/model.weights.h5.*declares 4294967280 bytes/);
  });
});

describe('fuzz: .h5 (HDF5) layer', () => {
  it('the unmodified file loads', async () => expect(await check(H5)).toBe('model'));

  it('truncations', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: H5.length - 1 }), async (n) => { await check(H5.slice(0, n)); }), runs);
  });

  it('bit flips anywhere', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ at: fc.nat(H5.length - 1), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }), async (flips) => {
      const b = H5.slice();
      for (const f of flips) b[f.at] ^= 1 << f.bit;
      await check(b);
    }), runs);
  });

  it('bit flips in the first 4 KiB (superblock, root group, object headers)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ at: fc.nat(4095), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 4 }), async (flips) => {
      const b = H5.slice();
      for (const f of flips) b[f.at] ^= 1 << f.bit;
      await check(b);
    }), { numRuns: 100 });
  });

  it('forged 8-byte addresses and sizes (huge, past the end, zero)', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(H5.length - 8), fc.constantFrom(2n ** 63n, 2n ** 40n, BigInt(H5.length + 8), 0n, 2n ** 64n - 1n), async (at, value) => {
      const b = H5.slice();
      new DataView(b.buffer).setBigUint64(at - (at % 8), value, true);
      await check(b);
    }), runs);
  });

  it('wrong attributes: model_config edited in place (same length), keras_version', async () => {
    const text = Buffer.from(H5).toString('latin1'); // byte offsets = string offsets
    const at = text.indexOf('{"class_name": "Sequential"');
    expect(at).toBeGreaterThan(0);
    const edits: [string, string][] = [['"units": 40', '"units": 99'], ['"LSTM"', '"Zzzz"'], ['"units": 40', '"units": -1'],
      ['"merge_mode": "concat"', '"merge_mode": "zzzzzz"'], ['"batch_input_shape": [null, 905, 1]', '"batch_input_shape": [null, 905, 7]'],
      ['"return_sequences": true', '"return_sequences": 1234'], ['"Sequential"', '"Sequentia"'], ['"hard_sigmoid"', '"hard_swish00"']];
    for (const [from, to] of edits) {
      const i = text.indexOf(from, at);
      expect(i, from).toBeGreaterThan(0);
      const pad = to.length < from.length ? to + ' '.repeat(from.length - to.length) : to.slice(0, from.length);
      const b = H5.slice();
      b.set(Buffer.from(pad, 'latin1'), i);
      expect(await check(b), `${from} -> ${to}`).toBe('error');
    }
  });
});

describe('weights that do not match the config name the dataset and shape', () => {
  it('.h5: a Dense whose kernel does not fit', async () => {
    const text = Buffer.from(H5).toString('latin1'); // byte offsets = string offsets
    const i = text.indexOf('"units": 2,', text.indexOf('"class_name": "Dense"'));
    const b = H5.slice();
    b.set(Buffer.from('"units": 3,', 'latin1'), i);
    await expect(io.fromKeras(b)).rejects.toThrow(/dataset "model_weights\/dense_5\/dense_5\/kernel:0": has shape \[80,2\], but layer "dense_5" \(Dense\) needs \[80,3\]/);
  });
  it('.keras: a GRU with other units', async () => {
    const members = unzipSync(KERAS);
    const cfg = JSON.parse(strFromU8(members['config.json']));
    cfg.config.layers.find((l: { class_name: string }) => l.class_name === 'GRU').config.units = 32;
    await expect(io.fromKeras(zipSync({ ...members, 'config.json': strToU8(JSON.stringify(cfg)) })))
      .rejects.toThrow(/dataset "layers\/gru\/cell\/vars\/0": has shape \[9,192\], but layer "gru" \(GRU\) needs \[9,96\]/);
  });
  it('an unsupported layer class names the layer, the class and what is supported', async () => {
    const members = unzipSync(KERAS);
    const cfg = JSON.parse(strFromU8(members['config.json']));
    cfg.config.layers.find((l: { class_name: string }) => l.class_name === 'GRU').class_name = 'ConvLSTM1D';
    await expect(io.fromKeras(zipSync({ ...members, 'config.json': strToU8(JSON.stringify(cfg)) })))
      .rejects.toThrow(/layer "gru" \(ConvLSTM1D\): unknown layer class "ConvLSTM1D"; supported: .*LSTM, GRU/);
  });
  it('not a Keras file at all', async () => {
    await expect(io.fromKeras(strToU8('{"modelTopology": {}}'))).rejects.toThrow(/neither a .keras zip .* nor an HDF5/);
    await expect(io.fromKeras('x' as never)).rejects.toThrow(/Uint8Array or ArrayBuffer/);
  });
});

describe('fuzz: model.weights.npz (restricted pickle reader)', () => {
  const NPZ = new Uint8Array(readFileSync(resolve('test/fixtures-keras/obaiz_gru_npz2.keras')));
  const members = unzipSync(NPZ);
  const inner = unzipSync(members['model.weights.npz']);
  const withInner = (edit: (m: Record<string, Uint8Array>) => void) => {
    const m = { ...inner };
    edit(m);
    return zipSync({ ...members, 'model.weights.npz': zipSync(m) });
  };

  it('the unmodified file loads', async () => expect(await check(NPZ)).toBe('model'));

  it('bit flips and truncations inside the pickles', async () => {
    const names = Object.keys(inner).filter((n) => inner[n].length > 200);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), async (name, at, bit, cut) => {
      const b = withInner((m) => {
        const x = m[name].slice();
        if (cut) m[name] = x.subarray(0, at % x.length);
        else { x[at % x.length] ^= 1 << bit; m[name] = x; }
      });
      await check(b);
    }), runs);
  });

  it('a pickle that names another global (os.system) is refused, nothing is called', async () => {
    const name = Object.keys(inner).find((n) => n.includes('gru/cell'))!;
    const b = withInner((m) => {
      const x = Buffer.from(m[name]).toString('latin1').replace('\x8c\x05numpy\x94\x8c\x07ndarray', '\x8c\x05posix\x94\x8c\x07systemx');
      m[name] = Buffer.from(x, 'latin1');
    });
    await expect(io.fromKeras(b)).rejects.toThrow(/model.weights.npz: npz member "layers\/gru\/cell.npy": pickle: global "posix.systemx" is not allowed/);
  });
});
