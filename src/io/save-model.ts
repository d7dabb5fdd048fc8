/**
 * model.save: its own module, so Sequential.save loads it lazily without making the whole `io`
 * namespace (model-io.ts: loaders, ONNX, PyTorch) a chunk that every bundle which imports the
 * package must fetch — a page that only predicts does not carry the file formats.
 */
import type { Sequential } from '../models/sequential.js';
import { artifactsFromModel } from './model-parts.js';
import { saveArtifacts, type UrlOrHandler } from './router.js';
import type { SaveResult } from './artifacts.js';
import { checkOptions } from '../util/options.js';
import { optimizerCheckpoint } from '../train/checkpoint.js';

export interface SaveOptions {
  /** Also save the optimizer's state and the training config, so io.loadModel resumes training exactly (src/train/checkpoint.ts). */
  includeOptimizer?: boolean;
}

/** Save `model` as model.json + weight shards (tfjs layers-model format). */
export async function saveModel(model: Sequential, target: UrlOrHandler, opts: SaveOptions = {}): Promise<SaveResult> {
  checkOptions(opts, ['includeOptimizer'], `${model.name}.save`);
  if (opts.includeOptimizer !== undefined && typeof opts.includeOptimizer !== 'boolean') {
    throw new Error(`${model.name}.save: includeOptimizer must be true or false, got ${String(opts.includeOptimizer)}`);
  }
  if (!opts.includeOptimizer) return saveArtifacts(target, artifactsFromModel(model.toJSON(), model.getWeights()));
  const ck = optimizerCheckpoint(model);
  const weights = model.getWeights();
  const artifacts = artifactsFromModel(model.toJSON(), [...weights, ...ck.weights], ck.trainingConfig);
  artifacts.weightSpecs!.forEach((s, i) => { if (i >= weights.length) s.group = 'optimizer'; });
  return saveArtifacts(target, artifacts);
}
