/**
 * fromPyTorchLSTM / fromPyTorchGRU: seeded random PyTorch state dicts are
 * imported and the Keras-layout result, run through the float64 Keras
 * reference of test/helpers/keras64.ts (fixtures README "Equations"), must match an
 * independent float64 implementation of PyTorch's nn.LSTM / nn.GRU written
 * from the PyTorch documentation (multi-layer, bidirectional) within 1e-5.
 * The same layers are also exported with toONNX and run in onnxruntime.
 * safetensors files are written byte by byte here from the format's spec.
 */
import { describe, expect, it } from 'vitest';
import { ort } from './helpers/ort.js';
import { fromPyTorchGRU, fromPyTorchLSTM, parseSafetensors, type ImportedLayer } from '../src/io/pytorch/index.js';
import { toONNX } from '../src/io/onnx/index.js';
import { toFloat32 } from '../src/io/pytorch/safetensors.js';
import { maxAbsDiff } from './helpers/diff.js';
import { refBidi, refRnn, type RnnSpec, type Seq } from './helpers/keras64.js';
import { uniformSource as rng } from './helpers/random.js';

type Tensor = { shape: number[]; data: number[] };
type SD = Record<string, Tensor>;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A PyTorch-style state dict with float32-representable random values (k = 1/sqrt(H) like torch's init). */
function randomStateDict(kind: 'lstm' | 'gru', r: () => number, I: number, H: number, L: number, bidi: boolean, bias = true, prefix = ''): SD {
  const G = kind === 'lstm' ? 4 : 3;
  const k = 1 / Math.sqrt(H);
  const rand = (n: number) => Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * k));
  const sd: SD = {};
  for (let l = 0; l < L; l++) {
    for (const sfx of bidi ? ['', '_reverse'] : ['']) {
      const inK = l === 0 ? I : (bidi ? 2 : 1) * H;
      sd[`${prefix}weight_ih_l${l}${sfx}`] = { shape: [G * H, inK], data: rand(G * H * inK) };
      sd[`${prefix}weight_hh_l${l}${sfx}`] = { shape: [G * H, H], data: rand(G * H * H) };
      if (bias) {
        sd[`${prefix}bias_ih_l${l}${sfx}`] = { shape: [G * H], data: rand(G * H) };
        sd[`${prefix}bias_hh_l${l}${sfx}`] = { shape: [G * H], data: rand(G * H) };
      }
    }
  }
  return sd;
}

// ---------- PyTorch nn.LSTM / nn.GRU, from the PyTorch documentation ----------
// LSTM: i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(W_if x + b_if + W_hf h + b_hf),
//       g = tanh(W_ig x + b_ig + W_hg h + b_hg), o = σ(W_io x + b_io + W_ho h + b_ho),
//       c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'); weight_ih_l[k] = (W_ii|W_if|W_ig|W_io).
// GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
//       n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h;
//       weight_ih_l[k] = (W_ir|W_iz|W_in).
// Layer k > 0 takes layer k−1's output; bidirectional output = [forward_t, reverse_t]
// where the reverse direction runs from t = T−1 down to 0.

function matvec(w: Tensor, row0: number, rows: number, v: number[]): number[] {
  const cols = w.shape[1]!;
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += w.data[(row0 + r) * cols + c]! * v[c]!;
    return s;
  });
}

function torchCellSequence(kind: 'lstm' | 'gru', sd: SD, sfx: string, xs: number[][], H: number, reverse: boolean): number[][] {
  const wih = sd[`weight_ih${sfx}`]!, whh = sd[`weight_hh${sfx}`]!;
  const bih = sd[`bias_ih${sfx}`], bhh = sd[`bias_hh${sfx}`];
  const b = (t: Tensor | undefined, gate: number, j: number) => (t ? t.data[gate * H + j]! : 0);
  let h = new Array(H).fill(0);
  let c = new Array(H).fill(0);
  const out: number[][] = new Array(xs.length);
  const order = xs.map((_, t) => t);
  if (reverse) order.reverse();
  for (const t of order) {
    const x = xs[t]!;
    const gate = (g: number, act: (v: number) => number) => {
      const a = matvec(wih, g * H, H, x), r = matvec(whh, g * H, H, h);
      return a.map((v, j) => act(v + b(bih, g, j) + r[j]! + b(bhh, g, j)));
    };
    if (kind === 'lstm') {
      const i = gate(0, sigmoid), f = gate(1, sigmoid), g = gate(2, Math.tanh), o = gate(3, sigmoid);
      c = c.map((cv, j) => f[j]! * cv + i[j]! * g[j]!);
      h = o.map((ov, j) => ov * Math.tanh(c[j]!));
    } else {
      const r = gate(0, sigmoid), z = gate(1, sigmoid);
      const an = matvec(wih, 2 * H, H, x), hn = matvec(whh, 2 * H, H, h);
      const n = an.map((v, j) => Math.tanh(v + b(bih, 2, j) + r[j]! * (hn[j]! + b(bhh, 2, j))));
      h = h.map((hv, j) => (1 - z[j]!) * n[j]! + z[j]! * hv);
    }
    out[t] = h;
  }
  return out;
}

/** Returns output [B][T][D·H] (batch_first) and h_n [L·D][B][H]. */
function torchForward(kind: 'lstm' | 'gru', sd: SD, x: Seq, H: number, L: number, bidi: boolean): { output: Seq; hn: number[][][] } {
  const hn: number[][][] = [];
  let cur = x;
  for (let l = 0; l < L; l++) {
    const fwd = cur.map((row) => torchCellSequence(kind, sd, `_l${l}`, row, H, false));
    const bwd = bidi ? cur.map((row) => torchCellSequence(kind, sd, `_l${l}_reverse`, row, H, true)) : null;
    hn.push(fwd.map((row) => row[row.length - 1]!));
    if (bwd) hn.push(bwd.map((row) => row[0]!));
    cur = fwd.map((row, bi) => row.map((v, t) => (bwd ? [...v, ...bwd[bi]![t]!] : v)));
  }
  return { output: cur, hn };
}

// ---------- Keras equations (helpers/keras64.ts), on the imported layers ----------

/**
 * The imported layers through the float64 Keras reference, with what a PyTorch
 * cell fixes rather than what the importer's config says: tanh / sigmoid, and
 * for GRU reset_after (bias rows [input, recurrent]). Bidirectional: concat.
 */
function kerasForward(layers: ImportedLayer[], x: Seq): Seq | number[][] {
  let cur: Seq = x;
  let last: number[][] | null = null;
  for (const layer of layers) {
    const n = layer.weights.length / (layer.bidirectional ? 2 : 1);
    const spec = (w: ImportedLayer['weights']): RnnSpec => ({
      kind: layer.className === 'LSTM' ? 'lstm' : 'gru', units: layer.config.units, act: 'tanh', rec: 'sigmoid', resetAfter: true,
      kernel: w[0]!.data, recurrent: w[1]!.data, bias: w[2]?.data ?? null,
    });
    const fw = spec(layer.weights.slice(0, n));
    const seq = layer.config.returnSequences;
    const y = layer.bidirectional
      ? refBidi(fw, spec(layer.weights.slice(n)), cur, null, seq, 'concat')
      : refRnn(fw, cur, null, false, seq);
    if (seq) cur = y as Seq;
    else last = y as number[][];
  }
  return last ?? cur;
}

/** The imported layers as a Keras Sequential topology (snake_case), for toONNX. */
function topologyOf(layers: ImportedLayer[]) {
  return {
    class_name: 'Sequential',
    config: {
      name: 'imported',
      layers: layers.map((l) => {
        const inner = {
          class_name: l.className,
          config: {
            name: l.config.name, units: l.config.units, activation: l.config.activation,
            recurrent_activation: l.config.recurrentActivation, use_bias: l.config.useBias,
            return_sequences: l.config.returnSequences, reset_after: l.config.resetAfter ?? false,
            ...(l.config.inputShape && !l.bidirectional ? { batch_input_shape: [null, ...l.config.inputShape] } : {}),
          },
        };
        return l.bidirectional
          ? { class_name: 'Bidirectional', config: { name: `bidi_${l.config.name}`, merge_mode: l.mergeMode, layer: inner, ...(l.config.inputShape ? { batch_input_shape: [null, ...l.config.inputShape] } : {}) } }
          : inner;
      }),
    },
  };
}

const CASES: { kind: 'lstm' | 'gru'; I: number; H: number; L: number; bidi: boolean; bias?: boolean }[] = [
  { kind: 'lstm', I: 3, H: 5, L: 1, bidi: false },
  { kind: 'lstm', I: 4, H: 3, L: 2, bidi: true },
  { kind: 'lstm', I: 2, H: 4, L: 3, bidi: false, bias: false },
  { kind: 'gru', I: 3, H: 5, L: 1, bidi: false },
  { kind: 'gru', I: 4, H: 3, L: 2, bidi: true },
  { kind: 'gru', I: 2, H: 4, L: 2, bidi: false, bias: false },
];

describe('fromPyTorchLSTM / fromPyTorchGRU vs PyTorch equations', () => {
  const B = 3, T = 6;
  for (const cs of CASES) {
    const label = `${cs.kind} I${cs.I} H${cs.H} layers ${cs.L}${cs.bidi ? ' bidirectional' : ''}${cs.bias === false ? ' bias=False' : ''}`;
    const r = rng(1000 + CASES.indexOf(cs));
    const sd = randomStateDict(cs.kind, r, cs.I, cs.H, cs.L, cs.bidi, cs.bias ?? true);
    const x: Seq = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: cs.I }, () => Math.fround(r() * 2 - 1))));
    const imp = cs.kind === 'lstm' ? fromPyTorchLSTM : fromPyTorchGRU;
    const opts = { inputSize: cs.I, hiddenSize: cs.H, numLayers: cs.L, bidirectional: cs.bidi };
    const torch = torchForward(cs.kind, sd, x, cs.H, cs.L, cs.bidi);

    it(`${label}: output sequence (return_sequences) within 1e-5`, () => {
      const layers = imp(sd, opts);
      expect(layers).toHaveLength(cs.L);
      const D = cs.bidi ? 2 : 1;
      for (const [k, l] of layers.entries()) {
        expect(l.className).toBe(cs.kind === 'lstm' ? 'LSTM' : 'GRU');
        expect(l.config.units).toBe(cs.H);
        expect(l.config.returnSequences).toBe(true);
        expect(l.config.useBias).toBe(cs.bias ?? true);
        expect(l.weights.length).toBe(D * ((cs.bias ?? true) ? 3 : 2));
        expect(l.weights[0]!.shape).toEqual([k === 0 ? cs.I : D * cs.H, (cs.kind === 'lstm' ? 4 : 3) * cs.H]);
      }
      expect(maxAbsDiff((kerasForward(layers, x) as Seq).flat(2), torch.output.flat(2))).toBeLessThan(1e-5);
    });

    it(`${label}: last step (returnSequences false) equals h_n of the last layer`, () => {
      const layers = imp(sd, { ...opts, returnSequences: false });
      const D = cs.bidi ? 2 : 1;
      const hnLast = torch.hn.slice((cs.L - 1) * D); // [D][B][H]
      const expected = x.map((_, b) => hnLast.flatMap((dir) => dir[b]!));
      expect(maxAbsDiff((kerasForward(layers, x) as number[][]).flat(), expected.flat())).toBeLessThan(1e-5);
    });

    it(`${label}: the imported layers exported to ONNX reproduce PyTorch in onnxruntime`, async () => {
      const layers = imp(sd, opts);
      const bytes = await toONNX(topologyOf(layers), layers.flatMap((l) => l.weights));
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.flat(2)), [B, T, cs.I]) });
      expect(out['output']!.dims).toEqual([B, T, (cs.bidi ? 2 : 1) * cs.H]);
      expect(maxAbsDiff(out['output']!.data as Float32Array, torch.output.flat(2))).toBeLessThan(1e-5);
    });
  }

  it('accepts nested-array tensors and finds a module prefix automatically', () => {
    const r = rng(7);
    const sd = randomStateDict('lstm', r, 2, 3, 1, false, true, 'encoder.rnn.');
    const nested: Record<string, unknown> = { 'head.weight': [[1, 2, 3]] };
    for (const [k, t] of Object.entries(sd)) {
      nested[k] = t.shape.length === 1 ? t.data : Array.from({ length: t.shape[0]! }, (_, i) => t.data.slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));
    }
    const a = fromPyTorchLSTM(nested as never, { inputSize: 2, hiddenSize: 3 });
    const b = fromPyTorchLSTM(sd, { inputSize: 2, hiddenSize: 3, prefix: 'encoder.rnn.' });
    expect(a[0]!.weights.map((w) => Array.from(w.data))).toEqual(b[0]!.weights.map((w) => Array.from(w.data)));
    // LSTM: same gate order, biases summed, kernel transposed: kernel[c, j] = W_ih[j, c].
    const wih = sd['encoder.rnn.weight_ih_l0']!;
    expect(a[0]!.weights[0]!.data[1 * 12 + 7]).toBe(wih.data[7 * 2 + 1]);
    expect(a[0]!.weights[2]!.data[5]).toBe(Math.fround(sd['encoder.rnn.bias_ih_l0']!.data[5]! + sd['encoder.rnn.bias_hh_l0']!.data[5]!));
  });
});

// ---------- safetensors, written byte by byte from the spec ----------

interface StEntry { name: string; dtype: string; shape: number[]; bytes: Uint8Array }

/** 8-byte LE header length, JSON header (space-padded to 8), concatenated data. */
function writeSafetensors(entries: StEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let at = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [at, at + e.bytes.length] };
    at += e.bytes.length;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const e of entries) {
    out.set(e.bytes, p);
    p += e.bytes.length;
  }
  return out;
}

function f32Bytes(data: number[]): Uint8Array {
  const b = new Uint8Array(data.length * 4);
  const v = new DataView(b.buffer);
  data.forEach((x, k) => v.setFloat32(4 * k, x, true));
  return b;
}
function u16Bytes(bits: number[]): Uint8Array {
  const b = new Uint8Array(bits.length * 2);
  const v = new DataView(b.buffer);
  bits.forEach((x, k) => v.setUint16(2 * k, x, true));
  return b;
}

describe('safetensors state dicts', () => {
  it('an F32 safetensors file imports exactly like the same plain state dict', () => {
    const r = rng(99);
    const sd = randomStateDict('gru', r, 3, 4, 2, true);
    const bytes = writeSafetensors(Object.entries(sd).map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, bytes: f32Bytes(t.data) })), { format: 'pt' });
    const opts = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true };
    const fromFile = fromPyTorchGRU(bytes, opts);
    const fromObj = fromPyTorchGRU(sd, opts);
    expect(fromFile.flatMap((l) => l.weights.map((w) => [w.name, w.shape, Array.from(w.data)])))
      .toEqual(fromObj.flatMap((l) => l.weights.map((w) => [w.name, w.shape, Array.from(w.data)])));
    expect(parseSafetensors(bytes).metadata).toEqual({ format: 'pt' });
    // Also from an ArrayBuffer and from a view at a non-zero offset.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(fromPyTorchGRU(padded.subarray(3), opts)[1]!.weights[5]!.data).toEqual(fromObj[1]!.weights[5]!.data);
    expect(fromPyTorchGRU(bytes.slice().buffer, opts)[0]!.weights[0]!.data).toEqual(fromObj[0]!.weights[0]!.data);
  });

  it('decodes F16, BF16 and F64 to float32 (known bit patterns)', () => {
    // F16: 1, -2, 0x3555 = 1365/4096·… = 0.333251953125, 2^-24 (smallest subnormal), 65504 (max), -0, +Inf
    const f16 = { bits: [0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000, 0x7c00], values: [1, -2, 0.333251953125, 2 ** -24, 65504, -0, Infinity] };
    // BF16: 1, -3, 0x3EAB = 0.333984375, 0x0001 = 2^-133 (subnormal)
    const bf16 = { bits: [0x3f80, 0xc040, 0x3eab, 0x0001], values: [1, -3, 0.333984375, 2 ** -133] };
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(0, 0.1, true);
    new DataView(f64.buffer).setFloat64(8, -1e300, true);
    const file = writeSafetensors([
      { name: 'a', dtype: 'F16', shape: [7], bytes: u16Bytes(f16.bits) },
      { name: 'b', dtype: 'BF16', shape: [2, 2], bytes: u16Bytes(bf16.bits) },
      { name: 'c', dtype: 'F64', shape: [2], bytes: f64 },
    ]);
    const st = parseSafetensors(file);
    expect(st.tensors.get('b')!.shape).toEqual([2, 2]);
    const dec = (n: string) => Array.from(decodeVia(file, n));
    expect(dec('a')).toEqual(f16.values);
    expect(Object.is(dec('a')[5], -0)).toBe(true);
    expect(dec('b')).toEqual(bf16.values);
    expect(dec('c')).toEqual([Math.fround(0.1), -Infinity]);
  });

  it('rejects malformed files with clear errors', () => {
    const good = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) }]);
    const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
    const withHeader = (obj: unknown, data: Uint8Array) => {
      const h = new TextEncoder().encode(JSON.stringify(obj));
      const out = new Uint8Array(8 + h.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      out.set(data, 8 + h.length);
      return out;
    };
    expect(() => parseSafetensors(new Uint8Array(5))).toThrow(/at least 8 bytes/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => parseSafetensors(huge)).toThrow(/header size 1099511627776 does not fit/);
    expect(() => parseSafetensors(good.subarray(0, 8 + headerLen - 2))).toThrow(/does not fit/);
    expect(() => parseSafetensors(withHeader('x', new Uint8Array(0)).fill(0x7b, 8, 11))).toThrow(/not valid UTF-8 JSON/);
    expect(() => parseSafetensors(withHeader([1], new Uint8Array(0)))).toThrow(/must be a JSON object/);
    expect(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(/'w': F32 \[3\] needs 12 bytes, data_offsets give 8/);
    expect(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)))).toThrow(/past the 4-byte data section/);
    expect(() => parseSafetensors(withHeader({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(/'w': unknown dtype "Q4"/);
    expect(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)))).toThrow(/hole at bytes 0..4/);
    expect(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)))).toThrow(/4 trailing bytes/);
    expect(() => parseSafetensors(withHeader({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }, new Uint8Array(8)))).toThrow(/'b' overlaps/);
    // Integer tensors parse (other modules may hold them) but cannot be used as weights.
    const ints = writeSafetensors([{ name: 'weight_ih_l0', dtype: 'I32', shape: [4, 1], bytes: new Uint8Array(16) }]);
    expect(() => fromPyTorchLSTM(ints, { inputSize: 1, hiddenSize: 1 })).toThrow(/'weight_ih_l0' has dtype I32; only F32, F16, BF16 and F64/);
  });
});

/** Reads one tensor of a file the way the importer does (safetensors.ts toFloat32). */
function decodeVia(file: Uint8Array, name: string): Float32Array {
  return toFloat32(name, parseSafetensors(file).tensors.get(name)!);
}

describe('PyTorch import errors name the key, what was expected and what was given', () => {
  const r = rng(5);
  const sd = randomStateDict('lstm', r, 3, 2, 2, true);
  const base = { inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true };

  it('wrong options for the file', () => {
    expect(() => fromPyTorchLSTM(sd, { ...base, inputSize: 4 })).toThrow(/'weight_ih_l0' has shape \[8, 3\], expected \[8, 4\]/);
    expect(() => fromPyTorchLSTM(sd, { ...base, numLayers: 1 })).toThrow(/has 'weight_ih_l1' but numLayers is 1/);
    expect(() => fromPyTorchLSTM(sd, { ...base, bidirectional: false, numLayers: 2 })).toThrow(/'weight_ih_l0_reverse' but bidirectional is false/);
    expect(() => fromPyTorchLSTM(sd, { ...base, numLayers: 3 })).toThrow(/missing 'weight_ih_l2' \(expected shape \[8, 4\]\)/);
    expect(() => fromPyTorchGRU(sd, base)).toThrow(/fromPyTorchGRU: 'weight_ih_l0' has shape \[8, 3\], expected \[6, 3\]/);
    expect(() => fromPyTorchLSTM(sd, { ...base, hiddenSize: 0 })).toThrow(/hiddenSize must be a positive integer, got 0/);
  });

  it('malformed plain state dicts and ambiguous prefixes', () => {
    expect(() => fromPyTorchLSTM({ ...sd, weight_hh_l0: { shape: [8, 2], data: [1, 2] } }, base)).toThrow(/'weight_hh_l0' has shape \[8, 2\] \(16 values\) but 2 data values/);
    expect(() => fromPyTorchLSTM({ ...sd, weight_hh_l0: [[1, 2], [3]] }, base)).toThrow(/ragged nested array/);
    expect(() => fromPyTorchLSTM({ 'a.weight_ih_l0': sd['weight_ih_l0']!, 'b.weight_ih_l0': sd['weight_ih_l0']! }, base)).toThrow(/several RNN modules.*pass \{ prefix \}/);
    expect(() => fromPyTorchLSTM({ fc: [1] }, base)).toThrow(/no 'weight_ih_l0' key in the state dict \(keys: fc\)/);
    expect(() => fromPyTorchLSTM({ ...sd, weight_hr_l0: [[1]] }, base)).toThrow(/projections \(proj_size > 0/);
  });
});
