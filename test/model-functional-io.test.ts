/**
 * Functional models: graph errors named for users, GraphSpec both ways, the tfjs functional
 * topology (TensorFlow.js 4.22 `tf.loadLayersModel` of a saved two-input / two-output model
 * predicts the same), summary with connections, and Keras `training=` on a call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, setBackend, layers, input, Model, tensor, type Tensor } from '../src/index.js';
import { Rng } from '../src/util/random.js';
import { scaledErr } from './helpers/gradcheck.js';
import { tfjsLoadSaved } from './helpers/tfjs.js';

const root = mkdtempSync(join(tmpdir(), 'lstm-wasm-functional-'));
beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rand = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

function twoByTwo() {
  const enc = input({ shape: [null, 3], name: 'enc_in' });
  const aux = input({ shape: [4], name: 'aux_in' });
  const seq = layers.lstm({ units: 5, returnSequences: true, name: 'enc_lstm' }).apply(enc);
  const last = layers.lstm({ units: 4, name: 'top_lstm' }).apply(seq);
  const o1 = layers.dense({ units: 2, activation: 'softmax', name: 'probs' }).apply(last);
  const o2 = layers.dense({ units: 1, name: 'value' }).apply(aux);
  return new Model({ inputs: [enc, aux], outputs: [o1, o2], name: 'two_by_two', seed: 4 });
}

describe('functional model errors', () => {
  it('a layer not connected to the inputs is named', () => {
    const a = input({ shape: [3], name: 'a' }), b = input({ shape: [3], name: 'b' });
    const out = layers.dense({ units: 1, name: 'reads_b' }).apply(b);
    expect(() => new Model({ inputs: a, outputs: out })).toThrow(/layer 'reads_b' is not connected to the model inputs: it reads input 'b', which is not in inputs \('a'\)/);
  });
  it('two different layers with one name are refused', () => {
    const a = input({ shape: [3] });
    const h = layers.dense({ units: 2, name: 'same' }).apply(a);
    expect(() => new Model({ inputs: a, outputs: layers.dense({ units: 1, name: 'same' }).apply(h) })).toThrow(/two different layers are named 'same'/);
  });
  it('a cycle in a GraphSpec is refused, naming the layers', () => {
    const spec = {
      name: 'loop',
      layers: [
        { className: 'InputLayer', name: 'x', config: { batch_input_shape: [null, 2], dtype: 'float32', sparse: false, name: 'x' } },
        { className: 'Dense', name: 'p', config: { units: 2 } },
        { className: 'Dense', name: 'q', config: { units: 2 } },
      ],
      nodes: [{ layer: 'p', inputs: [{ layer: 'q', node: 0, tensor: 0 }] }, { layer: 'q', inputs: [{ layer: 'p', node: 0, tensor: 0 }] }],
      inputs: [{ layer: 'x', node: 0, tensor: 0 }],
      outputs: [{ layer: 'q', node: 0, tensor: 0 }],
    };
    expect(() => Model.fromGraphSpec(spec)).toThrow(/the graph has a cycle: "p" call 0, "q" call 0 each wait/);
  });
  it('predict with the wrong number of inputs names the inputs', () => {
    const m = twoByTwo();
    const x = tensor(new Float32Array(2 * 3 * 3), [2, 3, 3]);
    expect(() => m.predict(x)).toThrow(/the model has 2 inputs \('enc_in', 'aux_in'\); give x as an array of 2 tensors/);
    expect(() => m.predict([x])).toThrow(/x must be an array of 2 tensors, one per input, got an array of 1/);
    expect(() => m.predict({ enc_in: x, other: x })).toThrow(/x has no input named 'other'/);
    expect(() => m.predict([x, tensor(new Float32Array(2 * 5), [2, 5])])).toThrow(/input 'aux_in': x must have shape \[null, 4\], got \[2, 5\]/);
    expect(() => m.predict([x, tensor(new Float32Array(3 * 4), [3, 4])])).toThrow(/every input needs the same number of samples: 'enc_in' has 2, 'aux_in' has 3/);
  });
  it('losses by an unknown output name, and targets for the wrong outputs, are named', () => {
    const m = twoByTwo();
    expect(() => m.compile({ optimizer: 'sgd', loss: { probs: 'categoricalCrossentropy', nope: 'mse' } })).toThrow(/no output named 'nope'; the outputs are 'probs', 'value'/);
    m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'mse'] });
    const x = [tensor(new Float32Array(2 * 3 * 3), [2, 3, 3]), tensor(new Float32Array(8), [2, 4])];
    expect(() => m.trainOnBatch(x, tensor(new Float32Array(4), [2, 2]))).toThrow(/2 outputs \('probs', 'value'\) with losses; give y as an array/);
    expect(() => m.trainOnBatch(x, [tensor(new Float32Array(4), [2, 2]), tensor(new Float32Array(4), [2, 2])])).toThrow(/output 'value': y must have shape \[2, 1\]/);
  });
  it('apply refuses concrete tensors and mask=', () => {
    const d = layers.dense({ units: 1 });
    expect(() => d.apply(tensor([1, 2], [1, 2]) as never)).toThrow(/expected a symbolic tensor .*\(a concrete tensor: apply builds a graph/);
    expect(() => d.apply(input({ shape: [2] }), { mask: input({ shape: [2] }) })).toThrow(/mask is not supported/);
  });
});

describe('functional model files', () => {
  for (const be of ['wasm', 'js'] as const) {
    it(`${be}: saved two-input / two-output model loads in TensorFlow.js and predicts the same within 1e-5`, async () => {
      setBackend(be);
      const rng = new Rng(21);
      const m = twoByTwo();
      m.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'mse'] });
      const N = 4, T = 6;
      const X = [tensor(rand(rng, N * T * 3), [N, T, 3]), tensor(rand(rng, N * 4), [N, 4])];
      const Y = [tensor(Float32Array.from({ length: N * 2 }, (_, i) => (i % 2 === (i >> 1) % 2 ? 1 : 0)), [N, 2]), tensor(rand(rng, N), [N, 1])];
      await m.fit(X, Y, { epochs: 2, batchSize: 2, verbose: 0 }); // trained weights, not the initial ones
      const json = m.toJSON() as { class_name: string; config: { input_layers: unknown; output_layers: unknown } };
      expect(json.class_name).toBe('Model');
      expect(json.config.input_layers).toEqual([['enc_in', 0, 0], ['aux_in', 0, 0]]);
      expect(json.config.output_layers).toEqual([['probs', 0, 0], ['value', 0, 0]]);
      const dir = join(root, `two-${be}`);
      await m.save(`file://${dir}`);
      const tm = await tfjsLoadSaved(dir);
      const ours = m.predict(X) as Tensor[];
      const ref = tm.predict(X.map((x) => tf.tensor(x.data as Float32Array, x.shape))) as tf.Tensor[];
      expect(scaledErr(ours[0].data, ref[0].dataSync())).toBeLessThan(1e-5);
      expect(scaledErr(ours[1].data, ref[1].dataSync())).toBeLessThan(1e-5);
    });
  }

  it('GraphSpec both ways: fromGraphSpec(toGraphSpec(), weights) predicts identically and never runs initializers', () => {
    setBackend('wasm');
    const rng = new Rng(5);
    const shared = layers.dense({ units: 3, activation: 'tanh', name: 'tied' });
    const a = input({ shape: [4], name: 'a' }), b = input({ shape: [4], name: 'b' });
    const m = new Model({ inputs: [a, b], outputs: [shared.apply(a), layers.dense({ units: 2, name: 'head' }).apply(shared.apply(b))], name: 'tied_model' });
    const spec = m.toGraphSpec();
    expect(spec.nodes.filter((n) => n.layer === 'tied').map((n) => n.inputs)).toEqual([[{ layer: 'a', node: 0, tensor: 0 }], [{ layer: 'b', node: 0, tensor: 0 }]]);
    expect(spec.outputs).toEqual([{ layer: 'tied', node: 0, tensor: 0 }, { layer: 'head', node: 0, tensor: 0 }]);
    const w = m.getWeights();
    const m2 = Model.fromGraphSpec(JSON.parse(JSON.stringify(spec)), w.slice().reverse());
    expect(m2.toGraphSpec()).toEqual(spec);
    const X = [tensor(rand(rng, 8), [2, 4]), tensor(rand(rng, 8), [2, 4])];
    const p = m.predict(X) as Tensor[], q = m2.predict(X) as Tensor[];
    expect(Array.from(q[0].data)).toEqual(Array.from(p[0].data));
    expect(Array.from(q[1].data)).toEqual(Array.from(p[1].data));
    expect(() => Model.fromGraphSpec(spec, w.slice(1))).toThrow(/the weights do not match the model: missing tied\/kernel/);
  });

  it('summary lists inputs, shapes, parameters and what each layer is connected to', () => {
    const s = twoByTwo().summary();
    expect(s).toMatch(/Connected to/);
    expect(s).toMatch(/enc_in \(InputLayer\)\s+\(None, None, 3\)\s+0/);
    expect(s).toMatch(/top_lstm \(LSTM\)\s+\(None, 4\)\s+(\d+)\s+enc_lstm\[0\]\[0\]/);
    expect(s).toMatch(/value \(Dense\)\s+\(None, 1\)\s+5\s+aux_in\[0\]\[0\]/);
    expect(s).toMatch(/Total params: 3,?\d\d\d|Total params: \d+/);
  });

  it('training: true on a call keeps dropout on in predict; training: false keeps it off in fit', () => {
    setBackend('wasm');
    const x = input({ shape: [200] });
    const m = new Model({ inputs: x, outputs: layers.dropout({ rate: 0.5 }).apply(x, { training: true }), seed: 1 });
    const ones = tensor(new Float32Array(200).fill(1), [1, 200]);
    const p = (m.predict(ones) as Tensor).data;
    const zeros = Array.from(p).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(50);
    expect(Array.from(p).every((v) => v === 0 || v === 2)).toBe(true);
    const y = input({ shape: [3] });
    const d = layers.dense({ units: 1, name: 'under_dropout' });
    const off = new Model({ inputs: y, outputs: d.apply(layers.dropout({ rate: 0.9 }).apply(y, { training: false })), seed: 2 });
    off.compile({ optimizer: 'sgd', loss: 'mse' });
    const X = tensor([1, 2, 3, 4, 5, 6], [2, 3]), Y = tensor([1, 0], [2, 1]);
    // without dropout the kernel gradient is (2/N)·Σ (p − y)·x: compute it from the weights
    const [k, b] = off.getWeights();
    const pred = [0, 1].map((r) => b.data[0] + [0, 1, 2].reduce((s, i) => s + k.data[i] * X.data[r * 3 + i], 0));
    const want = [0, 1, 2].map((i) => [0, 1].reduce((s, r) => s + (2 / 2) * (pred[r] - Y.data[r]) * X.data[r * 3 + i], 0));
    const g = off.computeGradients(X, Y).grads[0].data;
    want.forEach((v, i) => expect(Math.abs(g[i] - v)).toBeLessThan(1e-5));
  });
});
