/**
 * Node `file://` handler: a directory with model.json + binary weight shards.
 *
 *   save('file://out/dir')            -> out/dir/model.json, out/dir/group1-shard1of1.bin, ...
 *   load('file://out/dir/model.json') -> reads model.json, then each manifest path
 *                                        relative to model.json's directory
 *   load('file://out/dir')            -> same as .../model.json
 *
 * Node's fs/path come from `#platform`, so this module (and the package) still
 * loads in browsers; only calling save/load needs Node.
 */
import { checkOptions } from '../../util/options.js';
import { platform } from '#platform';
import {
  artifactsFromModelJSON, artifactsInfo, joinWeightData, modelJSONFromArtifacts, parseModelJSON,
  type IOHandler, type ModelArtifacts, type SaveResult,
} from '../artifacts.js';
import { checkShardBytes, DEFAULT_SHARD_BYTES, shardWeightData } from '../weights.js';

export const FILE_SCHEME = 'file://';

export interface FileHandlerOptions {
  /** Shard size in bytes (default 4 MiB, as the Python converter). */
  shardBytes?: number;
}
export const FILE_HANDLER_OPTIONS = ['shardBytes'] as const;

// node:fs/promises and node:path come from '#platform' (never part of a browser bundle)
const nodeModules = () => platform.nodeFiles();

function stripScheme(url: string): string {
  return url.startsWith(FILE_SCHEME) ? url.slice(FILE_SCHEME.length) : url;
}

function isNotFound(e: unknown): boolean {
  return (e as { code?: string })?.code === 'ENOENT';
}

export function fileHandler(url: string, options: FileHandlerOptions = {}): IOHandler {
  options = checkOptions(options, FILE_HANDLER_OPTIONS, 'io.fileHandler');
  const target = stripScheme(url);
  if (target.length === 0) throw new Error(`file handler: empty path in "${url}"`);
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const { fs, path } = await nodeModules();
      const dir = target.endsWith('.json') ? path.dirname(target) : target;
      const jsonName = target.endsWith('.json') ? path.basename(target) : 'model.json';
      const { paths, shards } = shardWeightData(joinWeightData(artifacts.weightData), options.shardBytes ?? DEFAULT_SHARD_BYTES);
      const json = modelJSONFromArtifacts(artifacts, paths);
      await fs.mkdir(dir, { recursive: true });
      // Shards first, model.json last: a reader never sees a manifest whose shards are missing.
      const written: string[] = [];
      for (let i = 0; i < shards.length; i++) {
        const p = path.join(dir, paths[i]);
        await fs.writeFile(p, new Uint8Array(shards[i]));
        written.push(p);
      }
      const jsonPath = path.join(dir, jsonName);
      await fs.writeFile(jsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: artifactsInfo(artifacts), paths: [jsonPath, ...written] };
    },

    async load(): Promise<ModelArtifacts> {
      const { fs, path } = await nodeModules();
      let jsonPath = target;
      try {
        if ((await fs.stat(target)).isDirectory()) jsonPath = path.join(target, 'model.json');
      } catch (e) {
        if (isNotFound(e)) throw new Error(`load: no such file or directory: ${target}`);
        throw e;
      }
      let text: string;
      try {
        text = await fs.readFile(jsonPath, 'utf8');
      } catch (e) {
        if (isNotFound(e)) throw new Error(`load: model.json not found at ${jsonPath}`);
        throw e;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error(`load: ${jsonPath} is not valid JSON (${(e as Error).message})`);
      }
      const json = parseModelJSON(parsed, jsonPath);
      const dir = path.dirname(jsonPath);
      const shards: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        for (const rel of group.paths) {
          const p = path.join(dir, rel);
          let bytes: Uint8Array;
          try {
            bytes = await fs.readFile(p);
          } catch (e) {
            if (isNotFound(e)) throw new Error(`load: weight shard "${rel}" listed in ${jsonPath} is missing (${p})`);
            throw e;
          }
          shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      }
      checkShardBytes(json.weightsManifest, shards, jsonPath);
      return artifactsFromModelJSON(json, shards);
    },
  };
}
