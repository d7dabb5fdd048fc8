/**
 * Issue 10 "loaders that are safe on hostile files": one test per numbered defect, each
 * failing on the loaders before the fix. Expected values come from the files written here
 * (the weights a model was saved with), never from the loader under test.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, io, layers, Sequential, type ModelArtifacts } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'lstm-wasm-hostile-'));
beforeAll(async () => { await init(); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Settles within `ms` or fails: a loader must never hang on a hostile file. */
async function within<T>(p: Promise<T>, ms = 3000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`did not settle within ${ms} ms`)), ms); });
  try { return await Promise.race([p, t]); } finally { clearTimeout(timer); }
}

/** The error a call throws (sync or async), checked to be a plain Error (no TypeError/RangeError). */
async function plainError(f: () => unknown): Promise<Error> {
  let thrown: unknown;
  try { await within(Promise.resolve().then(f)); } catch (e) { thrown = e; }
  expect(thrown, 'expected the loader to throw').toBeInstanceOf(Error);
  expect((thrown as Error).constructor, `expected a plain Error, got ${String(thrown)}`).toBe(Error);
  return thrown as Error;
}

function savedArtifacts(model: Sequential): Promise<ModelArtifacts> {
  let out: ModelArtifacts | undefined;
  return model.save(io.withSaveHandler((a) => { out = a; })).then(() => out!);
}

/** A small saved model on disk: dir with model.json + one shard, and the artifacts it came from. */
async function savedDir(name: string): Promise<{ dir: string; json: Record<string, any>; a: ModelArtifacts }> {
  const model = new Sequential([layers.lstm({ units: 2, inputShape: [3, 2], name: 'lstm' }), layers.dense({ units: 1, name: 'dense' })], { seed: 3 });
  const dir = join(root, name);
  await model.save(`file://${dir}`);
  return { dir, json: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), a: await savedArtifacts(model) };
}

function rewrite(dir: string, json: Record<string, any>): void {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
}

describe('defect 1: file:// reads only regular files inside the model folder', () => {
  it('a "../" shard path is refused, and the error does not reveal the outside file\'s size', async () => {
    const { dir, json } = await savedDir('dotdot');
    const bin = readFileSync(join(dir, 'group1-shard1of1.bin'));
    writeFileSync(join(root, 'outside.bin'), bin); // same size: the old loader read it into the weights
    json.weightsManifest[0].paths = ['../outside.bin'];
    rewrite(dir, json);
    const e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/weightsManifest\[0\]\.paths\[0\].*"\.\.\/outside\.bin" leads outside the model folder/);
    expect(e.message).not.toMatch(new RegExp(`${bin.length}`));
  });
  it('an absolute path (/etc/passwd, /dev/zero) is refused before it is opened', async () => {
    const { dir, json } = await savedDir('absolute');
    for (const p of ['/etc/passwd', '/dev/zero']) {
      json.weightsManifest[0].paths = [p];
      rewrite(dir, json);
      const e = await plainError(() => io.loadModel(`file://${dir}`));
      expect(e.message).toMatch(new RegExp(`"${p}" is absolute; expected a path relative to the model folder`));
      expect(e.message).not.toMatch(/bytes/);
    }
  });
  it('a symlink inside the folder that points outside counts as outside (realpath)', async () => {
    const { dir, json } = await savedDir('symlink');
    writeFileSync(join(root, 'secret.bin'), readFileSync(join(dir, 'group1-shard1of1.bin')));
    symlinkSync(join(root, 'secret.bin'), join(dir, 'link.bin'));
    json.weightsManifest[0].paths = ['link.bin'];
    rewrite(dir, json);
    const e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/"link\.bin" is a symlink leading outside the model folder/);
  });
  it('a FIFO inside the folder is refused at once (it would never end)', async () => {
    const { dir, json } = await savedDir('fifo');
    expect(spawnSync('mkfifo', [join(dir, 'pipe.bin')]).status).toBe(0);
    json.weightsManifest[0].paths = ['pipe.bin'];
    rewrite(dir, json);
    const e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/weight shard "pipe\.bin" is a FIFO; expected a regular file/);
  });
  it('a directory (path ".") is refused as not a regular file', async () => {
    const { dir, json } = await savedDir('dot');
    json.weightsManifest[0].paths = ['.'];
    rewrite(dir, json);
    const e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/weight shard "\." is a directory; expected a regular file/);
  });
  it('shard sizes are checked against the manifest before any byte is read', async () => {
    const { dir } = await savedDir('size');
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.alloc(5000));
    const e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/group1-shard1of1\.bin: 5000 bytes\) but the manifest needs \d+ bytes/);
  });
});

describe('defect 2: weights inside a layer are matched by name, not position', () => {
  it('a manifest listing recurrent_kernel before kernel (same shapes) loads each into its own slot', async () => {
    // units 3, input 3: kernel and recurrent_kernel are both [3, 12]
    const model = new Sequential([layers.lstm({ units: 3, inputShape: [4, 3], name: 'lstm' })], { seed: 5 });
    const want = model.getWeights();
    const a = await savedArtifacts(model);
    const order = [1, 0, 2]; // recurrent_kernel, kernel, bias
    const specs = order.map((i) => a.weightSpecs![i]);
    const data = new Float32Array(want.reduce((n, w) => n + w.data.length, 0));
    let o = 0;
    for (const i of order) { data.set(want[i].data, o); o += want[i].data.length; }
    const back = io.fromArtifacts({ ...a, weightSpecs: specs, weightData: data.buffer });
    expect(back.getWeights().map((w) => w.name)).toEqual(['lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias']);
    back.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(want[i].data)));
  });
  it('Bidirectional forward_*/backward_* listed backward first load into their own directions', async () => {
    const model = new Sequential([layers.bidirectional({ layer: layers.gru({ units: 2 }), inputShape: [3, 2] })], { seed: 6 });
    const want = model.getWeights();
    const a = await savedArtifacts(model);
    const order = [3, 4, 5, 0, 1, 2];
    const data = new Float32Array(want.reduce((n, w) => n + w.data.length, 0));
    let o = 0;
    for (const i of order) { data.set(want[i].data, o); o += want[i].data.length; }
    const back = io.fromArtifacts({ ...a, weightSpecs: order.map((i) => a.weightSpecs![i]), weightData: data.buffer });
    back.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(want[i].data)));
  });
});

describe('defect 3: PyTorch { shape, data } with null (JSON for NaN) is refused, not read as 0', () => {
  it('names the tensor and the flat index', async () => {
    const H = 1, I = 1;
    const sd = {
      weight_ih_l0: { shape: [4 * H, I], data: [0.1, null, 0.3, 0.4] },
      weight_hh_l0: { shape: [4 * H, H], data: [0.1, 0.2, 0.3, 0.4] },
    };
    const e = await plainError(() => io.fromPyTorchLSTM(sd as never, { inputSize: I, hiddenSize: H }));
    expect(e.message).toMatch(/'weight_ih_l0': value null at flat index 1 \(JSON writes NaN and Infinity as null\)/);
  });
});

describe('defect 4: malformed files give clear Errors (no TypeError/RangeError/stack overflow)', () => {
  let a: ModelArtifacts;
  beforeAll(async () => { a = (await savedDir('clear')).a; });
  const withSpec = (patch: Record<string, unknown>) => ({ ...a, weightSpecs: [{ ...a.weightSpecs![0], ...patch }, ...a.weightSpecs!.slice(1)] });

  it('a scalar shape', async () => {
    const e = await plainError(() => io.fromArtifacts(withSpec({ shape: 5 }) as never));
    expect(e.message).toMatch(/weight "lstm\/kernel" \(weightSpecs\[0\]\): shape: expected a shape \(an array of non-negative integers\), found 5/);
  });
  it('string shape entries (no "needs NaN bytes")', async () => {
    const e = await plainError(() => io.fromArtifacts(withSpec({ shape: ['2', '8'] }) as never));
    expect(e.message).toMatch(/shape\[0\]: expected a non-negative integer dimension, found the string "2"/);
  });
  it('a weight spec that is null', async () => {
    const e = await plainError(() => io.fromArtifacts({ ...a, weightSpecs: [null, ...a.weightSpecs!.slice(1)] } as never));
    expect(e.message).toMatch(/weightSpecs\[0\]: expected a weight spec \{name, shape, dtype\}, found null/);
  });
  it('a shard path that is not a string, and weights [null], in model.json', async () => {
    const { dir, json } = await savedDir('types');
    json.weightsManifest[0].paths = [7];
    rewrite(dir, json);
    let e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/weightsManifest\[0\]\.paths\[0\]: expected a shard path .*found 7/);
    json.weightsManifest[0].paths = ['group1-shard1of1.bin'];
    json.weightsManifest[0].weights = [null];
    rewrite(dir, json);
    e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/weightsManifest\[0\]\.weights\[0\]: expected a weight spec/);
  });
  it('deep nesting in a topology (object built in code, and model.json text)', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const topology = structuredClone(a.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0].config.kernel_initializer = { class_name: 'Zeros', config: { x: deep } };
    let e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: topology }));
    expect(e.message).toMatch(/modelTopology\.config\.layers\[0\]\.config\.kernel_initializer\.config\.x.*nested deeper than 64 levels/);
    const { dir, json } = await savedDir('deep');
    json.modelTopology = { class_name: 'Sequential', config: { layers: '['.repeat(100_000) + ']'.repeat(100_000) } };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json).replace(/"(\[+\]+)"/, '$1'));
    e = await plainError(() => io.loadModel(`file://${dir}`));
    expect(e.message).toMatch(/model\.json: field modelTopology\.config\.layers.*nested deeper than 64 levels/);
  });
  it('deep nesting in a PyTorch nested-array state dict', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = await plainError(() => io.fromPyTorchLSTM({ weight_ih_l0: deep } as never, { inputSize: 1, hiddenSize: 1 }));
    expect(e.message).toMatch(/'weight_ih_l0': nested arrays deeper than 8 levels/);
  });
});

describe('defect 5: names and option keys are looked up as own properties only', () => {
  it("initializer 'constructor' is an unknown initializer at once", async () => {
    const e = await plainError(() => layers.lstm({ units: 2, kernelInitializer: 'constructor' as never }));
    expect(e.message).toMatch(/kernelInitializer: unknown initializer 'constructor'/);
  });
  it("loss 'constructor' / 'toString' is an unknown loss", async () => {
    const model = new Sequential([layers.dense({ units: 1, inputShape: [2] })]);
    for (const loss of ['constructor', 'toString']) {
      const e = await plainError(() => model.compile({ optimizer: 'sgd', loss: loss as never }));
      expect(e.message).toMatch(new RegExp(`compile: loss: unknown (?:value|loss) '${loss}'`));
    }
  });
  it('layer option keys constructor / toString / __proto__ in a file are unknown options', async () => {
    const { a } = await savedDir('protokeys');
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const t = structuredClone(a.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      t.config.layers[0].config[key] = 1;
      const e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: t }));
      expect(e.message).toMatch(new RegExp(`layer "lstm" \\(LSTM\\): unknown option "${key}"`));
    }
    const t = JSON.parse(JSON.stringify(a.modelTopology).replace('"units":', '"__proto__":{"units":9},"units":'));
    const e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: t }));
    expect(e.message).toMatch(/modelTopology\.config\.layers\[0\]\.config\.__proto__: the key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).units).toBeUndefined();
  });
});

describe('defect 6: manifest entries are never loaded into another layer, and what loads saves and reloads', () => {
  it('entries named for one layer are not loaded into another layer of the same shapes', async () => {
    const model = new Sequential([layers.dense({ units: 2, inputShape: [2], name: 'a' }), layers.dense({ units: 2, name: 'b' })], { seed: 9 });
    const saved = await savedArtifacts(model);
    const specs = saved.weightSpecs!.map((s, i) => ({ ...s, name: ['a/kernel', 'a/bias', 'a/kernel_2', 'a/bias_2'][i] }));
    const e = await plainError(() => io.fromArtifacts({ ...saved, weightSpecs: specs }));
    expect(e.message).toMatch(/weight "a\/kernel_2" in the file matches no weight of model/);
  });
  it('two names for one slot name both', async () => {
    const model = new Sequential([layers.dense({ units: 2, inputShape: [2], name: 'a' }), layers.dense({ units: 2, name: 'b' })], { seed: 9 });
    const saved = await savedArtifacts(model);
    const specs = saved.weightSpecs!.map((s, i) => ({ ...s, name: ['a/kernel', 'a/bias', 'b/kernel', 'sequential/a/kernel'][i] }));
    const e = await plainError(() => io.fromArtifacts({ ...saved, weightSpecs: specs }));
    expect(e.message).toMatch(/weights "a\/kernel" and "sequential\/a\/kernel" in the file both match a\/kernel of layer "a"/);
  });
});

describe('found by the 100 000-case fuzz run (test/io-fuzz.test.ts)', () => {
  const topo = async () => {
    const { a } = await savedDir(`fz-${Math.random().toString(36).slice(2)}`);
    return { a, t: structuredClone(a.modelTopology) as { config: Record<string, any> } };
  };
  it('a layer or model name that is not a string is refused by field (no "[object Object]" in messages)', async () => {
    const { a, t } = await topo();
    t.config.layers[0].config.name = { x: 1 };
    const e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: t }));
    expect(e.message).toMatch(/field modelTopology\.config\.layers\[0\]\.config\.name: expected a name \(a non-empty string without "\/"\), found an object/);
    expect(e.message).not.toMatch(/object Object/);
  });
  it('a layer name with "/" is refused (its saved weights could not be matched back)', async () => {
    const { a, t } = await topo();
    t.config.layers[0].config.name = 'x/lstm';
    const e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: t }));
    expect(e.message).toMatch(/config\.name: expected a name .*found "x\/lstm", which contains "\/"/);
  });
  it('a functional output reference that is null is a field error, not a TypeError', async () => {
    const model = new Sequential([layers.lstm({ units: 2, inputShape: [3, 2], returnState: true, name: 'lstm' })], { seed: 2 });
    const a = await savedArtifacts(model);
    const t = structuredClone(a.modelTopology) as { config: Record<string, any> };
    t.config.output_layers = [null];
    const e = await plainError(() => io.fromArtifacts({ ...a, modelTopology: t }));
    expect(e.message).toMatch(/field modelTopology\.config\.output_layers\[0\]: expected a tensor reference/);
  });
});
