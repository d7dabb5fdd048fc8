/**
 * PyTorch nn.LSTM / nn.GRU state dicts → Keras-layout layers.
 *
 * PyTorch (per layer k, direction suffix '' or '_reverse'):
 *   weight_ih_l{k} [G·H, I_k], weight_hh_l{k} [G·H, H], bias_ih_l{k} [G·H], bias_hh_l{k} [G·H]
 *   with I_0 = input_size and I_k = D·H above (D = 2 when bidirectional).
 * Keras: kernel [I, G·H] (x@kernel), recurrent_kernel [H, G·H].
 *
 * Gate orders (PyTorch docs → fixtures README):
 *   LSTM  PyTorch i, f, g, o  =  Keras i, f, c, o   (same order; biases summed:
 *         Keras has one bias and both PyTorch biases are added to the same
 *         pre-activation).
 *   GRU   PyTorch r, z, n     →  Keras z, r, h. PyTorch's GRU applies the reset
 *         gate to (W_hn h + b_hn), i.e. Keras reset_after=true, so the biases
 *         stay separate: Keras bias [2, 3H] = [bias_ih; bias_hh] reordered.
 * Activations are PyTorch's fixed tanh / sigmoid. Layer k feeds the full
 * sequence to layer k+1 (Keras return_sequences=true); a bidirectional layer's
 * output is concat(forward_t, backward_t) = Keras Bidirectional merge 'concat'.
 * Inputs are batch-major [B, T, I] (PyTorch batch_first=True).
 */
import { readStateDict, type StateDict, type StateDictInput, type TensorRecord } from './state-dict.js';

export interface PyTorchRnnOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
  /** Default false. */
  bidirectional?: boolean;
  /**
   * Key prefix of the RNN module inside a bigger state dict (e.g. 'encoder.rnn.').
   * Default: found automatically when exactly one '…weight_ih_l0' key exists.
   */
  prefix?: string;
  /**
   * return_sequences of the last layer: true (default) gives PyTorch's `output`
   * [B, T, D·H]; false gives the last step, which equals h_n (both directions
   * concatenated when bidirectional).
   */
  returnSequences?: boolean;
}
export const PYTORCH_RNN_OPTIONS = ['inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'prefix', 'returnSequences'] as const;

/** Arguments for the package's layers.lstm / layers.gru (camelCase, API.md). */
export interface ImportedRnnConfig {
  name: string;
  units: number;
  activation: 'tanh';
  recurrentActivation: 'sigmoid';
  useBias: boolean;
  returnSequences: boolean;
  /** GRU only: PyTorch's GRU is the reset_after=true form. */
  resetAfter?: true;
  /** First layer only: [T (null = any), inputSize]. */
  inputShape?: [null, number];
}

export interface ImportedLayer {
  /** The recurrent layer class (wrapped in Bidirectional when `bidirectional`). */
  className: 'LSTM' | 'GRU';
  config: ImportedRnnConfig;
  bidirectional: boolean;
  /** Present when bidirectional: always 'concat' (PyTorch concatenates directions). */
  mergeMode?: 'concat';
  /**
   * Keras-layout weights in getWeights() order: kernel, recurrent_kernel[, bias];
   * for a bidirectional layer the forward three, then the backward three.
   */
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

type Kind = 'lstm' | 'gru';

/** Keras block j comes from PyTorch block KERAS_FROM_TORCH[kind][j]. */
const KERAS_FROM_TORCH: Record<Kind, number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2] };

export function fromPyTorchLSTM(stateDict: StateDictInput, opts: PyTorchRnnOptions): ImportedLayer[] {
  return fromPyTorch('lstm', stateDict, opts);
}

export function fromPyTorchGRU(stateDict: StateDictInput, opts: PyTorchRnnOptions): ImportedLayer[] {
  return fromPyTorch('gru', stateDict, opts);
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`fromPyTorch: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function findPrefix(sd: StateDict, fn: string): string {
  const hits = sd.keys().filter((k) => k === 'weight_ih_l0' || k.endsWith('.weight_ih_l0'));
  if (hits.length === 1) return hits[0]!.slice(0, -'weight_ih_l0'.length);
  if (hits.length === 0) {
    const some = sd.keys().slice(0, 8).join(', ');
    throw new Error(`${fn}: no 'weight_ih_l0' key in the state dict (keys: ${some}${sd.keys().length > 8 ? ', …' : ''})`);
  }
  throw new Error(`${fn}: several RNN modules in the state dict (${hits.join(', ')}); pass { prefix } to choose one`);
}

function fromPyTorch(kind: Kind, input: StateDictInput, opts: PyTorchRnnOptions): ImportedLayer[] {
  const fn = kind === 'lstm' ? 'fromPyTorchLSTM' : 'fromPyTorchGRU';
  if (opts == null || typeof opts !== 'object') throw new Error(`${fn}: expected options { inputSize, hiddenSize, ... }, got ${opts === null ? 'null' : typeof opts}`);
  const I = positiveInt(`${fn}: inputSize`, opts?.inputSize);
  const H = positiveInt(`${fn}: hiddenSize`, opts?.hiddenSize);
  const L = positiveInt(`${fn}: numLayers`, opts.numLayers ?? 1);
  const D = opts.bidirectional ? 2 : 1;
  const G = kind === 'lstm' ? 4 : 3;
  const sd = readStateDict(input);
  const prefix = opts.prefix ?? findPrefix(sd, fn);

  const get = (key: string, shape: number[]): TensorRecord => {
    const t = sd.get(prefix + key);
    if (!t) throw new Error(`${fn}: missing '${prefix}${key}' (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      throw new Error(`${fn}: '${prefix}${key}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return t;
  };
  const has = (key: string) => sd.keys().includes(prefix + key);

  // Options that disagree with the file are user mistakes worth naming.
  if (has(`weight_ih_l${L}`)) throw new Error(`${fn}: the state dict has '${prefix}weight_ih_l${L}' but numLayers is ${L}`);
  if (D === 1 && has('weight_ih_l0_reverse')) throw new Error(`${fn}: the state dict has '${prefix}weight_ih_l0_reverse' but bidirectional is false`);
  if (has('weight_hr_l0')) throw new Error(`${fn}: LSTM projections (proj_size > 0, '${prefix}weight_hr_l0') are not supported`);
  const useBias = has('bias_ih_l0');

  const kName = kind === 'lstm' ? 'lstm' : 'gru';
  const layers: ImportedLayer[] = [];
  for (let k = 0; k < L; k++) {
    const inK = k === 0 ? I : D * H;
    const name = k === 0 ? kName : `${kName}_${k}`;
    const weights: ImportedLayer['weights'] = [];
    for (let d = 0; d < D; d++) {
      const sfx = `_l${k}${d === 1 ? '_reverse' : ''}`;
      const wih = get(`weight_ih${sfx}`, [G * H, inK]);
      const whh = get(`weight_hh${sfx}`, [G * H, H]);
      const wname = D === 2 ? `bidirectional${k ? `_${k}` : ''}/${d === 0 ? 'forward' : 'backward'}_${name}` : name;
      weights.push(
        { name: `${wname}/kernel`, shape: [inK, G * H], data: toKerasKernel(kind, wih.data, inK, H) },
        { name: `${wname}/recurrent_kernel`, shape: [H, G * H], data: toKerasKernel(kind, whh.data, H, H) },
      );
      if (useBias) {
        const bih = reorder(kind, get(`bias_ih${sfx}`, [G * H]).data, H);
        const bhh = reorder(kind, get(`bias_hh${sfx}`, [G * H]).data, H);
        if (kind === 'lstm') {
          weights.push({ name: `${wname}/bias`, shape: [G * H], data: bih.map((v, j) => v + bhh[j]!) });
        } else {
          const bias = new Float32Array(2 * G * H);
          bias.set(bih, 0);
          bias.set(bhh, G * H);
          weights.push({ name: `${wname}/bias`, shape: [2, G * H], data: bias });
        }
      } else if (has(`bias_ih${sfx}`) || has(`bias_hh${sfx}`)) {
        throw new Error(`${fn}: layer ${k} has biases but layer 0 has none`);
      }
    }
    const config: ImportedRnnConfig = {
      name,
      units: H,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias,
      returnSequences: k < L - 1 ? true : opts.returnSequences ?? true,
    };
    if (kind === 'gru') config.resetAfter = true;
    if (k === 0) config.inputShape = [null, I];
    layers.push({
      className: kind === 'lstm' ? 'LSTM' : 'GRU',
      config,
      bidirectional: D === 2,
      ...(D === 2 ? { mergeMode: 'concat' as const } : {}),
      weights,
    });
  }
  return layers;
}

/** Reorders the G row blocks of a [G·H] vector from PyTorch to Keras order. */
function reorder(kind: Kind, v: Float32Array, H: number): Float32Array {
  const blocks = KERAS_FROM_TORCH[kind];
  const out = new Float32Array(v.length);
  for (let j = 0; j < blocks.length; j++) out.set(v.subarray(blocks[j]! * H, (blocks[j]! + 1) * H), j * H);
  return out;
}

/** PyTorch [G·H, cols] → Keras [cols, G·H] with blocks reordered. */
function toKerasKernel(kind: Kind, w: Float32Array, cols: number, H: number): Float32Array {
  const blocks = KERAS_FROM_TORCH[kind];
  const GH = blocks.length * H;
  const out = new Float32Array(cols * GH);
  for (let j = 0; j < blocks.length; j++) {
    for (let u = 0; u < H; u++) {
      const srcRow = (blocks[j]! * H + u) * cols;
      for (let c = 0; c < cols; c++) out[c * GH + j * H + u] = w[srcRow + c]!;
    }
  }
  return out;
}
