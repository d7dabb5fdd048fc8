/**
 * `indexeddb://name` handler. Uses the same database layout as tfjs-core
 * `io/indexed_db.ts` (database "tensorflowjs" v1, object stores
 * "models_store" and "model_info_store", keyPath "modelPath", record
 * `{ modelPath, modelArtifacts, modelArtifactsInfo }` with weightData joined
 * into one ArrayBuffer), so a model saved by tfjs in a browser loads here and
 * vice versa.
 */
import { checkOptions } from '../../util/options.js';
import { artifactsInfo, joinWeightData, type IOHandler, type ModelArtifacts, type SaveResult } from '../artifacts.js';

export const INDEXEDDB_SCHEME = 'indexeddb://';
const DATABASE_NAME = 'tensorflowjs';
const DATABASE_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

export interface IndexedDBOptions {
  /** An IDBFactory to use instead of `globalThis.indexedDB` (tests, workers with shims). */
  indexedDB?: IDBFactoryLike;
}
export const INDEXEDDB_OPTIONS = ['indexedDB'] as const;
/** Structural stand-in for the DOM's IDBFactory, so a Node project's types need no DOM library. */
export interface IDBFactoryLike { open(name: string, version?: number): unknown }

function factory(options: IndexedDBOptions): IDBFactory {
  const f = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactoryLike }).indexedDB;
  if (f == null) throw new Error('indexeddb:// needs IndexedDB, which this environment does not have (Node has none; use file://)');
  return f as IDBFactory;
}

function openDb(f: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = f.open(DATABASE_NAME, DATABASE_VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      req.result.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export function indexedDBHandler(url: string, options: IndexedDBOptions = {}): IOHandler {
  options = checkOptions(options, INDEXEDDB_OPTIONS, 'io.indexedDBHandler');
  const modelPath = url.startsWith(INDEXEDDB_SCHEME) ? url.slice(INDEXEDDB_SCHEME.length) : url;
  if (modelPath.length === 0) throw new Error(`indexeddb handler: empty model name in "${url}"`);
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const db = await openDb(factory(options));
      try {
        const stored: ModelArtifacts = { ...artifacts, weightData: joinWeightData(artifacts.weightData) };
        const modelArtifactsInfo = artifactsInfo(stored);
        // One transaction over both stores: either both records are written or neither.
        const tx = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
        tx.objectStore(INFO_STORE).put({ modelPath, modelArtifactsInfo });
        tx.objectStore(MODEL_STORE).put({ modelPath, modelArtifacts: stored, modelArtifactsInfo });
        await done(tx);
        return { modelArtifactsInfo, paths: [INDEXEDDB_SCHEME + modelPath] };
      } finally {
        db.close();
      }
    },

    async load(): Promise<ModelArtifacts> {
      const db = await openDb(factory(options));
      try {
        const tx = db.transaction(MODEL_STORE, 'readonly');
        const req = tx.objectStore(MODEL_STORE).get(modelPath);
        const record = await new Promise<{ modelArtifacts?: ModelArtifacts } | undefined>((resolve, reject) => {
          req.onsuccess = () => resolve(req.result as { modelArtifacts?: ModelArtifacts } | undefined);
          req.onerror = () => reject(req.error);
        });
        if (record?.modelArtifacts == null) throw new Error(`load: no model named "${modelPath}" in IndexedDB`);
        return record.modelArtifacts;
      } finally {
        db.close();
      }
    },
  };
}
