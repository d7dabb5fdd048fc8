/**
 * Fuzz corpus: valid inputs for every loader, which the mutations in mutate.ts then break.
 *   layers models  fixtures saved by tfjs (several layer kinds, a functional model) as ModelArtifacts
 *   PyTorch        seeded nn.LSTM / nn.GRU state dicts as { shape, data } JSON, nested arrays and safetensors
 *   functional     graphs built and saved by TensorFlow.js (several inputs/outputs, shared layers,
 *                  initial states, merges: test/helpers/functional-graphs.ts)
 */
import { artifactsFromModel } from '../../src/io/model-parts.js';
import type { ModelArtifacts } from '../../src/io/artifacts.js';
import { fixtureWeights, loadFixture } from '../helpers/fixtures.js';
import { GRAPHS, rng, tfjsArtifacts } from '../helpers/functional-graphs.js';

/** tfjs's own artifacts of every functional graph (built once, on the cpu backend). */
export async function functionalBases(): Promise<ModelArtifacts[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const out: ModelArtifacts[] = [];
  for (const build of GRAPHS) out.push(await tfjsArtifacts(build().model) as ModelArtifacts);
  return out;
}

export const LAYERS_BASES = ['lstm_stacked', 'bilstm', 'gru', 'simple_rnn', 'seed000_like', 'seed004_like', 'lstm_state', 'masking', 'lstm_backwards'];

export interface LayersBase { name: string; artifacts: ModelArtifacts }

export function layersBases(): LayersBase[] {
  return LAYERS_BASES.map((name) => {
    const f = loadFixture(name);
    return { name, artifacts: artifactsFromModel(f.model, fixtureWeights(f)) };
  });
}


export interface TorchBase {
  name: string;
  kind: 'lstm' | 'gru';
  opts: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean };
  /** name -> { shape, data } (PyTorch row-major). */
  tensors: Record<string, { shape: number[]; data: number[] }>;
}

function torchBase(name: string, kind: 'lstm' | 'gru', I: number, H: number, L: number, bidi: boolean, seed: number): TorchBase {
  const r = rng(seed);
  const G = kind === 'lstm' ? 4 : 3;
  const tensors: TorchBase['tensors'] = {};
  const t = (shape: number[]) => ({ shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(r())) });
  for (let k = 0; k < L; k++) {
    for (const sfx of bidi ? ['', '_reverse'] : ['']) {
      const inK = k === 0 ? I : (bidi ? 2 : 1) * H;
      tensors[`weight_ih_l${k}${sfx}`] = t([G * H, inK]);
      tensors[`weight_hh_l${k}${sfx}`] = t([G * H, H]);
      tensors[`bias_ih_l${k}${sfx}`] = t([G * H]);
      tensors[`bias_hh_l${k}${sfx}`] = t([G * H]);
    }
  }
  return { name, kind, opts: { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: bidi }, tensors };
}

export function torchBases(): TorchBase[] {
  return [torchBase('lstm', 'lstm', 2, 3, 1, false, 1), torchBase('gru-bidi-2', 'gru', 3, 2, 2, true, 2)];
}

/** Row-major nested arrays of a flat tensor. */
export function nested(shape: number[], data: number[]): unknown {
  if (shape.length === 0) return data[0];
  const step = data.length / Math.max(1, shape[0]);
  return Array.from({ length: shape[0] }, (_, i) => nested(shape.slice(1), data.slice(i * step, (i + 1) * step)));
}

/** A safetensors header object + data bytes, F32, tensors back to back in key order. */
export function safetensorsParts(b: TorchBase): { header: Record<string, unknown>; data: Uint8Array } {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const chunks: Float32Array[] = [];
  let off = 0;
  for (const [k, v] of Object.entries(b.tensors)) {
    header[k] = { dtype: 'F32', shape: v.shape, data_offsets: [off, off + 4 * v.data.length] };
    off += 4 * v.data.length;
    chunks.push(Float32Array.from(v.data));
  }
  const data = new Uint8Array(off);
  let o = 0;
  for (const c of chunks) { data.set(new Uint8Array(c.buffer), o); o += c.byteLength; }
  return { header, data };
}

/** The file bytes: u64 LE header length, header JSON (space-padded to 8), data. */
export function safetensorsBytes(headerText: string, data: Uint8Array, lengthField?: bigint): Uint8Array {
  let h = new TextEncoder().encode(headerText);
  const pad = (8 - (h.length % 8)) % 8;
  if (pad) h = new TextEncoder().encode(headerText + ' '.repeat(pad));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
