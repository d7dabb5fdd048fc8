/**
 * Paths named by a model file (Node): file:// reads stay inside the model folder and read
 * only regular files (handlers/contained.ts); http(s) shard requests stay on the model's origin.
 * Expected bytes/weights are the ones written here.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, io, layers, Sequential } from '../src/index.js';
import { readContained, sizeContained } from '../src/io/handlers/contained.js';

const root = mkdtempSync(join(tmpdir(), 'lstm-wasm-paths-'));
let model: Sequential;
let modelDir: string;
beforeAll(async () => {
  await init();
  model = new Sequential([layers.gru({ units: 2, inputShape: [3, 2], name: 'gru' })], { seed: 4 });
  modelDir = join(root, 'm');
  await model.save(`file://${modelDir}`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function withPath(name: string, p: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  writeFileSync(join(dir, 'w.bin'), readFileSync(join(modelDir, 'group1-shard1of1.bin')));
  json.weightsManifest[0].paths = [p];
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

describe('file:// shard paths', () => {
  it.each(['w.bin', './w.bin', 'sub/../w.bin'])('"%s" stays inside the folder and loads the same weights', async (p) => {
    const back = await io.loadModel(`file://${withPath(`ok-${p.replace(/\W/g, '_')}`, p)}`);
    expect(back.getWeights()).toEqual(model.getWeights());
  });
  it('a symlink to a file inside the folder is followed (realpath stays inside)', async () => {
    const dir = withPath('inner-link', 'link.bin');
    symlinkSync('w.bin', join(dir, 'link.bin'));
    expect((await io.loadModel(`file://${dir}`)).getWeights()).toEqual(model.getWeights());
  });
  it('the model folder itself may be reached through a symlink', async () => {
    const dir = withPath('folder-link-target', 'w.bin');
    symlinkSync(dir, join(root, 'folder-link'));
    expect((await io.loadModel(`file://${join(root, 'folder-link')}/model.json`)).getWeights()).toEqual(model.getWeights());
  });
  it.each([
    ['sub/../../m/group1-shard1of1.bin', /leads outside the model folder/],
    ['w.bin/', /names a directory \(it ends with a slash\)/],
    ['', /expected a shard path \(a non-empty string/],
    ['w\u0000.bin', /a string with a NUL character/],
    ['sub', /weight shard "sub" is a directory; expected a regular file/],
    ['nothing.bin', /weight shard "nothing\.bin" is missing/],
  ])('"%s" is refused with a clear Error', async (p, re) => {
    const err = await io.loadModel(`file://${withPath(`bad-${Math.random().toString(36).slice(2)}`, p)}`).catch((e) => e);
    expect(err.constructor).toBe(Error);
    expect(err.message).toMatch(re);
  });
  it('readContained / sizeContained: exact size checked before reading, and a size bound', async () => {
    const dir = withPath('contained', 'w.bin');
    const n = await sizeContained(dir, 'w.bin', { where: 'test' });
    expect(n).toBe(readFileSync(join(dir, 'w.bin')).length);
    expect(Array.from(await readContained(dir, 'w.bin', { where: 'test', expectedBytes: n }))).toEqual(Array.from(readFileSync(join(dir, 'w.bin'))));
    await expect(readContained(dir, 'w.bin', { where: 'test', expectedBytes: n + 4 })).rejects.toThrow(`test: file "w.bin" has ${n} bytes; expected ${n + 4} bytes`);
    await expect(readContained(dir, 'w.bin', { where: 'test', maxBytes: 3 })).rejects.toThrow(`expected at most 3 bytes`);
    await expect(readContained(dir, '/dev/null', { where: 'test' })).rejects.toThrow(/is absolute/);
  });
});

describe('http(s) shard requests stay on the model\'s origin', () => {
  let server: Server;
  let base: string;
  const requested: string[] = [];
  let json: Record<string, any>;
  const bin = () => readFileSync(join(modelDir, 'group1-shard1of1.bin'));
  beforeAll(async () => {
    json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
    server = createServer((req, res) => {
      requested.push(req.url!);
      if (req.url!.startsWith('/m/model.json')) {
        const p = decodeURIComponent(new URL(req.url!, 'http://x').searchParams.get('p') ?? 'w.bin');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: [p] }] }));
      } else if (req.url!.split('?')[0].endsWith('w.bin')) {
        res.writeHead(200); res.end(bin());
      } else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(['https://evil.example/w.bin', '//evil.example/w.bin', 'http:evil.example/w.bin', '../../w.bin', '@evil.example/w.bin'])(
    'shard path "%s" requests only the model\'s origin', async (p) => {
      const origins: string[] = [];
      const fetchFunc = ((u: string, init?: RequestInit) => { origins.push(new URL(u).origin); return fetch(u, init); }) as typeof fetch;
      requested.length = 0;
      const url = `${base}/m/model.json?p=${encodeURIComponent(p)}`;
      const out = await io.loadModel(io.httpHandler(url, { fetchFunc })).then(() => 'loaded', (e: Error) => e.message);
      expect(origins.length).toBeGreaterThan(0);
      expect(new Set(origins)).toEqual(new Set([base]));
      expect(out === 'loaded' || /HTTP 404|shard/.test(out)).toBe(true);
    });

  it('a network failure (fetch rejects with a TypeError) reaches the caller as an Error naming the URL', async () => {
    const url = `${base}/m/model.json`;
    const fetchFunc = ((u: string, init?: RequestInit) => (u.includes('w.bin') ? Promise.reject(new TypeError('fetch failed')) : fetch(u, init))) as typeof fetch;
    const e = await io.loadModel(io.httpHandler(url, { fetchFunc })).catch((x) => x);
    expect(e.constructor).toBe(Error);
    expect(e.message).toMatch(/weight shard .*w\.bin.*could not be fetched: fetch failed/);
    const down = (() => Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    const e2 = await io.loadModel(io.httpHandler(url, { fetchFunc: down })).catch((x) => x);
    expect(e2.constructor).toBe(Error);
    expect(e2.message).toMatch(/GET .*model\.json failed: fetch failed/);
  });
});
