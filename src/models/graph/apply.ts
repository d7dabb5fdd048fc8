/**
 * `layer.apply(x, { initialState, training })`: records one node (a call of the layer) and returns
 * its symbolic outputs, shaped by the layer's `nodeBuild` (which builds the layer at its first call).
 */
import type { Layer } from '../../layers/layer.js';
import { checkOptions } from '../../util/options.js';
import { describe } from '../../names.js';
import { SymbolicTensor, nextSerial, type SymbolicNode } from './symbolic.js';

/** Options of `layer.apply`. */
export interface ApplyArgs {
  /** Recurrent layers: initial state tensors (LSTM [h, c]; GRU / SimpleRNN [h]; Bidirectional forward then backward). */
  initialState?: SymbolicTensor | SymbolicTensor[];
  /** Keras `mask=`: not supported (masks propagate from Embedding maskZero / Masking by themselves). */
  mask?: unknown;
  /** Keras `training=`: true keeps this call's dropout on in predict/evaluate, false keeps it off in fit. */
  training?: boolean;
  /** Attention: causal mask over the query steps (Keras `use_causal_mask`); other layers throw. */
  useCausalMask?: boolean;
  /** Attention: also return the attention scores [batch, Tq, Tv] as a second output; other layers throw. */
  returnAttentionScores?: boolean;
}
/** Call options every layer's apply takes; the rest are the layer's own (Layer.nodeCall). */
const GENERIC_APPLY_OPTIONS = ['initialState', 'mask', 'training'] as const;
export const APPLY_OPTIONS = [...GENERIC_APPLY_OPTIONS, 'useCausalMask', 'returnAttentionScores'] as const;

/** Every node recorded for a layer, in call order. */
const nodesOf = new WeakMap<Layer, SymbolicNode[]>();
export function layerNodes(layer: Layer): readonly SymbolicNode[] {
  return nodesOf.get(layer) ?? [];
}

function asTensors(v: unknown, what: string): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new Error(`${what}: expected a symbolic tensor (from input() or layer.apply()) or an array of them, got an empty array`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new Error(`${what}${Array.isArray(v) ? `[${i}]` : ''}: expected a symbolic tensor (from input() or layer.apply()), got ${describe(t)}` +
        (t && typeof t === 'object' && 'data' in t ? ' (a concrete tensor: apply builds a graph; run data through model.predict)' : ''));
    }
  });
  return list as SymbolicTensor[];
}

export function applyLayer(layer: Layer, x: SymbolicTensor | SymbolicTensor[], args: ApplyArgs = {}): SymbolicTensor | SymbolicTensor[] {
  const who = `${layer.name}.apply`;
  args = checkOptions(args ?? {}, APPLY_OPTIONS, who);
  if (args.mask !== undefined) {
    throw new Error(`${who}: mask is not supported; masks propagate by themselves from an Embedding with maskZero or a Masking layer`);
  }
  if (args.training !== undefined && typeof args.training !== 'boolean') throw new Error(`${who}: training must be true or false, got ${describe(args.training)}`);
  const xs = asTensors(x, `${who}: x`);
  const states = args.initialState === undefined ? [] : asTensors(args.initialState, `${who}: initialState`);
  const inputs = [...xs, ...states];
  const kwargs: Record<string, unknown> = {};
  for (const k of Object.keys(args)) if (!(GENERIC_APPLY_OPTIONS as readonly string[]).includes(k)) kwargs[k] = (args as Record<string, unknown>)[k];
  const hasKwargs = Object.keys(kwargs).length > 0;
  let shapes;
  try {
    if (hasKwargs) {
      // the call options belong to this call only: they are set on a per-call view (as the model does)
      const view = Object.create(layer) as Layer;
      view.nodeCall(kwargs);
      layer.nodeBuild(inputs.map((t) => t.shape)); // builds the layer itself at its first call
      shapes = view.nodeBuild(inputs.map((t) => t.shape));
    } else {
      shapes = layer.nodeBuild(inputs.map((t) => t.shape));
    }
  } catch (e) {
    if (states.length && /takes one input tensor/.test((e as Error).message)) {
      throw new Error(`${who}: ${layer.className} does not take initialState (it takes one input tensor)`);
    }
    throw e;
  }
  const node: SymbolicNode = { layer, inputs, nPositional: xs.length, outputs: [], serial: nextSerial() };
  if (args.training !== undefined) node.training = args.training;
  if (hasKwargs) node.kwargs = kwargs;
  const list = nodesOf.get(layer) ?? [];
  const tag = list.length ? `_${list.length}` : '';
  shapes.forEach((s, i) => node.outputs.push(new SymbolicTensor(s.slice(), 'float32', node, i, `${layer.name}${tag}/${i}`)));
  list.push(node);
  nodesOf.set(layer, list);
  return node.outputs.length === 1 ? node.outputs[0] : node.outputs;
}
