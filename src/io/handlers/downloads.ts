/**
 * `downloads://name` handler (browser): triggers two downloads, `name.json`
 * and `name.weights.bin`, exactly like tfjs-core `io/browser_files.ts`
 * (manifest path "./name.weights.bin"). Saving only; load the files back with
 * an http(s) URL or `fromMemory`.
 */
import { checkOptions } from '../../util/options.js';
import { artifactsInfo, joinWeightData, modelJSONFromArtifacts, type IOHandler, type ModelArtifacts, type SaveResult } from '../artifacts.js';

export const DOWNLOADS_SCHEME = 'downloads://';

export interface DownloadsOptions {
  /** Injected DOM pieces (tests); default the globals. */
  document?: { createElement(tag: 'a'): { download: string; href: string; click(): void } };
  createObjectURL?: (blob: Blob) => string;
}
export const DOWNLOADS_OPTIONS = ['document', 'createObjectURL'] as const;

export function downloadsHandler(url: string, options: DownloadsOptions = {}): IOHandler {
  options = checkOptions(options, DOWNLOADS_OPTIONS, 'io.downloadsHandler');
  let prefix = url.startsWith(DOWNLOADS_SCHEME) ? url.slice(DOWNLOADS_SCHEME.length) : url;
  if (prefix.length === 0) prefix = 'model';
  const jsonName = `${prefix}.json`;
  const binName = `${prefix}.weights.bin`;
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const doc = options.document ?? (globalThis as { document?: DownloadsOptions['document'] }).document;
      const toUrl = options.createObjectURL ?? (globalThis.URL as { createObjectURL?: (b: Blob) => string } | undefined)?.createObjectURL;
      if (doc == null || toUrl == null) {
        throw new Error('downloads:// needs a browser page (document and URL.createObjectURL); in Node use file://');
      }
      const json = modelJSONFromArtifacts(artifacts, [`./${binName}`]);
      const files: [string, Blob][] = [
        [jsonName, new Blob([JSON.stringify(json)], { type: 'application/json' })],
        [binName, new Blob([joinWeightData(artifacts.weightData)], { type: 'application/octet-stream' })],
      ];
      for (const [name, blob] of files) {
        const a = doc.createElement('a');
        a.download = name;
        a.href = toUrl(blob);
        // One macrotask between clicks: Firefox keeps only the last of several synchronous downloads.
        await new Promise((r) => setTimeout(r, 0));
        a.click();
      }
      return { modelArtifactsInfo: artifactsInfo(artifacts), paths: [jsonName, binName] };
    },
  };
}
