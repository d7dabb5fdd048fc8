/**
 * Limits on what a model file may declare, checked before anything is allocated.
 * A file that exceeds one is refused with the limit in the message; none of them
 * is near what a real Keras/tfjs model of this package's layer kinds needs.
 */

/** Nesting depth of any JSON value read from a file (Keras 3 functional configs reach about 12). */
export const MAX_JSON_DEPTH = 64;
/** Values (objects, arrays, scalars) in one JSON document: bounds the work a validation pass does. */
export const MAX_JSON_NODES = 2_000_000;
/** model.json / state-dict JSON text read from disk. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;
/** Rank of a weight (Keras RNN/Dense/Embedding weights have rank <= 2). */
export const MAX_RANK = 8;
/**
 * Bytes of weights one model may declare: WebAssembly memory is 4 GiB and the
 * model also needs gradients and optimizer slots, so more than 1 GiB cannot be used.
 */
export const MAX_WEIGHT_BYTES = 1024 * 1024 * 1024;
/** Weight entries in one manifest / state dict, and shard files per manifest. */
export const MAX_WEIGHTS = 100_000;
/** Characters in a weight name or shard path. */
export const MAX_NAME_CHARS = 4096;
/** Layers in one functional graph, and calls (nodes) of all its layers: bounds the graph checks' work. */
export const MAX_GRAPH_LAYERS = 10_000;
export const MAX_GRAPH_NODES = 100_000;
/** Tensors one call may take (positional inputs plus initial states). */
export const MAX_NODE_INPUTS = 1_024;
