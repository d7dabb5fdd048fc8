/**
 * readModelTopology: any accepted topology -> a chain (CanonicalTopology, built as a Sequential,
 * exactly as before functional graphs) or a functional graph (GraphSpec, built as a Model).
 * A Model / Functional config is always read as a graph first, so every reference is checked;
 * when it is one chain (src/io/functional/read.ts isChain) it is read again by the chain reader.
 */
import { normalizeTopology, topologyRoot, type CanonicalTopology } from './topology.js';
import { isChain, readFunctional, type FunctionalTopology } from './functional/read.js';

export type ModelTopology = { kind: 'chain'; topology: CanonicalTopology } | { kind: 'graph'; graph: FunctionalTopology };

export function readModelTopology(topology: unknown): ModelTopology {
  const root = topologyRoot(topology);
  if (root.modelClass === 'Model' || root.modelClass === 'Functional') {
    const graph = readFunctional(root);
    if (!isChain(graph.spec)) return { kind: 'graph', graph };
  }
  return { kind: 'chain', topology: normalizeTopology(topology) };
}

/** The layers weights are matched against, either way. */
export const weightLayout = (t: ModelTopology) => (t.kind === 'chain' ? t.topology : t.graph);
