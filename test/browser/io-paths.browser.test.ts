/**
 * Browser-only: hostile model files in a page. The http handler's shard requests stay on the
 * model's origin whatever the manifest's paths say; file:// and hostile artifacts give plain,
 * clear Errors (no TypeError/RangeError), and nothing changes Object.prototype.
 */
import { describe, it, expect } from 'vitest';
import { io, Sequential, layers, type ModelArtifacts } from '../../src/index.js';

const fixtureUrl = (path: string) => new URL(`/__fixtures__/${path}`, location.origin).href;

async function plainError(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(Error);
  expect((e as Error).constructor).toBe(Error);
  return e as Error;
}

describe('browser: paths and hostile files', () => {
  it.each(['https://evil.example/group1-shard1of1.bin', '//evil.example/group1-shard1of1.bin', 'http:evil.example/x.bin',
    '../saved_lstm_stacked/group1-shard1of1.bin', '../../../../etc/passwd'])(
    'http handler: shard path "%s" is requested from the model\'s origin only', async (p) => {
      const modelUrl = fixtureUrl('saved_lstm_stacked/model.json');
      const requested: string[] = [];
      const fetchFunc = (async (u: string, init?: RequestInit) => {
        requested.push(new URL(u).origin);
        const res = await fetch(u, init);
        if (u === modelUrl) {
          const json = await res.json();
          json.weightsManifest[0].paths = [p];
          return new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
        }
        return res;
      }) as typeof fetch;
      const out = await io.loadModel(io.httpHandler(modelUrl, { fetchFunc })).then(() => 'loaded', (e: Error) => e);
      expect(new Set(requested)).toEqual(new Set([location.origin]));
      if (out !== 'loaded') expect((out as Error).constructor).toBe(Error);
    });

  it('file:// in a page is a clear Error naming what to use instead', async () => {
    const e = await plainError(io.loadModel('file:///etc/model.json'));
    expect(e.message).toMatch(/need Node\.js.*indexeddb:\/\/.*http\(s\) URL/);
  });

  it('hostile artifacts in a page: deep nesting, "__proto__" keys, NaN shapes -> plain Errors, prototype untouched', async () => {
    const model = new Sequential([layers.dense({ units: 2, inputShape: [3], name: 'd' })], { seed: 1 });
    let a: ModelArtifacts | undefined;
    await model.save(io.withSaveHandler((x) => { a = x; }));
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const topo = JSON.parse(JSON.stringify(a!.modelTopology));
    topo.config.layers[0].config.kernel_initializer = { class_name: 'Zeros', config: { x: deep } };
    expect((await plainError(io.loadModel(io.fromMemory({ ...a!, modelTopology: topo })))).message).toMatch(/nested deeper than 64 levels/);
    const proto = JSON.parse(JSON.stringify(a!.modelTopology).replace('"units":', '"__proto__":{"polluted":1},"units":'));
    expect((await plainError(io.loadModel(io.fromMemory({ ...a!, modelTopology: proto })))).message).toMatch(/"__proto__" is not allowed/);
    const nanShape = { ...a!, weightSpecs: [{ ...a!.weightSpecs![0], shape: [NaN, 2] }, a!.weightSpecs![1]] };
    expect((await plainError(io.loadModel(io.fromMemory(nanShape)))).message).toMatch(/weight "d\/kernel".*shape\[0\]: expected a non-negative integer dimension, found NaN/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
