/**
 * Bounded reads of HTTP response bodies. A server (or anything on the path) decides what a
 * `fetch` body holds: without a bound, `res.json()` / `res.arrayBuffer()` would buffer whatever
 * arrives, gigabytes included. A declared Content-Length over the bound is refused before
 * reading; a streamed body is cancelled as soon as it passes the bound.
 */

/** Shared across concurrent reads (a model's weight shards): total bytes allowed, bytes read so far. */
export interface ByteBudget {
  max: number;
  used: number;
}

/** What readBounded throws when the budget is exceeded (other read failures pass through as they are). */
export class BodyTooLargeError extends Error {}

/**
 * The body of `res` as bytes; throws BodyTooLargeError(message(bytes)) once more than `budget.max`
 * bytes would have been read in all.
 */
export async function readBounded(res: Response, budget: ByteBudget, message: (bytes: number) => string): Promise<Uint8Array> {
  const tooBig = (n: number) => new BodyTooLargeError(message(n));
  const declared = Number(res.headers?.get?.('content-length') ?? NaN);
  if (Number.isFinite(declared) && budget.used + declared > budget.max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig(budget.used + declared);
  }
  const reader = res.body?.getReader?.();
  if (!reader) {
    // bodies without a stream (some fetch polyfills): read, then check
    const bytes = new Uint8Array(await res.arrayBuffer());
    budget.used += bytes.byteLength;
    if (budget.used > budget.max) throw tooBig(budget.used);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    budget.used += value.byteLength;
    if (budget.used > budget.max) {
      await reader.cancel().catch(() => undefined);
      throw tooBig(budget.used);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}
