/**
 * Merge layers (Keras semantics at inference): Concatenate, Add, Subtract, Multiply,
 * Average, Maximum, Minimum and Dot.
 *
 * Porting notes:
 * - Elementwise merges of inputs of different ranks: Keras expands the lower-rank inputs
 *   at axis 1 until the ranks agree, then broadcasts; ONNX broadcasting does the rest.
 * - Masks (Keras 2 / tfjs): an elementwise merge's mask is the AND of its inputs' masks;
 *   Concatenate's is the AND of the (expanded) masks along the last axis, so concatenating
 *   on the feature axis ANDs the masks and concatenating on the time axis concatenates
 *   them (unmasked inputs count as all ones). Dot has no output mask.
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
    let y: string;
    if (op === 'Average') {
      const sum = vals.slice(1).reduce((a, v) => g.op('Add', [a, v.v], `${name}/sum`), vals[0]!.v);
      y = g.op('Div', [sum, g.scalar(vals.length)], `${name}/out`);
    } else if (op === 'Max' || op === 'Min') {
      y = g.op(op, vals.map((v) => v.v), `${name}/out`);
    } else {
      y = vals.slice(1).reduce((a, v) => g.op(op, [a, v.v], `${name}/out`), vals[0]!.v);
    }
    return [{ value: { name: y, shape }, mask: andMasks(g, name, xs.map((x) => x.mask)) }];
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
      mask = andMasks(g, name, xs.map((x) => x.mask));
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
    // Keras l2_normalize: v / sqrt(max(sum(v²), 1e-12)) along the dot axis.
    const l2 = (v: string, axis: number) => g.op('Div', [v, g.op('Sqrt', [g.op('Max', [g.op('ReduceSumSquare', [v], `${name}/sumsq`, { axes: [axis], keepdims: 1 }),
      g.scalar(1e-12)], `${name}/sumsq_min`)], `${name}/norm`)], `${name}/normalized`);
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
