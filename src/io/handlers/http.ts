/**
 * http(s):// handler, following tfjs-core `io/http.ts`:
 * - load: GET model.json, then GET every manifest path resolved against the
 *   model URL's directory, keeping the model URL's `?query` suffix
 *   (tfjs `parseUrl`), e.g. https://h/m/model.json?v=2 -> https://h/m/group1-shard1of1.bin?v=2
 * - save: POST multipart form data with fields `model.json` and
 *   `model.weights.bin` (what tfjs's http save sends, so the same server works).
 */
import { checkOptions } from '../../util/options.js';
import {
  artifactsFromModelJSON, artifactsInfo, joinWeightData, modelJSONFromArtifacts, parseModelJSON,
  type IOHandler, type ModelArtifacts, type SaveResult,
} from '../artifacts.js';
import { checkShardBytes, weightBytes } from '../weights.js';
import { weightSpecsOf } from '../artifacts.js';
import { MAX_JSON_BYTES } from '../validate/limits.js';
import { BodyTooLargeError, readBounded } from './http-body.js';

export interface HttpOptions {
  /** Replaces the global `fetch` (tests, auth wrappers, Node < 18). */
  fetchFunc?: typeof fetch;
  /** Passed to every request (headers, credentials, ...). Must not have a body. */
  requestInit?: RequestInit;
  /** Load weights from this prefix instead of the model.json directory. */
  weightPathPrefix?: string;
}
export const HTTP_OPTIONS = ['fetchFunc', 'requestInit', 'weightPathPrefix'] as const;

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//.test(url);
}

/** tfjs `parseUrl`: ['https://h/dir/', '?query'] for 'https://h/dir/model.json?query'. */
export function splitModelUrl(url: string): [string, string] {
  const lastSlash = url.lastIndexOf('/');
  const q = url.lastIndexOf('?');
  return [url.substring(0, lastSlash) + '/', q > lastSlash ? url.substring(q) : ''];
}

function originOf(u: string, modelUrl: string): string {
  try {
    return new URL(u).origin;
  } catch {
    throw new Error(`load: ${modelUrl}: weight shard URL ${u} is not a valid URL`);
  }
}

export function httpHandler(url: string, options: HttpOptions = {}): IOHandler {
  options = checkOptions(options, HTTP_OPTIONS, 'io.httpHandler');
  const getFetch = (): typeof fetch => {
    const f = options.fetchFunc ?? (typeof fetch === 'function' ? fetch : undefined);
    if (f == null) throw new Error(`http handler: no fetch() in this environment; pass options.fetchFunc (url ${url})`);
    return f;
  };
  if (options.requestInit?.body != null) throw new Error('http handler: requestInit must not have a body');

  return {
    async load(): Promise<ModelArtifacts> {
      const f = getFetch();
      const res = await f(url, options.requestInit).catch((e: unknown) => {
        throw new Error(`load: GET ${url} failed: ${(e as Error)?.message ?? String(e)}`);
      });
      if (!res.ok) throw new Error(`load: GET ${url} failed with HTTP ${res.status}; check that the URL points to model.json`);
      const text = await readBounded(res, { max: MAX_JSON_BYTES, used: 0 },
        (n) => `load: ${url} sends more than ${MAX_JSON_BYTES} bytes (${n} so far); a model.json is never that large`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(text));
      } catch {
        throw new Error(`load: ${url} did not return valid JSON; check that the server serves model.json there`);
      }
      const json = parseModelJSON(parsed, url);
      const [prefix, suffix] = splitModelUrl(url);
      const base = options.weightPathPrefix ?? prefix;
      const urls = json.weightsManifest.flatMap((g) => g.paths.map((p) => base + p + suffix));
      // Shard paths come from the file: they may not send requests to another origin.
      const origin = originOf(base, url);
      for (const u of urls) {
        if (originOf(u, url) !== origin) throw new Error(`load: ${url}: weight shard URL ${u} leaves the origin ${origin}; shard paths must stay on it`);
      }
      // the shards together may hold exactly what the manifest declares: stop reading past that
      const need = weightBytes(weightSpecsOf(json.weightsManifest));
      const budget = { max: need, used: 0 };
      const shards = await Promise.all(urls.map(async (u) => {
        // fetch rejects with a TypeError on network failures: the caller gets an Error naming the shard.
        const r = await f(u, options.requestInit).catch((e: unknown) => {
          throw new Error(`load: weight shard ${u} (listed in ${url}) could not be fetched: ${(e as Error)?.message ?? String(e)}`);
        });
        if (!r.ok) throw new Error(`load: weight shard ${u} (listed in ${url}) failed with HTTP ${r.status}`);
        const tooBig = (n: number) => `load: ${url}: the weight shards send more than the ${need} bytes its manifest declares (${n} bytes so far, at ${u})`;
        const bytes = await readBounded(r, budget, tooBig).catch((e: unknown) => {
          if (e instanceof BodyTooLargeError) throw e;
          throw new Error(`load: weight shard ${u} (listed in ${url}) could not be read: ${(e as Error)?.message ?? String(e)}`);
        });
        return bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer as ArrayBuffer : bytes.slice().buffer;
      }));
      checkShardBytes(json.weightsManifest, shards.map((b) => b.byteLength), url);
      return artifactsFromModelJSON(json, shards);
    },

    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const f = getFetch();
      const json = modelJSONFromArtifacts(artifacts, ['./model.weights.bin']);
      const body = new FormData();
      body.append('model.json', new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json');
      body.append('model.weights.bin', new Blob([joinWeightData(artifacts.weightData)], { type: 'application/octet-stream' }),
        'model.weights.bin');
      const res = await f(url, { method: 'POST', ...options.requestInit, body });
      if (!res.ok) throw new Error(`save: POST ${url} failed with HTTP ${res.status}`);
      return { modelArtifactsInfo: artifactsInfo(artifacts), responses: [res] };
    },
  };
}
