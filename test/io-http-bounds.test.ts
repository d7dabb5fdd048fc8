/**
 * A server decides what a fetched body holds. Defect (noted in session 3): model.json and the
 * weight shards were read with res.json()/res.arrayBuffer(), which buffer whatever arrives — a
 * hostile or broken server could make a load take gigabytes (or hang on an endless stream).
 * Now model.json is bounded by MAX_JSON_BYTES and the shards by the bytes their manifest declares.
 */
import { describe, expect, it } from 'vitest';
import { httpHandler } from '../src/io/handlers/http.js';
import { MAX_JSON_BYTES } from '../src/io/validate/limits.js';

const CHUNK = 1 << 20;

/** An endless body; counts the bytes pulled from it and whether it was cancelled. */
function endless(): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0, cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) { pulled += CHUNK; c.enqueue(new Uint8Array(CHUNK).fill(32)); },
    cancel() { cancelled = true; },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const modelJson = JSON.stringify({
  modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3] } }] } },
  weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }] }],
});
const NEED = (3 * 2 + 2) * 4;

describe('http loads are bounded (defect: unbounded model.json and shard bodies)', () => {
  it('an endless model.json stream is cancelled once it passes MAX_JSON_BYTES', async () => {
    const body = endless();
    const fetchFunc = (async () => new Response(body.stream)) as typeof fetch;
    await expect(httpHandler('https://h.test/m/model.json', { fetchFunc }).load!()).rejects.toThrow(/sends more than 268435456 bytes.*never that large/);
    expect(body.cancelled()).toBe(true);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_JSON_BYTES + 2 * CHUNK);
  });

  it('a declared Content-Length over the bound is refused before reading', async () => {
    const body = endless();
    const fetchFunc = (async () => new Response(body.stream, { headers: { 'content-length': String(MAX_JSON_BYTES + 1) } })) as typeof fetch;
    await expect(httpHandler('https://h.test/m/model.json', { fetchFunc }).load!()).rejects.toThrow(/sends more than/);
    expect(body.pulled()).toBeLessThanOrEqual(CHUNK); // at most the stream's own first pull
  });

  it('weight shards may send no more than the manifest declares (endless shard)', async () => {
    const body = endless();
    const fetchFunc = (async (u: string) => u.endsWith('model.json') ? new Response(modelJson) : new Response(body.stream)) as typeof fetch;
    await expect(httpHandler('https://h.test/m/model.json', { fetchFunc }).load!())
      .rejects.toThrow(new RegExp(`weight shards send more than the ${NEED} bytes its manifest declares.*w\\.bin`));
    expect(body.cancelled()).toBe(true);
    expect(body.pulled()).toBeLessThanOrEqual(2 * CHUNK);
  });

  it('a shard of exactly the declared size loads (the bound is not off by one)', async () => {
    const w = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const fetchFunc = (async (u: string) => u.endsWith('model.json') ? new Response(modelJson) : new Response(w.slice().buffer)) as typeof fetch;
    const a = await httpHandler('https://h.test/m/model.json', { fetchFunc }).load!();
    const shards = a.weightData as ArrayBuffer[];
    expect(shards.flatMap((b) => Array.from(new Float32Array(b)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
