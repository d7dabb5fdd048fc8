/**
 * io.toONNX's model side: a functional Model exports its GraphSpec (model.toGraphSpec()), a
 * Sequential its chain topology (model.toJSON()); both go through the one graph exporter.
 * The merge layers' mask rule is not part of their config (it depends on who wrote the
 * model), so it is asked of the layers themselves.
 */
import type { WeightRecord } from './config.js';
import type { GraphSpec } from '../../models/graph/spec.js';
import { exportGraphOnnx, toONNX, type KerasTopology, type ToONNXOptions } from './export.js';

/** What the exporter needs from a model: its weights, and its graph or its chain topology. */
export interface ExportableModel {
  readonly name: string;
  readonly layers: readonly { readonly name: string }[];
  getWeights(): readonly WeightRecord[];
  toJSON(): unknown;
  toGraphSpec?(): GraphSpec;
}

export function modelToONNX(model: ExportableModel, opts: ToONNXOptions): Promise<Uint8Array> {
  if (typeof model.toGraphSpec !== 'function') return toONNX(model.toJSON() as KerasTopology, model.getWeights(), opts);
  const rules = new Map<string, unknown>(model.layers.map((l) => [l.name, (l as { maskRule?: unknown }).maskRule]));
  return exportGraphOnnx(model.toGraphSpec(), model.getWeights(), opts, (name) => {
    const r = rules.get(name);
    return r === 'keras2' || r === 'keras3' ? r : undefined;
  });
}
