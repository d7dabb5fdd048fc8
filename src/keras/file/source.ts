/**
 * Where a Keras file's bytes come from: `file://` (Node; src/io/handlers/contained.ts:
 * one regular file, size bounded, read after the check on the same handle) or http(s) (fetch).
 */
import { nodeModules, readContained } from '../../io/handlers/contained.js';

export const KERAS_FILE_MAX_BYTES = 2 ** 31 - 1;

export const isKerasPath = (url: string): boolean => /\.(keras|h5|hdf5)$/i.test(url.replace(/[?#].*$/, ''));

export async function readKerasBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith('file://')) {
    // one regular file, inside its own folder, size bounded before reading: the contained read every loader uses
    const file = url.slice('file://'.length);
    const { path } = await nodeModules();
    const abs = path.resolve(file);
    return readContained(path.dirname(abs), path.basename(abs), { where: url, what: 'Keras file', maxBytes: KERAS_FILE_MAX_BYTES });
  }
  if (/^https?:\/\//i.test(url)) {
    let res: Response;
    try { res = await fetch(url); } catch (e) { throw new Error(`${url}: request failed (${(e as Error).message})`); }
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    const tooBig = (n: number) => new Error(`${url}: ${n} bytes or more, more than the ${KERAS_FILE_MAX_BYTES} allowed for a Keras file`);
    const len = Number(res.headers.get('content-length') ?? 0);
    if (len > KERAS_FILE_MAX_BYTES) throw tooBig(len);
    if (!res.body) return new Uint8Array(await res.arrayBuffer());
    // no (or a wrong) Content-Length: count while reading, stop at the bound
    const parts: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > KERAS_FILE_MAX_BYTES) { await reader.cancel(); throw tooBig(total); }
      parts.push(value);
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of parts) { out.set(p, off); off += p.length; }
    return out;
  }
  throw new Error(`${url}: a Keras file is loaded from file://… or http(s)://…, or pass its bytes to io.fromKeras`);
}
