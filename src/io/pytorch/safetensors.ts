/**
 * safetensors reader (the format PyTorch state dicts are commonly shared in).
 *
 * Layout (huggingface/safetensors README):
 *   [0, 8)        N, unsigned 64-bit little-endian: header size in bytes
 *   [8, 8+N)      UTF-8 JSON object: name → { dtype, shape, data_offsets: [begin, end] },
 *                 plus an optional "__metadata__": { string: string }; may be
 *                 padded with trailing spaces
 *   [8+N, end)    the byte buffer; offsets are relative to its start, tensors are
 *                 row-major little-endian, and together they cover it exactly
 *                 (no holes, no overlaps).
 * Tensors are decoded on demand, so a file that also holds integer buffers
 * (e.g. other modules' counters) can still be read for its float weights.
 */
import { checkSafetensorsHeader } from '../validate/pytorch.js';

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Raw little-endian bytes of this tensor (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

const DTYPE_SIZE: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};

/** Header sizes above this are rejected as corrupt (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

export function parseSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsFile {
  const buf = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (buf.length < 8) fail(`expected at least 8 bytes (the header size), got ${buf.length}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(Math.min(MAX_HEADER, buf.length - 8))) {
    fail(`header size ${n64} does not fit in the ${buf.length}-byte buffer (or exceeds ${MAX_HEADER})`);
  }
  const n = Number(n64);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (err) {
    fail(`the ${n}-byte header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  const data = buf.subarray(8 + n);
  // Types, own fields, shapes, sizes and spans inside the data section: one validation pass.
  const { entries, metadata } = checkSafetensorsHeader(header, data.length, DTYPE_SIZE);
  const tensors = new Map<string, SafetensorsEntry>();
  const spans: [number, number, string][] = [];
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: data.subarray(e.begin, e.end) });
    spans.push([e.begin, e.end, e.name]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin < at) fail(`tensor '${name}' overlaps the previous tensor (bytes ${begin}..${end})`);
    if (begin > at) fail(`the data section has a hole at bytes ${at}..${begin} before tensor '${name}'`);
    at = end;
  }
  if (at !== data.length) fail(`the data section has ${data.length - at} trailing bytes not covered by any tensor`);
  return { tensors, metadata };
}

/** IEEE half → float. */
function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes one tensor to float32 (F32, F16, BF16, F64; anything else is an error). */
export function toFloat32(name: string, e: SafetensorsEntry): Float32Array {
  const v = new DataView(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength);
  const size = Object.prototype.hasOwnProperty.call(DTYPE_SIZE, e.dtype) ? DTYPE_SIZE[e.dtype]! : fail(`tensor '${name}': unknown dtype ${e.dtype}`);
  const out = new Float32Array(e.bytes.byteLength / size);
  switch (e.dtype) {
    case 'F32':
      for (let k = 0; k < out.length; k++) out[k] = v.getFloat32(4 * k, true);
      break;
    case 'F64':
      for (let k = 0; k < out.length; k++) out[k] = v.getFloat64(8 * k, true);
      break;
    case 'F16':
      for (let k = 0; k < out.length; k++) out[k] = f16(v.getUint16(2 * k, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const tmp = new DataView(new ArrayBuffer(4));
      for (let k = 0; k < out.length; k++) {
        tmp.setUint32(0, v.getUint16(2 * k, true) << 16);
        out[k] = tmp.getFloat32(0);
      }
      break;
    }
    default:
      fail(`tensor '${name}' has dtype ${e.dtype}; only F32, F16, BF16 and F64 weights can be imported`);
  }
  return out;
}
