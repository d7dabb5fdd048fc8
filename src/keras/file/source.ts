/**
 * Where a Keras file's bytes come from: `file://` (Node; one regular file,
 * size bounded, read after the check on the same handle) or http(s) (fetch).
 * After the merge with the contained-file-read work, the file:// branch
 * should call src/io/handlers/contained.ts instead of reading here.
 */
export const KERAS_FILE_MAX_BYTES = 2 ** 31 - 1;

export const isKerasPath = (url: string): boolean => /\.(keras|h5|hdf5)$/i.test(url.replace(/[?#].*$/, ''));

export async function readKerasBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith('file://')) {
    const path = url.slice('file://'.length);
    let fs: typeof import('node:fs/promises');
    try { fs = await import('node:fs/promises'); } catch {
      throw new Error(`${url}: file:// paths need Node.js (node:fs); in a browser load the file over http(s) or pass its bytes to io.fromKeras`);
    }
    let h: import('node:fs/promises').FileHandle;
    try { h = await fs.open(path, 'r'); } catch (e) {
      throw new Error(`${path}: cannot open (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
    try {
      const st = await h.stat();
      if (!st.isFile()) throw new Error(`${path}: not a regular file`);
      if (st.size > KERAS_FILE_MAX_BYTES) throw new Error(`${path}: ${st.size} bytes, more than the ${KERAS_FILE_MAX_BYTES} allowed for a Keras file`);
      const buf = new Uint8Array(st.size);
      let off = 0;
      while (off < st.size) {
        const { bytesRead } = await h.read(buf, off, st.size - off, off);
        if (bytesRead === 0) throw new Error(`${path}: file shrank while reading (${off} of ${st.size} bytes)`);
        off += bytesRead;
      }
      return buf;
    } finally {
      await h.close();
    }
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
