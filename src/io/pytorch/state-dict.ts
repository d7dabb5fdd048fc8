/**
 * PyTorch state dict inputs, normalised to name → { shape, data: Float32Array }.
 *
 * Accepted forms:
 * - safetensors bytes (Uint8Array / ArrayBuffer), see safetensors.ts;
 * - a plain object { name: { shape, data } } where data is a flat number
 *   array or typed array in row-major order (e.g. from
 *   `{k: {"shape": list(v.shape), "data": v.flatten().tolist()}}` in Python);
 * - a plain object { name: nested arrays } (e.g. `v.tolist()`), shape inferred.
 */
import { parseSafetensors, toFloat32 } from './safetensors.js';
import { checkStateDictObject } from '../validate/pytorch.js';

export interface TensorRecord {
  shape: number[];
  data: Float32Array;
}

export type StateDictInput =
  | Uint8Array
  | ArrayBuffer
  | Record<string, { shape: number[]; data: ArrayLike<number> } | unknown[]>;

/** Looks tensors up by name; decoding (and its errors) happen on access. */
export interface StateDict {
  keys(): string[];
  get(name: string): TensorRecord | undefined;
}

export function readStateDict(input: StateDictInput): StateDict {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const file = parseSafetensors(input);
    return {
      keys: () => [...file.tensors.keys()],
      get: (name) => {
        const e = file.tensors.get(name);
        if (!e) return undefined;
        const data = toFloat32(name, e);
        // Weights must be finite: an F16 Inf or an F64 beyond float32 range would make every output NaN.
        const bad = data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`safetensors: tensor '${name}': value ${data[bad]} at flat index ${bad} (as float32); expected finite weights`);
        return { shape: [...e.shape], data };
      },
    };
  }
  // Every entry checked and converted up front (own keys only; null = NaN in JSON is refused).
  const tensors = checkStateDictObject(input);
  return {
    keys: () => [...tensors.keys()],
    get: (name) => {
      const t = tensors.get(name);
      return t ? { shape: [...t.shape], data: t.data.slice() } : undefined;
    },
  };
}
