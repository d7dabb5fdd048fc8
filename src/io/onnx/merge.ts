/**
 * Merge layers (Keras semantics at inference): Concatenate, Add, Subtract, Multiply,
 * Average, Maximum, Minimum and Dot.
 *
 * Porting notes:
 * - Elementwise merges of inputs of different ranks: Keras expands the lower-rank inputs
 *   at axis 1 until the ranks agree, then broadcasts; ONNX broadcasting does the rest.
 * - Masks follow the layer's rule (src/keras/config.ts MaskRule), which the caller states
 *   (LayerCall.maskRule) and which is asked for only when an input has a mask:
 *   'keras2' (Keras 2, tfjs): values never change; the output mask is the AND of the masks
 *   present; Concatenate on the feature axis ANDs them.
 *   'keras3' (Keras >= 3.4): the output mask is the OR of the masks when every input has one;
 *   Multiply counts masked entries as 1 (and with every input masked gives 0 outside the OR);
 *   Maximum / Minimum skip masked entries; Concatenate on the feature axis ORs.
 *   Concatenate on the time axis concatenates the masks (absent = all kept); Dot has none.
 * - Average sums in input order and divides by the count, as Keras does.
 */
import type { Dim, GraphBuilder } from './graph.js';
import { floatTensorAttr } from './graph.js';
import { fail, shapeText, type Emitter, type LayerCall, type Tensor } from './call.js';

function floats(call: LayerCall, min: number, max = Infinity): Tensor[] {
  const n = call.inputs.length;
  if (n < min || n > max) {
    fail(call, `takes ${max === min ? `exactly ${min}` : `at least ${min}`} input tensors, got ${n}`);
  }
  if (call.initialState) fail(call, 'does not take an initial_state');
  for (const x of call.inputs) {
    if (x.ids) fail(call, `expected float32 inputs, got integer token ids ('${x.value.name}')`);
  }
  return call.inputs;
}

/** AND of the inputs' masks (null when none has one). */
function andMasks(g: GraphBuilder, name: string, masks: (string | null)[]): string | null {
  const present = masks.filter((m): m is string => m !== null);
  if (present.length === 0) return null;
  return present.reduce((a, m) => g.op('Mul', [a, m], `${name}/mask`));
}

/** Broadcast shape of dims aligned at the end (numpy rules; a symbolic dim wins over 1). */
function broadcastShape(call: LayerCall, shapes: Dim[][]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let k = 0; k < rank; k++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[k - rank + s.length];
      if (e === undefined || e === 1) continue;
      if (d === 1 || typeof d === 'string') d = e;
      else if (typeof e === 'number' && e !== d) {
        fail(call, `inputs of shapes ${shapes.map(shapeText).join(' and ')} cannot be merged elementwise`);
      }
    }
    out.push(d);
  }
  return out;
}

/** The merge layer's mask rule; asked only when some input has a mask (without masks the rules agree). */
function ruleOf(call: LayerCall): 'keras2' | 'keras3' {
  if (!call.maskRule) {
    fail(call, 'combines masked inputs, and whether it does so by the Keras 2 / TensorFlow.js rule (AND) or the Keras 3 rule ' +
      '(OR, masked values skipped) is not known for this graph; export the Model itself (io.toONNX(model))');
  }
  return call.maskRule;
}

/** bool [B, T, 1] "step kept" of a mask, for Where on [B, T, F] values. */
const keptOf = (g: GraphBuilder, name: string, mask: string) =>
  g.op('Unsqueeze', [g.op('Greater', [mask, g.scalar(0)], `${name}/kept`), g.ints([2])], `${name}/kept3`);

function elementwise(op: 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min' | 'Average', min: number, max = Infinity): Emitter {
  return (call) => {
    const { g, name } = call;
    const xs = floats(call, min, max);
    const rank = Math.max(...xs.map((x) => x.value.shape.length));
    // Keras: lower-rank inputs get new axes at position 1.
    const vals = xs.map((x) => {
      let v = x.value.name;
      const shape = [...x.value.shape];
      while (shape.length < rank) {
        v = g.op('Unsqueeze', [v, g.ints([1])], `${name}/expanded`);
        shape.splice(1, 0, 1);
      }
      return { v, shape };
    });
    const shape = broadcastShape(call, vals.map((v) => v.shape));
    const masks = xs.map((x) => x.mask);
    const k3 = masks.some((m) => m !== null) && ruleOf(call) === 'keras3';
    // Keras 3: the output mask is the OR of the masks when every input has one, else none.
    const allMasked = masks.every((m) => m !== null);
    const orMask = k3 && allMasked ? (masks as string[]).reduce((a, m) => g.op('Max', [a, m], `${name}/mask`)) : null;
    let y: string;
    if (op === 'Average') {
      const sum = vals.slice(1).reduce((a, v) => g.op('Add', [a, v.v], `${name}/sum`), vals[0]!.v);
      y = g.op('Div', [sum, g.scalar(vals.length)], `${name}/out`);
    } else if ((op === 'Max' || op === 'Min') && k3) {
      // Keras 3: a masked input stands in with the running result, a masked running result with the input.
      const kept = masks.map((m) => (m ? keptOf(g, name, m) : null));
      let out = vals[0]!.v;
      let outKept = kept[0];
      for (let i = 1; i < vals.length; i++) {
        const x = kept[i] ? g.op('Where', [kept[i]!, vals[i]!.v, out], `${name}/x${i}`) : vals[i]!.v;
        if (outKept) out = g.op('Where', [outKept, out, x], `${name}/run${i}`);
        outKept = outKept && kept[i] ? g.op('Or', [outKept, kept[i]!], `${name}/run_kept`) : null;
        out = g.op(op, [out, x], `${name}/out`);
      }
      y = out;
    } else if (op === 'Max' || op === 'Min') {
      y = g.op(op, vals.map((v) => v.v), `${name}/out`);
    } else if (op === 'Mul' && k3) {
      // Keras 3: masked entries count as 1; with every input masked, 0 outside the OR of the masks.
      const factors = vals.map((v, i) => (masks[i] ? g.op('Where', [keptOf(g, name, masks[i]!), v.v, g.scalar(1)], `${name}/factor`) : v.v));
      y = factors.slice(1).reduce((a, f) => g.op('Mul', [a, f], `${name}/prod`), factors[0]!);
      if (orMask) y = g.op('Where', [keptOf(g, name, orMask), y, g.scalar(0)], `${name}/out`);
    } else {
      y = vals.slice(1).reduce((a, v) => g.op(op, [a, v.v], `${name}/out`), vals[0]!.v);
    }
    return [{ value: { name: y, shape }, mask: k3 ? orMask : andMasks(g, name, masks) }];
  };
}

function concatenate(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const xs = floats(call, 2);
  const rank = xs[0]!.value.shape.length;
  if (xs.some((x) => x.value.shape.length !== rank)) {
    fail(call, `inputs must have the same rank, got ${xs.map((x) => shapeText(x.value.shape)).join(', ')}`);
  }
  const raw = (call.layer.config['axis'] ?? -1) as number;
  const axis = raw < 0 ? rank + raw : raw;
  if (!Number.isInteger(raw) || axis < 1 || axis >= rank) {
    fail(call, `axis ${JSON.stringify(raw)} is not a non-batch axis of its rank-${rank} inputs`);
  }
  const shape: Dim[] = xs[0]!.value.shape.map((d, k) => {
    if (k !== axis) return d;
    const ds = xs.map((x) => x.value.shape[k]!);
    return ds.every((e) => typeof e === 'number') ? (ds as number[]).reduce((a, b) => a + b, 0) : `${name}_axis${k}`;
  });
  const y = g.op('Concat', xs.map((x) => x.value.name), `${name}/out`, { axis });
  let mask: string | null = null;
  if (xs.some((x) => x.mask)) {
    if (axis === rank - 1) {
      // Feature axis: AND (Keras 2, tfjs) or OR (Keras 3) of the masks; an absent mask is all kept,
      // so a Keras 3 OR with one absent is all kept, which is no mask.
      const masks = xs.map((x) => x.mask);
      if (ruleOf(call) === 'keras2') mask = andMasks(g, name, masks);
      else mask = masks.every((m) => m !== null) ? (masks as string[]).reduce((a, m) => g.op('Max', [a, m], `${name}/mask`)) : null;
    } else {
      // Along a time axis the masks ([B, T…], one rank lower) are concatenated; no mask = all ones.
      const parts = xs.map((x) => x.mask ?? g.op('ConstantOfShape', [g.op('Shape', [x.value.name], `${name}/mask_shape`, { start: 0, end: rank - 1 })],
        `${name}/ones`, { value: floatTensorAttr([1]) }));
      mask = g.op('Concat', parts, `${name}/mask`, { axis });
    }
  }
  return [{ value: { name: y, shape }, mask }];
}

/**
 * Dot(axes, normalize): Keras batch_dot of two rank-2 or two rank-3 inputs. Rank 3 →
 * MatMul with the contracted axis moved last in the first input and first (after batch) in
 * the second, which is what Luong attention uses (axes [2, 2] for scores, [2, 1] for the context).
 */
function dot(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const [x, y] = floats(call, 2, 2) as [Tensor, Tensor];
  const rank = x.value.shape.length;
  if (y.value.shape.length !== rank || (rank !== 2 && rank !== 3)) {
    fail(call, `supports two rank-2 or two rank-3 inputs, got ${shapeText(x.value.shape)} and ${shapeText(y.value.shape)}`);
  }
  const axesCfg = call.layer.config['axes'];
  const pair = Array.isArray(axesCfg) ? axesCfg : [axesCfg, axesCfg];
  if (pair.length !== 2 || !pair.every((a) => Number.isInteger(a))) fail(call, `axes must be an integer or two integers, got ${JSON.stringify(axesCfg)}`);
  const [ax, ay] = (pair as number[]).map((a) => (a < 0 ? a + rank : a)) as [number, number];
  if (ax < 1 || ax >= rank || ay < 1 || ay >= rank) fail(call, `axes ${JSON.stringify(axesCfg)} must name non-batch axes of rank-${rank} inputs`);
  const dx = x.value.shape[ax]!, dy = y.value.shape[ay]!;
  if (typeof dx === 'number' && typeof dy === 'number' && dx !== dy) {
    fail(call, `axis ${ax} of ${shapeText(x.value.shape)} and axis ${ay} of ${shapeText(y.value.shape)} differ`);
  }
  let a = x.value.name, b = y.value.name;
  if (call.layer.config['normalize'] === true) {
    // v / max(‖v‖₂, 1e-7) along the dot axis (Keras 3 ops.normalize; the engine's src/layers/merge/dot.ts).
    const l2 = (v: string, axis: number) => g.op('Div', [v, g.op('Max', [g.op('Sqrt', [g.op('ReduceSumSquare', [v], `${name}/sumsq`, { axes: [axis], keepdims: 1 })],
      `${name}/norm`), g.scalar(1e-7)], `${name}/norm_min`)], `${name}/normalized`);
    a = l2(a, ax);
    b = l2(b, ay);
  }
  const batch = x.value.shape[0]!;
  if (rank === 2) {
    const out = g.op('ReduceSum', [g.op('Mul', [a, b], `${name}/prod`), g.ints([1])], `${name}/out`, { keepdims: 1 });
    return [{ value: { name: out, shape: [batch, 1] }, mask: null }];
  }
  if (ax === 1) a = g.op('Transpose', [a], `${name}/lhs`, { perm: [0, 2, 1] });
  if (ay === 2) b = g.op('Transpose', [b], `${name}/rhs`, { perm: [0, 2, 1] });
  const out = g.op('MatMul', [a, b], `${name}/out`);
  return [{ value: { name: out, shape: [batch, x.value.shape[3 - ax]!, y.value.shape[3 - ay]!] }, mask: null }];
}

export const MERGE_EMITTERS: Record<string, Emitter> = {
  Concatenate: concatenate,
  Add: elementwise('Add', 2),
  Subtract: elementwise('Sub', 2, 2),
  Multiply: elementwise('Mul', 2),
  Average: elementwise('Average', 2),
  Maximum: elementwise('Max', 2),
  Minimum: elementwise('Min', 2),
  Dot: dot,
};
