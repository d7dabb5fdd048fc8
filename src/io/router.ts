/**
 * URL or handler -> IOHandler, and the two entry points the model code calls.
 *
 *   'file://...'                -> Node files (handlers/file.ts)
 *   'indexeddb://name'          -> browser IndexedDB, tfjs-compatible layout
 *   'downloads://name'          -> browser downloads (save only)
 *   'http://...' / 'https://...'-> fetch (load), multipart POST (save)
 *   an object with save/load    -> used as is (user handlers, tfjs handlers)
 */
import type { IOHandler, ModelArtifacts, SaveResult } from './artifacts.js';
import { downloadsHandler, DOWNLOADS_SCHEME } from './handlers/downloads.js';
import { fileHandler, FILE_SCHEME } from './handlers/file.js';
import { httpHandler, isHttpUrl } from './handlers/http.js';
import { indexedDBHandler, INDEXEDDB_SCHEME } from './handlers/indexeddb.js';

/** Where a model is saved or loaded from: a `file://`, `http(s)://`, `indexeddb://` or `downloads://` URL, or a handler. */
export type UrlOrHandler = string | IOHandler;

const SCHEMES = `${FILE_SCHEME}, ${INDEXEDDB_SCHEME}, ${DOWNLOADS_SCHEME}, http://, https://`;

export function resolveHandler(target: UrlOrHandler, purpose: 'save' | 'load'): IOHandler {
  if (typeof target === 'string') {
    if (target.startsWith(FILE_SCHEME)) return fileHandler(target);
    if (target.startsWith(INDEXEDDB_SCHEME)) return indexedDBHandler(target);
    if (target.startsWith(DOWNLOADS_SCHEME)) {
      if (purpose === 'load') throw new Error(`load: "${target}": downloads:// can only save; load the files with an http(s) URL or fromMemory`);
      return downloadsHandler(target);
    }
    if (isHttpUrl(target)) return httpHandler(target);
    throw new Error(`${purpose}: unsupported model URL "${target}"; expected one of ${SCHEMES}, or an IOHandler object`);
  }
  if (target == null || typeof target !== 'object') {
    throw new Error(`${purpose}: expected a URL string or an IOHandler {save?, load?}, got ${target === null ? 'null' : typeof target}`);
  }
  if (typeof target[purpose] !== 'function') {
    throw new Error(`${purpose}: the IOHandler given has no ${purpose}() method`);
  }
  return target;
}

/** Save artifacts through a URL scheme or handler. */
export async function saveArtifacts(target: UrlOrHandler, artifacts: ModelArtifacts): Promise<SaveResult> {
  const handler = resolveHandler(target, 'save');
  return handler.save!(artifacts);
}

/** Load artifacts through a URL scheme or handler. The weights are not decoded yet (see decodeWeights). */
export async function loadArtifacts(target: UrlOrHandler): Promise<ModelArtifacts> {
  const handler = resolveHandler(target, 'load');
  const artifacts = await handler.load!();
  if (artifacts == null || typeof artifacts !== 'object') {
    throw new Error(`load: the handler returned ${String(artifacts)} instead of ModelArtifacts`);
  }
  return artifacts;
}
