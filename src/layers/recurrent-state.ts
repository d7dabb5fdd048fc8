/**
 * Recurrent state at the edges of a layer call: the shapes of `initialState` inputs and
 * `returnState` outputs (node protocol), and the host states given to `resetStates(states)`
 * on a stateful layer (validated in full before anything is written: a rejected call changes
 * nothing).
 */
import type { Backend } from '../backend/types.js';
import type { Layer, Shape } from './layer.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { describe } from '../names.js';

/** What a stateful recurrent layer needs to say about itself here. */
interface StateLayer {
  readonly name: string;
  readonly className: string;
  readonly units: number;
  readonly stateful: boolean;
  readonly stateCount: number;
  inputShape: Shape | null;
  batchInputShape: Shape | null;
}

/** A layer's carried state: regions in the model's plan and a seed waiting for them (host copies). */
export interface CarriedState {
  /** The layer itself (per-node views share this object; the model keys its state regions by it). */
  owner: Layer;
  h: number;
  c: number;
  batch: number;
  be: Backend | null;
  seed: Float32Array[] | null;
}

/** One state for resetStates: [batch, units] as a Tensor, nested arrays, {data, shape}, or a flat Float32Array. */
export type StateValue = TensorLike | Float32Array;

const STATE_NAMES = ['h', 'c'];

/** Shapes of the states [h(, c)] for a batch dimension. */
export function stateShapes(l: StateLayer, batch: number | null): Shape[] {
  return Array.from({ length: l.stateCount }, () => [batch, l.units]);
}

/** Inputs [x] or [x, h0(, c0)]: the state count and each state's [batch, units] shape, batch matching x's. */
export function checkInitialStateShapes(l: StateLayer, shapes: readonly (readonly (number | null)[])[]): void {
  const n = shapes.length - 1, want = l.stateCount, H = l.units;
  const what = `${l.name} (${l.className})`;
  if (n !== 0 && n !== want) {
    throw new Error(`${what}: initialState must be [${STATE_NAMES.slice(0, want).join(', ')}]: ${want} tensor${want > 1 ? 's' : ''} of shape [batch, ${H}], got ${n}`);
  }
  const B = shapes[0]?.[0] ?? null;
  for (let i = 1; i <= n; i++) {
    const s = shapes[i];
    const ok = s.length === 2 && s[1] === H && (s[0] === null || B === null || s[0] === B);
    if (!ok) {
      throw new Error(`${what}: initialState[${i - 1}] (${STATE_NAMES[i - 1]}) must have shape [${B ?? 'batch'}, ${H}] (the input's batch, units), got [${s.map((d) => d ?? 'null')}]`);
    }
  }
}

/** Validates resetStates' argument; null for "zeros". Throws before anything is changed. */
export function readStates(l: StateLayer, states: StateValue | StateValue[] | null | undefined): Float32Array[] | null {
  const who = `${l.name}.resetStates`;
  if (!l.stateful) {
    throw new Error(`${who}: the layer is not stateful (create it with stateful: true); a non-stateful layer takes its initial state when called: layer.apply(x, { initialState })`);
  }
  if (states === undefined || states === null) return null;
  const B = l.inputShape?.[0] ?? l.batchInputShape?.[0] ?? null;
  if (B === null) {
    throw new Error(`${who}: the layer does not know its batch size yet: set batchInputShape [batch, time, features] (or batchSize) on it, or build the model first`);
  }
  const H = l.units, n = l.stateCount;
  const names = STATE_NAMES.slice(0, n).join(', ');
  const list = Array.isArray(states) ? states : [states];
  if (list.length !== n) {
    throw new Error(`${who}: expected ${n} state${n > 1 ? 's' : ''} [${names}], each [${B}, ${H}], got ${Array.isArray(states) ? `a list of ${list.length}` : describe(states)}`);
  }
  return list.map((v, i) => {
    const what = `${who}: states[${i}] (${STATE_NAMES[i]})`;
    let data: Float32Array;
    if (v instanceof Float32Array) {
      if (v.length !== B * H) throw new Error(`${what}: expected ${B}·${H} = ${B * H} values ([batch, units]), got a Float32Array of ${v.length}`);
      data = v.slice();
    } else {
      const t: Tensor = toTensor(v, what);
      if (t.shape.length !== 2 || t.shape[0] !== B || t.shape[1] !== H) {
        throw new Error(`${what}: expected shape [${B}, ${H}] ([batch, units]), got [${t.shape}]${Array.isArray(states) ? '' : ` (give a list [${names}])`}`);
      }
      data = Float32Array.from(t.data);
    }
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${what}: values must be finite, got ${data[bad]} at index ${bad}`);
    return data;
  });
}

/** Copy the seed into the state regions and drop it. */
export function writeStates(be: Backend, s: CarriedState): void {
  const f = be.f32(), seed = s.seed!;
  f.set(seed[0], s.h >>> 2);
  if (s.c && seed[1]) f.set(seed[1], s.c >>> 2);
  s.seed = null;
}

/** f[a…a+n) += f[b…b+n) (byte pointers). */
export function addInto(f: Float32Array, a: number, b: number, n: number): void {
  const a0 = a >>> 2, b0 = b >>> 2;
  for (let i = 0; i < n; i++) f[a0 + i] += f[b0 + i];
}
