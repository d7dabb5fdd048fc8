/**
 * A small ONNX graph builder: nodes in topological order (we only ever append
 * nodes whose inputs exist), initializers stored as little-endian raw_data,
 * and unique value names. Produces plain objects shaped like the protobuf
 * messages in schema.ts; encoding happens in proto.ts.
 */
import { AttributeType, DataType } from './schema.js';

/** A dimension is a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

export type AttrValue = number | string | number[] | string[] | { floats: number[] } | { float: number } | { tensor: TensorMsg };

export interface TensorMsg {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

interface AttributeMsg {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
  strings?: Uint8Array[];
  t?: TensorMsg;
}

export interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: AttributeMsg[];
}

export interface ValueInfoMsg {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

const utf8 = new TextEncoder();

function attribute(name: string, value: AttrValue): AttributeMsg {
  // Why explicit wrappers: a JS number cannot tell INT from FLOAT, so integral
  // numbers become INT and float attributes that may be integral (1.0) must be
  // passed as { float } (or { floats } for lists).
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8.encode(value) };
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') {
      return { name, type: AttributeType.STRINGS, strings: (value as string[]).map((v) => utf8.encode(v)) };
    }
    return { name, type: AttributeType.INTS, ints: value as number[] };
  }
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  if ('tensor' in value) return { name, type: AttributeType.TENSOR, t: value.tensor };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function floatBytes(data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < data.length; k++) view.setFloat32(k * 4, data[k]!, true);
  return bytes;
}

/** A float32 1-D tensor as an attribute value (e.g. ConstantOfShape's `value`). */
export function floatTensorAttr(values: number[]): { tensor: TensorMsg } {
  return { tensor: { name: '', dims: [values.length], data_type: DataType.FLOAT, raw_data: floatBytes(values) } };
}

function valueInfo(name: string, elemType: number, shape: Dim[]): ValueInfoMsg {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  readonly inputs: ValueInfoMsg[] = [];
  readonly outputs: ValueInfoMsg[] = [];
  private readonly used = new Set<string>();
  private nodeCount = 0;
  private readonly constants = new Map<string, string>();

  /** A fresh value name derived from `hint` (ONNX requires SSA names). */
  name(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  addInput(name: string, elemType: number, shape: Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  addOutput(name: string, elemType: number, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** Appends a node; returns its output names (fresh names from `outHints`). */
  node(opType: string, inputs: string[], outHints: string[], attrs: Record<string, AttrValue> = {}): string[] {
    const output = outHints.map((h) => (h === '' ? '' : this.name(h)));
    this.nodes.push({
      input: inputs,
      output,
      name: `${opType}_${this.nodeCount++}`,
      op_type: opType,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Identity into a name reserved earlier with `name()` (graph outputs). */
  identityTo(input: string, reserved: string): void {
    this.nodes.push({ input: [input], output: [reserved], name: `Identity_${this.nodeCount++}`, op_type: 'Identity', attribute: [] });
  }

  /** Single-output convenience form of `node`. */
  op(opType: string, inputs: string[], hint: string, attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, [hint], attrs)[0]!;
  }

  floatTensor(hint: string, dims: number[], data: ArrayLike<number>): string {
    return this.initializer(hint, dims, DataType.FLOAT, floatBytes(data));
  }

  int64Tensor(hint: string, dims: number[], data: ArrayLike<number>): string {
    const bytes = new Uint8Array(data.length * 8);
    const view = new DataView(bytes.buffer);
    for (let k = 0; k < data.length; k++) view.setBigInt64(k * 8, BigInt(data[k]!), true);
    return this.initializer(hint, dims, DataType.INT64, bytes);
  }

  int32Tensor(hint: string, dims: number[], data: ArrayLike<number>): string {
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let k = 0; k < data.length; k++) view.setInt32(k * 4, data[k]!, true);
    return this.initializer(hint, dims, DataType.INT32, bytes);
  }

  /** A float32 scalar constant, shared between uses. */
  scalar(value: number): string {
    const key = `f:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.floatTensor(`const_${value}`, [], [value]);
      this.constants.set(key, name);
    }
    return name;
  }

  /** A 1-D (or scalar when `scalar`) int64 constant, shared between uses. */
  ints(values: number[], scalar = false): string {
    const key = `i:${scalar}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.int64Tensor(`const_i64_${values.join('_')}`.replace(/-/g, 'm'), scalar ? [] : [values.length], values);
      this.constants.set(key, name);
    }
    return name;
  }

  private initializer(hint: string, dims: number[], dataType: number, raw: Uint8Array): string {
    const name = this.name(hint);
    this.initializers.push({ name, dims, data_type: dataType, raw_data: raw });
    return name;
  }
}
