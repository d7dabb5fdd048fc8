/**
 * Functional-graph mutations for the fuzz suite: what a hostile model.json can do to the
 * references of a functional topology (tfjs `Model`, list-style inbound_nodes), driven by
 * fast-check numbers like mutate.ts so every case is reproducible and shrinks:
 *   refLayer   point a reference (call input, model input/output) at another layer or an unknown name
 *   refIndex   set a reference's node or tensor index (in range, just out of range, huge)
 *   addInput   give a call one more input (a state for a recurrent layer, a merge operand, junk)
 *   dropInput  remove an input from a call (empties a call, drops a state)
 *   cycle      feed a layer from a layer downstream of it
 *   dupName    give one layer another layer's name
 *   kwarg      put an unknown / known call argument on a call
 *   callTwice  duplicate a call (a layer shared once more)
 *   ioList     reorder, duplicate or empty input_layers / output_layers
 */
import type { Op } from './mutate.js';

export const GRAPH_OPS = ['refLayer', 'refIndex', 'addInput', 'dropInput', 'cycle', 'dupName', 'kwarg', 'callTwice', 'ioList'];

type Json = Record<string, any>;
const pick = <T>(xs: readonly T[], r: number): T => xs[r % xs.length];

/** Every reference [layer, node, tensor(, kwargs)] in the topology, with where it sits. */
function refs(c: Json): unknown[][] {
  const out: unknown[][] = [];
  for (const l of c.layers ?? []) for (const node of l?.inbound_nodes ?? []) if (Array.isArray(node)) for (const r of node) if (Array.isArray(r)) out.push(r);
  for (const k of ['input_layers', 'output_layers']) for (const r of Array.isArray(c[k]) ? c[k] : []) if (Array.isArray(r)) out.push(r);
  return out;
}

export function mutateGraph(topology: Json, ops: readonly Op[]): Json {
  const t = structuredClone(topology);
  const c = t.config as Json;
  const layers = (c.layers ?? []) as Json[];
  const names = [...layers.map((l) => l.name as string), 'ghost', '', 'constructor', '__proto__'];
  for (const { op, r } of ops) {
    const all = refs(c);
    const calls = layers.flatMap((l) => (Array.isArray(l.inbound_nodes) ? l.inbound_nodes.filter(Array.isArray) as unknown[][][] : []));
    switch (op) {
      case 'refLayer': if (all.length) pick(all, r[0])[0] = pick(names, r[1]); break;
      case 'refIndex': if (all.length) pick(all, r[0])[1 + (r[1] % 2)] = pick([0, 1, 2, 3, 4, 5, 2 ** 31, 2 ** 53 - 1], r[2]); break;
      case 'addInput': if (calls.length && all.length) pick(calls, r[0]).push(structuredClone(pick(all, r[1]).slice(0, 3)).concat([{}])); break;
      case 'dropInput': if (calls.length) { const call = pick(calls, r[0]); call.splice(r[1] % Math.max(1, call.length), 1); } break;
      case 'cycle': {
        if (layers.length < 2) break;
        const i = r[0] % layers.length;
        const j = i + 1 + (r[1] % Math.max(1, layers.length - i - 1));
        const node = layers[i]?.inbound_nodes?.[0];
        if (Array.isArray(node) && layers[j]) node[0] = [layers[j].name, 0, 0, {}];
        break;
      }
      case 'dupName': {
        if (layers.length < 2) break;
        const a = pick(layers, r[0]);
        const b = pick(layers, r[1]);
        a.name = b.name;
        if (a.config && typeof a.config === 'object') a.config.name = b.name;
        break;
      }
      case 'kwarg': {
        if (!all.length) break;
        const ref = pick(all, r[0]);
        if (ref.length >= 3 && ref !== c.input_layers && ref !== c.output_layers) {
          ref[3] = pick([{ training: true }, { mask: null }, { mask: ['ghost', 0, 0] }, { initial_state: [pick(all, r[2]).slice(0, 3)] },
            { constants: [] }, { scale: 2 }, { return_attention_scores: true }, { use_causal_mask: 1 }], r[1]);
        }
        break;
      }
      case 'callTwice': { const l = pick(layers, r[0]); if (Array.isArray(l?.inbound_nodes) && l.inbound_nodes.length) l.inbound_nodes.push(structuredClone(l.inbound_nodes[0])); break; }
      case 'ioList': {
        const k = r[0] % 2 ? 'input_layers' : 'output_layers';
        const list = c[k];
        if (!Array.isArray(list)) break;
        const m = r[1] % 4;
        if (m === 0) list.reverse();
        else if (m === 1 && list.length) list.push(structuredClone(list[0]));
        else if (m === 2) c[k] = [];
        else list.splice(r[2] % Math.max(1, list.length), 1);
        break;
      }
      default: throw new Error(`graph-mutate: unknown op ${op}`);
    }
  }
  return t;
}
