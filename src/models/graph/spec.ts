/**
 * GraphSpec: a functional model's graph as files describe it, independent of the engine.
 *
 * The seam between the file formats and the functional engine:
 * - readers (tfjs `model.json` with class_name 'Model'/'Functional', Keras 2/3 configs in
 *   `.keras`/`.h5`) validate and normalize a topology into a GraphSpec
 *   (src/io/…/functional*.ts);
 * - the engine builds a `Model` from one (`Model.fromGraphSpec(spec, weights?)`) and describes
 *   itself as one (`model.toGraphSpec()`);
 * - writers turn a GraphSpec into a tfjs functional topology (model.json both ways) and the
 *   ONNX exporter turns one (plus weights) into an ONNX graph.
 *
 * Layer configs are canonical snake_case (src/keras/config.ts `canonicalConfig`), so nothing
 * downstream restates a Keras default. Names are unique per graph.
 */

/** One tensor of the graph: output `tensor` of the `node`-th call of layer `layer` (Keras `[layer, node, tensor]`). */
export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

export interface GraphLayerSpec {
  /** A class of src/keras/config.ts, or 'InputLayer'. */
  className: string;
  name: string;
  /** Canonical snake_case config (for InputLayer: batch_input_shape, dtype, sparse: false, name). */
  config: Record<string, unknown>;
}

/** One call of a layer (`layer.apply(inputs, options)`); nodes of one layer are numbered in call order. */
export interface GraphNodeSpec {
  layer: string;
  /** Positional inputs: one tensor, or several for merge layers (Keras: the call's first argument). */
  inputs: TensorRef[];
  /** Recurrent layers: `initial_state` tensors (LSTM [h, c]; GRU/SimpleRNN [h]; Bidirectional forward then backward). */
  initialState?: TensorRef[];
  /** Attention: `[query, value(, key)]` is `inputs`; other call arguments (e.g. use_causal_mask, return_attention_scores). */
  kwargs?: Record<string, unknown>;
}

export interface GraphSpec {
  name: string;
  /** Every layer once, InputLayers included, in the order the file lists them (topological). */
  layers: GraphLayerSpec[];
  /** Every call, grouped by layer in `layers` order, numbered per layer (TensorRef.node). */
  nodes: GraphNodeSpec[];
  /** The model's inputs: InputLayer outputs (`{ layer, node: 0, tensor: 0 }`), in order. */
  inputs: TensorRef[];
  outputs: TensorRef[];
}
