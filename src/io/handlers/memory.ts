/**
 * In-memory handlers (tfjs `io.fromMemory` / `io.withSaveHandler`).
 */
import { checkModelArtifacts } from '../validate/artifacts.js';
import { artifactsInfo, joinWeightData, type IOHandler, type ModelArtifacts, type SaveResult } from '../artifacts.js';

/** A handler whose load() returns these artifacts (shallow copy; weightData joined). */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  if (artifacts == null || typeof artifacts !== 'object') {
    throw new Error(`fromMemory: expected ModelArtifacts {modelTopology, weightSpecs, weightData}, got ${String(artifacts)}`);
  }
  return {
    async load() {
      const a = checkModelArtifacts(artifacts, 'fromMemory');
      return { ...a, weightData: a.weightData == null ? undefined : joinWeightData(a.weightData) };
    },
  };
}

/** A handler whose save() hands the artifacts to `fn` (e.g. to keep them in memory or send them elsewhere). */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => void | Promise<void>): IOHandler {
  return {
    async save(artifacts): Promise<SaveResult> {
      await fn(artifacts);
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}
