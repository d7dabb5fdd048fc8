/**
 * toONNX: exported models run in onnxruntime-web and must reproduce
 *  (1) the tfjs fixture outputs (../shared/fixtures, README there), and
 *  (2) the float64 Keras reference of test/helpers/keras64.ts (fixtures README
 *      "Equations": masking, go_backwards, Bidirectional) for cases the
 *      fixtures do not cover: masked Bidirectional / go_backwards / GRU,
 *      mid-sequence padding and all-padding rows.
 * Plus: structural validation of the decoded protobuf, and a child process
 * that loads every exported model with onnxruntime logging at warning level
 * and must print nothing (with a positive control proving warnings show up).
 */
import { describe, expect, it } from 'vitest';
import { ort } from './helpers/ort.js';
import { onnxWarnings } from './helpers/ort-warnings.js';
import { toONNX, ONNX_OPSET } from '../src/io/onnx/index.js';
import { buildGraph } from '../src/io/onnx/export.js';
import { decodeModel, encodeModel } from '../src/io/onnx/proto.js';
import { fixtureWeights as weightsOf, loadFixture as load } from './helpers/fixtures.js';
import { maxAbsDiff } from './helpers/diff.js';
import { ACT64, GATES, refBidi, refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';
import { uniformSource as rng } from './helpers/random.js';

async function runOrt(bytes: Uint8Array, input: { dtype?: string; shape: number[]; data: ArrayLike<number> }): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const t = input.dtype === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(input.data), input.shape)
    : input.dtype === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from(Array.from(input.data, (v) => BigInt(v))), input.shape)
      : new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  const out = await session.run({ input: t });
  return out['output']!;
}

const FIXTURE_CASES = [
  'lstm_last', 'lstm_seq', 'lstm_backwards', 'lstm_relu', 'lstm_hard_sigmoid', 'lstm_nobias', 'lstm_stacked',
  'bilstm', 'bilstm_sum_ave', 'gru', 'gru_reset_after', 'simple_rnn', 'seed004_like', 'seed000_like',
  'masking', 'masking_seq', 'opt_sgd',
];

/** Every exported model of this file, for the warning check at the end. */
const exported = new Map<string, Uint8Array>();

describe('toONNX on the tfjs fixtures (onnxruntime-web)', () => {
  for (const name of FIXTURE_CASES) {
    it(`${name}: output within 1e-5 of the fixture`, async () => {
      const fx = load(name);
      const bytes = await toONNX(fx.model, weightsOf(fx));
      exported.set(name, bytes);
      const y = await runOrt(bytes, fx.input);
      expect(y.dims).toEqual(fx.output.shape);
      expect(maxAbsDiff(y.data as Float32Array, fx.output.data)).toBeLessThan(1e-5);
    });
  }

  it('int64 token ids (indexType) give the same output', async () => {
    const fx = load('masking_seq');
    const bytes = await toONNX(fx.model, weightsOf(fx), { indexType: 'int64' });
    exported.set('masking_seq_int64', bytes);
    const y = await runOrt(bytes, { ...fx.input, dtype: 'int64' });
    expect(maxAbsDiff(y.data as Float32Array, fx.output.data)).toBeLessThan(1e-5);
  });
});

// ---------- structural validation of the protobuf ----------

type Obj = Record<string, any>;

/** A subset of onnx.checker: what a model must satisfy to be well formed. */
function checkStructure(m: Obj): void {
  expect(m['ir_version']).toBe(8);
  // The default domain is '' (protobufjs leaves an empty string off the wire; absent reads as '').
  expect(m['opset_import']).toHaveLength(1);
  expect(m['opset_import'][0]['domain'] ?? '').toBe('');
  expect(m['opset_import'][0]['version']).toBe(ONNX_OPSET);
  expect(ONNX_OPSET).toBeGreaterThanOrEqual(14);
  const g = m['graph'] as Obj;
  expect(typeof g['name']).toBe('string');
  const defined = new Set<string>();
  const sizeOf: Record<number, number> = { 1: 4, 6: 4, 7: 8 };
  for (const t of g['initializer'] as Obj[]) {
    expect(defined.has(t['name'])).toBe(false);
    defined.add(t['name']);
    const count = ((t['dims'] ?? []) as number[]).reduce((a, b) => a * b, 1);
    expect(sizeOf[t['data_type']]).toBeDefined();
    expect((t['raw_data'] as number[]).length).toBe(count * sizeOf[t['data_type']]!);
  }
  for (const vi of [...g['input'], ...g['output']] as Obj[]) {
    const tt = vi['type']['tensor_type'] as Obj;
    expect([1, 6, 7]).toContain(tt['elem_type']);
    for (const d of tt['shape']['dim'] as Obj[]) {
      expect(typeof d['dim_value'] === 'number' ? d['dim_value'] > 0 : typeof d['dim_param'] === 'string').toBe(true);
    }
  }
  for (const vi of g['input'] as Obj[]) defined.add(vi['name']);
  // Nodes are in topological order with single-assignment outputs.
  for (const n of g['node'] as Obj[]) {
    expect(typeof n['op_type']).toBe('string');
    for (const i of (n['input'] ?? []) as string[]) if (i !== '') expect(defined.has(i), `${n['op_type']} input ${i}`).toBe(true);
    for (const o of (n['output'] ?? []) as string[]) {
      if (o === '') continue;
      expect(defined.has(o), `${o} assigned twice`).toBe(false);
      defined.add(o);
    }
    for (const a of (n['attribute'] ?? []) as Obj[]) expect(a['type']).toBeGreaterThan(0);
  }
  for (const vi of g['output'] as Obj[]) expect(defined.has(vi['name'])).toBe(true);
}

describe('toONNX protobuf structure', () => {
  it('decodes to a well-formed ModelProto (typed I/O, raw initializers, topological nodes)', async () => {
    for (const name of ['lstm_stacked', 'bilstm', 'masking_seq', 'gru_reset_after', 'seed000_like']) {
      const fx = load(name);
      const m = await decodeModel(await toONNX(fx.model, weightsOf(fx)));
      checkStructure(m);
      const g = m['graph'] as Obj;
      expect(g['input'].map((v: Obj) => v['name'])).toEqual(['input']);
      expect(g['output'].map((v: Obj) => v['name'])).toEqual(['output']);
    }
  });

  it('types the inputs: int32 ids [batch, T] for Embedding models, float [batch, T, F] otherwise', async () => {
    const ids = (await decodeModel(await toONNX(load('lstm_stacked').model, weightsOf(load('lstm_stacked')))))['graph'] as Obj;
    expect(ids['input'][0]['type']['tensor_type']).toEqual({ elem_type: 6, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 7 }] } });
    expect(ids['output'][0]['type']['tensor_type']['shape']['dim']).toEqual([{ dim_param: 'batch' }, { dim_value: 3 }]);
    const fl = (await decodeModel(await toONNX(load('lstm_seq').model, weightsOf(load('lstm_seq')), { batchSize: 3 })))['graph'] as Obj;
    expect(fl['input'][0]['type']['tensor_type']).toEqual({ elem_type: 1, shape: { dim: [{ dim_value: 3 }, { dim_value: 4 }, { dim_value: 2 }] } });
  });

  it('writes the Keras i,f,c,o kernel as ONNX W in i,o,f,c order, transposed', async () => {
    const fx = load('lstm_last');
    const m = (await decodeModel(await toONNX(fx.model, weightsOf(fx)))) as Obj;
    const W = (m['graph']['initializer'] as Obj[]).find((t) => t['name'] === 'lstm/W')!;
    expect(W['dims']).toEqual([1, 20, 2]);
    const w = new Float32Array(Uint8Array.from(W['raw_data'] as number[]).buffer);
    const kernel = fx.weights[0]!.data; // [F=2, 4U=20]
    const kerasBlockOfOnnx = [0, 3, 1, 2];
    for (let j = 0; j < 4; j++) for (let u = 0; u < 5; u++) for (let f = 0; f < 2; f++) {
      expect(w[(j * 5 + u) * 2 + f]).toBe(Math.fround(kernel[f * 20 + kerasBlockOfOnnx[j]! * 5 + u]!));
    }
  });
});

// ---------- random models vs the float64 Keras reference (helpers/keras64.ts) ----------

const uniform = (r: () => number, n: number, a = 0.5) => Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * a));

/** Snake_case topology pieces, as model.toJSON() writes them. */
const rnnLayer = (cls: string, cfg: Record<string, unknown>) => ({ class_name: cls, config: { activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, ...cfg } });

function randomSpec(r: () => number, kind: RnnSpec['kind'], F: number, H: number, extra: Partial<RnnSpec> = {}): RnnSpec {
  const G = GATES[kind];
  const resetAfter = extra.resetAfter ?? false;
  return {
    kind, units: H, act: 'tanh', rec: 'sigmoid', resetAfter,
    kernel: uniform(r, F * G * H), recurrent: uniform(r, H * G * H), bias: uniform(r, (resetAfter ? 2 : 1) * G * H, 0.3), ...extra,
  };
}
const specWeights = (name: string, s: RnnSpec, F: number) => {
  const G = GATES[s.kind];
  const out = [
    { name: `${name}/kernel`, shape: [F, G * s.units], data: Float32Array.from(s.kernel) },
    { name: `${name}/recurrent_kernel`, shape: [s.units, G * s.units], data: Float32Array.from(s.recurrent) },
  ];
  if (s.bias) out.push({ name: `${name}/bias`, shape: s.resetAfter ? [2, G * s.units] : [G * s.units], data: Float32Array.from(s.bias) });
  return out;
};
const CLASS = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' };

/** Token rows: none, pre-padded, post-padded, mid-padded, all padding. */
const IDS = [
  [3, 1, 4, 1, 5, 9, 2],
  [0, 0, 0, 6, 5, 3, 5],
  [8, 9, 7, 9, 0, 0, 0],
  [3, 0, 2, 0, 0, 3, 8],
  [0, 0, 0, 0, 0, 0, 0],
];
const V = 10, E = 3, T = 7;

describe('toONNX masking and direction semantics vs a float64 Keras reference', () => {
  const r = rng(20240607);
  const emb = uniform(r, V * E, 1);
  const xEmb: Seq = IDS.map((row) => row.map((id) => emb.slice(id * E, id * E + E)));
  const mask = IDS.map((row) => row.map((id) => (id !== 0 ? 1 : 0)));
  const embLayer = { class_name: 'Embedding', config: { name: 'embedding', input_dim: V, output_dim: E, mask_zero: true, batch_input_shape: [null, T] } };
  const embWeight = { name: 'embedding/embeddings', shape: [V, E], data: Float32Array.from(emb) };
  const input = { dtype: 'int32', shape: [IDS.length, T], data: IDS.flat() };

  const cases: { kind: RnnSpec['kind']; seq: boolean; mode: string; resetAfter?: boolean }[] = [
    { kind: 'lstm', seq: true, mode: 'concat' },
    { kind: 'lstm', seq: false, mode: 'ave' },
    { kind: 'gru', seq: true, mode: 'sum', resetAfter: true },
    { kind: 'gru', seq: false, mode: 'mul', resetAfter: false },
    { kind: 'rnn', seq: true, mode: 'concat' },
  ];
  for (const cs of cases) {
    it(`masked Bidirectional(${CLASS[cs.kind]}, return_sequences=${cs.seq}, merge ${cs.mode}) with pre/post/mid/all padding`, async () => {
      const H = 4;
      const f = randomSpec(r, cs.kind, E, H, { resetAfter: cs.resetAfter ?? false });
      const b = randomSpec(r, cs.kind, E, H, { resetAfter: cs.resetAfter ?? false });
      const inner = rnnLayer(CLASS[cs.kind], { name: 'rnn', units: H, return_sequences: cs.seq, reset_after: cs.resetAfter });
      const topology = { class_name: 'Sequential', config: { name: 'm', layers: [embLayer, { class_name: 'Bidirectional', config: { name: 'bidi', merge_mode: cs.mode, layer: inner } }] } };
      const weights = [embWeight, ...specWeights('bidi/forward_rnn', f, E), ...specWeights('bidi/backward_rnn', b, E)];
      const bytes = await toONNX(topology, weights);
      exported.set(`bidi_${cs.kind}_${cs.seq}_${cs.mode}`, bytes);
      const y = await runOrt(bytes, input);
      const expected = refBidi(f, b, xEmb, mask, cs.seq, cs.mode).flat(2) as number[];
      expect(maxAbsDiff(y.data as Float32Array, expected)).toBeLessThan(1e-5);
    });
  }

  for (const seq of [true, false]) {
    it(`masked go_backwards LSTM (return_sequences=${seq}) stacked under a masked LSTM, then Dense per step`, async () => {
      const H1 = 5, H2 = 3;
      const l1 = randomSpec(r, 'lstm', E, H1);
      const l2 = randomSpec(r, 'lstm', H1, H2, { rec: 'hard_sigmoid' });
      const dk = uniform(r, H2 * 2), db = uniform(r, 2);
      const topology = {
        class_name: 'Sequential',
        config: {
          name: 'm',
          layers: [
            embLayer,
            rnnLayer('LSTM', { name: 'lstm', units: H1, return_sequences: true }),
            rnnLayer('LSTM', { name: 'lstm_1', units: H2, return_sequences: seq, go_backwards: true, recurrent_activation: 'hard_sigmoid' }),
            { class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'tanh' } },
          ],
        },
      };
      const weights = [embWeight, ...specWeights('lstm', l1, E), ...specWeights('lstm_1', l2, H1),
        { name: 'dense/kernel', shape: [H2, 2], data: Float32Array.from(dk) }, { name: 'dense/bias', shape: [2], data: Float32Array.from(db) }];
      const bytes = await toONNX(topology, weights);
      exported.set(`backwards_${seq}`, bytes);
      const y = await runOrt(bytes, input);
      const h1 = refRnn(l1, xEmb, mask, false, true) as Seq;
      const h2 = refRnn(l2, h1, mask, true, seq);
      const dense = (v: number[]) => [0, 1].map((u) => Math.tanh(v.reduce((a, hv, k) => a + hv * dk[k * 2 + u]!, db[u]!)));
      const expected = seq ? (h2 as Seq).map((row) => row.map(dense)) : (h2 as number[][]).map(dense);
      expect(maxAbsDiff(y.data as Float32Array, expected.flat(2) as number[])).toBeLessThan(1e-5);
    });
  }

  it('Dense-only model on float [B, T, F] input: linear, hard_sigmoid, softmax on the last axis', async () => {
    const F = 3, B = 2, TT = 4;
    const x = Array.from({ length: B }, () => Array.from({ length: TT }, () => uniform(r, F, 2)));
    const k1 = uniform(r, F * 5), b1 = uniform(r, 5), k2 = uniform(r, 5 * 4), k3 = uniform(r, 4 * 3), b3 = uniform(r, 3);
    const topology = {
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'Dense', config: { name: 'd1', units: 5, activation: 'hard_sigmoid', batch_input_shape: [null, TT, F] } },
          { class_name: 'Dense', config: { name: 'd2', units: 4, activation: 'linear', use_bias: false } },
          { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } },
          { class_name: 'Dense', config: { name: 'd3', units: 3, activation: 'softmax' } },
        ],
      },
    };
    const f32 = (a: number[]) => Float32Array.from(a);
    const weights = [
      { name: 'd1/kernel', shape: [F, 5], data: f32(k1) }, { name: 'd1/bias', shape: [5], data: f32(b1) },
      { name: 'd2/kernel', shape: [5, 4], data: f32(k2) },
      { name: 'd3/kernel', shape: [4, 3], data: f32(k3) }, { name: 'd3/bias', shape: [3], data: f32(b3) },
    ];
    const bytes = await toONNX(topology, weights);
    exported.set('dense_only', bytes);
    const y = await runOrt(bytes, { dtype: 'float32', shape: [B, TT, F], data: x.flat(2) });
    const lin = (v: number[], k: number[], b: number[] | null, n: number) =>
      Array.from({ length: n }, (_, u) => v.reduce((a, xv, i) => a + xv * k[i * n + u]!, b ? b[u]! : 0));
    const expected = x.map((row) => row.map((v) => {
      const a = lin(v, k1, b1, 5).map(ACT64['hard_sigmoid']!);
      const z = lin(lin(a, k2, null, 4), k3, b3, 3);
      const mx = Math.max(...z);
      const e = z.map((q) => Math.exp(q - mx));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((q) => q / s);
    }));
    expect(y.dims).toEqual([B, TT, 3]);
    expect(maxAbsDiff(y.data as Float32Array, expected.flat(2))).toBeLessThan(1e-5);
  });
});

// ---------- errors ----------

describe('toONNX errors name the layer and what was expected', () => {
  const fx = load('lstm_last');
  const lstm = fx.model.config.layers[0]!;
  const withLayer = (cfg: Record<string, unknown>, cls = 'LSTM') =>
    ({ ...fx.model, config: { ...fx.model.config, layers: [{ class_name: cls, config: { ...lstm.config, ...cfg } }] } });

  it('rejects unsupported layers, stateful RNNs, unsupported activations and merge modes', async () => {
    await expect(toONNX(withLayer({}, 'Conv1D'), weightsOf(fx))).rejects.toThrow(/layer 'lstm' of class 'Conv1D' is not supported/);
    await expect(toONNX(withLayer({ stateful: true }), weightsOf(fx))).rejects.toThrow(/'lstm' \(LSTM\) is stateful/);
    await expect(toONNX(withLayer({ activation: 'selu' }), weightsOf(fx))).rejects.toThrow(/layer 'lstm': activation 'selu'/);
    const bi = load('bilstm');
    const layers = bi.model.config.layers.map((l) => (l.class_name === 'Bidirectional' ? { ...l, config: { ...l.config, merge_mode: null } } : l));
    await expect(toONNX({ ...bi.model, config: { ...bi.model.config, layers } }, weightsOf(bi))).rejects.toThrow(/merge_mode null/);
  });

  it('rejects weight lists that do not match the topology', async () => {
    const ws = weightsOf(fx);
    await expect(toONNX(fx.model, ws.slice(0, 2))).rejects.toThrow(/layer 'lstm': expected weight 'bias' of shape \[20\]/);
    await expect(toONNX(fx.model, [ws[1]!, ws[0]!, ws[2]!])).rejects.toThrow(/expected weight 'kernel' of shape \[2, 20\].*got 'lstm\/recurrent_kernel' of shape \[5, 20\]/);
    await expect(toONNX(fx.model, [...ws, ws[2]!])).rejects.toThrow(/uses 3 weights but 4 were given/);
  });

  it('rejects Flatten after a mask and non-Sequential topologies', async () => {
    const m = load('masking_seq');
    const layers = [...m.model.config.layers, { class_name: 'Flatten', config: { name: 'flatten' } }];
    await expect(toONNX({ ...m.model, config: { ...m.model.config, layers } }, weightsOf(m))).rejects.toThrow(/'flatten' \(Flatten\) receives a mask/);
    await expect(toONNX({ ...fx.model, class_name: 'Model' }, weightsOf(fx))).rejects.toThrow(/expected a Sequential topology/);
  });
});

// ---------- onnxruntime log: no warnings when loading ----------

describe('onnxruntime loads every exported model without warnings', () => {
  it('positive control: an unused initializer does produce a captured warning', async () => {
    const fx = load('lstm_last');
    const { graph } = buildGraph(fx.model, weightsOf(fx));
    graph.floatTensor('unused_initializer', [2], [1, 2]);
    const bytes = await encodeModel({
      ir_version: 8, opset_import: [{ domain: '', version: ONNX_OPSET }],
      graph: { name: 'control', node: graph.nodes, initializer: graph.initializers, input: graph.inputs, output: graph.outputs },
    });
    const res = onnxWarnings(new Map([['control', bytes]]));
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/\[W:onnxruntime.*unused_initializer/);
  });

  it('every model exported in this file loads with an empty warning log', () => {
    expect(exported.size).toBeGreaterThanOrEqual(FIXTURE_CASES.length + 8);
    const res = onnxWarnings(exported);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.loaded).toBe(exported.size);
  });
});
