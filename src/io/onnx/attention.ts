/**
 * Keras `Attention` (Luong dot-product attention; Keras 2 and 3 semantics at inference):
 *
 *   scores  = query · keyᵀ            (score_mode 'dot'; × scale when use_scale)
 *           = w · Σ tanh(scale·(q + k)) (score_mode 'concat', over the feature axis)
 *   scores -= 1e9 · (1 − mask)        mask = value mask [B, 1, Tv] AND causal [Tq, Tv]
 *   weights = softmax(scores)          (dropout: identity at inference)
 *   output  = (weights · value) × query mask
 *
 * Inputs [query, value(, key = value)], each [B, T, D]. Call kwargs: use_causal_mask
 * (Keras 2: config causal), return_attention_scores (a second output: the weights).
 * Weights (getWeights order): scale (shape []) when use_scale, concat_score_weight (shape [])
 * with score_mode 'concat'. The output carries the query's mask, as in Keras.
 */
import { fail, shapeText, type LayerCall, type Tensor } from './call.js';
import { floatTensorAttr } from './graph.js';

const ATTENTION_KWARGS = ['use_causal_mask', 'return_attention_scores'];

export function attentionWeightCount(config: Record<string, unknown>): number {
  return (config['use_scale'] === true ? 1 : 0) + (config['score_mode'] === 'concat' ? 1 : 0);
}

export function attention(call: LayerCall): Tensor[] {
  const { g, name } = call;
  const c = call.layer.config;
  const n = call.inputs.length;
  if (n !== 2 && n !== 3) fail(call, `takes [query, value] or [query, value, key], got ${n} input tensors`);
  if (call.initialState) fail(call, 'does not take an initial_state');
  for (const x of call.inputs) {
    if (x.ids) fail(call, `expected float32 inputs, got integer token ids ('${x.value.name}')`);
    if (x.value.shape.length !== 3) fail(call, `inputs must be [batch, time, features], got ${shapeText(x.value.shape)} ('${x.value.name}')`);
  }
  for (const k of Object.keys(call.kwargs)) {
    if (!ATTENTION_KWARGS.includes(k)) fail(call, `call argument '${k}' is not supported in ONNX export (supported: ${ATTENTION_KWARGS.join(', ')}, training)`);
  }
  const mode = c['score_mode'] ?? 'dot';
  if (mode !== 'dot' && mode !== 'concat') fail(call, `score_mode ${JSON.stringify(mode)} is not supported (expected 'dot' or 'concat')`);
  const [q, v] = call.inputs as [Tensor, Tensor];
  const k = call.inputs[2] ?? v;
  const D = q.value.shape[2], Dk = k.value.shape[2];
  if (typeof D === 'number' && typeof Dk === 'number' && D !== Dk) {
    fail(call, `query ${shapeText(q.value.shape)} and key ${shapeText(k.value.shape)} must have the same feature size`);
  }
  const p = call.params((w) => ({
    scale: c['use_scale'] === true ? g.floatTensor(`${name}/scale`, [], w.take(name, 'scale', [])) : null,
    concatWeight: mode === 'concat' ? g.floatTensor(`${name}/concat_score_weight`, [], w.take(name, 'concat_score_weight', [])) : null,
  }));

  let scores: string;
  if (mode === 'dot') {
    const kT = g.op('Transpose', [k.value.name], `${name}/key_t`, { perm: [0, 2, 1] });
    scores = g.op('MatMul', [q.value.name, kT], `${name}/scores`);
    if (p.scale) scores = g.op('Mul', [scores, p.scale], `${name}/scaled`);
  } else {
    // [B, Tq, 1, D] + [B, 1, Tv, D] → tanh → sum over D.
    let sum = g.op('Add', [g.op('Unsqueeze', [q.value.name, g.ints([2])], `${name}/q4`), g.op('Unsqueeze', [k.value.name, g.ints([1])], `${name}/k4`)], `${name}/qk`);
    if (p.scale) sum = g.op('Mul', [sum, p.scale], `${name}/scaled`);
    const red = g.op('ReduceSum', [g.op('Tanh', [sum], `${name}/tanh`), g.ints([3])], `${name}/tanh_sum`, { keepdims: 0 });
    scores = g.op('Mul', [red, p.concatWeight!], `${name}/scores`);
  }

  // The scores mask: value mask [B, 1, Tv] and the causal lower triangle [Tq, Tv].
  let mask: string | null = v.mask ? g.op('Unsqueeze', [v.mask, g.ints([1])], `${name}/v_mask`) : null;
  const causal = call.kwargs['use_causal_mask'] === true || c['causal'] === true;
  if (causal) {
    const tq = g.op('Shape', [q.value.name], `${name}/tq`, { start: 1, end: 2 });
    const tv = g.op('Shape', [v.value.name], `${name}/tv`, { start: 1, end: 2 });
    const ones = g.op('ConstantOfShape', [g.op('Concat', [tq, tv], `${name}/qv_shape`, { axis: 0 })], `${name}/ones`,
      { value: floatTensorAttr([1]) });
    const tri = g.op('Trilu', [ones], `${name}/causal`, { upper: 0 }); // 1 where row ≥ col
    mask = mask ? g.op('Mul', [mask, tri], `${name}/scores_mask`) : tri;
  }
  if (mask) {
    const pad = g.op('Sub', [g.scalar(1), mask], `${name}/padding`);
    scores = g.op('Sub', [scores, g.op('Mul', [pad, g.scalar(1e9)], `${name}/big`)], `${name}/masked_scores`);
  }
  const weights = g.op('Softmax', [scores], `${name}/weights`, { axis: -1 });
  let out = g.op('MatMul', [weights, v.value.name], `${name}/context`);
  if (q.mask) out = g.op('Mul', [out, g.op('Unsqueeze', [q.mask, g.ints([2])], `${name}/q_mask`)], `${name}/out`);
  const batch = q.value.shape[0]!;
  const outputs: Tensor[] = [{ value: { name: out, shape: [batch, q.value.shape[1]!, v.value.shape[2]!] }, mask: q.mask }];
  if (call.kwargs['return_attention_scores'] === true) {
    outputs.push({ value: { name: weights, shape: [batch, q.value.shape[1]!, v.value.shape[1]!] }, mask: null });
  }
  return outputs;
}
