/**
 * Writing a GraphSpec by hand for the ONNX graph-export tests: layers with canonical configs
 * (src/keras/config.ts canonicalConfig; merge/attention classes as Keras snake_case), calls as
 * TensorRefs, and seeded random weights in getWeights() order (layer by layer), plus running
 * the exported bytes in onnxruntime-web with named inputs.
 */
import { canonicalConfig, type LayerClass } from '../../src/keras/config.js';
import type { GraphLayerSpec, GraphNodeSpec, GraphSpec, TensorRef } from '../../src/models/graph/spec.js';
import { ort } from './ort.js';
import { uniformSource } from './random.js';

export interface W { name: string; shape: number[]; data: Float32Array }
export type Out = (tensor?: number) => TensorRef;

const CANONICAL = new Set(['Embedding', 'LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Dense', 'Dropout', 'Flatten', 'Masking', 'RepeatVector', 'TimeDistributed']);

export class SpecBuilder {
  readonly layers: GraphLayerSpec[] = [];
  readonly nodes: GraphNodeSpec[] = [];
  readonly weights: W[] = [];
  readonly inputs: TensorRef[] = [];
  private readonly calls = new Map<string, number>();
  private readonly rand: () => number;

  constructor(seed: number, private readonly scale = 0.6) {
    this.rand = uniformSource(seed);
  }

  input(name: string, shape: (number | null)[], dtype = 'float32'): TensorRef {
    this.layers.push({ className: 'InputLayer', name, config: { batch_input_shape: [null, ...shape], dtype, sparse: false, name } });
    const ref = { layer: name, node: 0, tensor: 0 };
    this.inputs.push(ref);
    return ref;
  }

  /** A layer with its weights (suffix, shape) drawn uniformly in ±scale. */
  layer(className: string, name: string, config: Record<string, unknown>, weights: [string, number[]][] = []): string {
    const cfg = CANONICAL.has(className)
      ? canonicalConfig(className as LayerClass, { name, ...config }, { where: `layer '${name}'`, source: 'tfjs', className })
      : { name, trainable: true, ...config };
    // canonicalConfig leaves the wrapped layer to the topology reader.
    if (className === 'Bidirectional' || className === 'TimeDistributed') cfg.layer = config.layer;
    this.layers.push({ className, name, config: cfg });
    for (const [suffix, shape] of weights) {
      const n = shape.reduce((a, b) => a * b, 1);
      this.weights.push({ name: `${name}/${suffix}`, shape, data: Float32Array.from({ length: n }, () => (this.rand() * 2 - 1) * this.scale) });
    }
    return name;
  }

  /** One call of `layer`; returns its outputs by index. */
  call(layer: string, inputs: TensorRef[], initialState?: TensorRef[], kwargs?: Record<string, unknown>): Out {
    const node = this.calls.get(layer) ?? 0;
    this.calls.set(layer, node + 1);
    this.nodes.push({ layer, inputs, ...(initialState ? { initialState } : {}), ...(kwargs ? { kwargs } : {}) });
    return (tensor = 0) => ({ layer, node, tensor });
  }

  /** The layer's weights, in order. */
  weightsOf(layer: string): W[] {
    return this.weights.filter((w) => w.name.startsWith(`${layer}/`));
  }

  spec(outputs: TensorRef[], name = 'model'): GraphSpec {
    // Nodes grouped by layer in layer order, as GraphSpec states.
    const order = new Map(this.layers.map((l, k) => [l.name, k]));
    const nodes = [...this.nodes].sort((a, b) => order.get(a.layer)! - order.get(b.layer)!);
    return { name, layers: this.layers, nodes, inputs: this.inputs, outputs };
  }

  /** Canonical config of an RNN for a Bidirectional's `layer`. */
  static inner(className: 'LSTM' | 'GRU' | 'SimpleRNN', config: Record<string, unknown>): { class_name: string; config: Record<string, unknown> } {
    return { class_name: className, config: canonicalConfig(className, config, { where: 'inner', source: 'tfjs', className }) };
  }
}

export interface Feed { dtype: 'float32' | 'int32'; shape: number[]; data: ArrayLike<number> }

export async function runOrtNamed(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) {
    inputs[k] = f.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(f.data), f.shape) : new ort.Tensor('float32', Float32Array.from(f.data), f.shape);
  }
  return session.run(inputs);
}

/** Seeded float data of a shape. */
export function randomFeed(seed: number, shape: number[], scale = 1): Feed {
  const r = uniformSource(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale) };
}
