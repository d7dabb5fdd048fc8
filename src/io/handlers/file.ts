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
import {
  artifactsFromModelJSON, artifactsInfo, joinWeightData, modelJSONFromArtifacts, parseModelJSON,
  type IOHandler, type ModelArtifacts, type SaveResult,
} from '../artifacts.js';
import { checkShardBytes, DEFAULT_SHARD_BYTES, shardWeightData } from '../weights.js';
import { MAX_JSON_BYTES } from '../validate/limits.js';
import { nodeModules, readContained, sizeContained } from './contained.js';

export const FILE_SCHEME = 'file://';

export interface FileHandlerOptions {
  /** Shard size in bytes (default 4 MiB, as the Python converter). */
  shardBytes?: number;
}
export const FILE_HANDLER_OPTIONS = ['shardBytes'] as const;


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
        throw new Error(`load: cannot read ${target} (${(e as { code?: string }).code ?? (e as Error).message})`);
      }
      // Every read goes through readContained: model.json and its shards, inside the model folder.
      const dir = path.dirname(jsonPath);
      let text: string;
      try {
        const bytes = await readContained(dir, path.basename(jsonPath), { where: 'load', maxBytes: MAX_JSON_BYTES });
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (e) {
        if (/is missing$/.test((e as Error).message)) throw new Error(`load: model.json not found at ${jsonPath}`);
        if (e instanceof TypeError) throw new Error(`load: ${jsonPath} is not UTF-8 text`);
        throw e;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new Error(`load: ${jsonPath} is not valid JSON (${(e as Error).message})`);
      }
      const json = parseModelJSON(parsed, jsonPath);
      // Sizes of every shard first (fstat only), checked against the manifest; then the bytes.
      const shardPaths = json.weightsManifest.flatMap((g, gi) => g.paths.map((rel, i) => ({ rel, field: `weightsManifest[${gi}].paths[${i}]` })));
      const sizes: number[] = [];
      for (const { rel, field } of shardPaths) {
        sizes.push(await sizeContained(dir, rel, { where: `load: ${jsonPath} ${field}`, what: 'weight shard' }));
      }
      checkShardBytes(json.weightsManifest, sizes, jsonPath);
      const shards: ArrayBuffer[] = [];
      for (const [k, { rel, field }] of shardPaths.entries()) {
        const bytes = await readContained(dir, rel, { where: `load: ${jsonPath} ${field}`, what: 'weight shard', expectedBytes: sizes[k] });
        shards.push(bytes.buffer as ArrayBuffer);
      }
      return artifactsFromModelJSON(json, shards);
    },
  };
}
