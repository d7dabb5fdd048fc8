/** Messages between the data-parallel trainer and its workers (structured-clone safe). */

export interface TensorData {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Build a replica: the model's topology, loss and metrics, on the same backend. */
export interface InitMsg {
  type: 'init';
  topology: Record<string, unknown>;
  loss: string;
  metrics: string[];
  backend: 'wasm' | 'js';
  /** The wasm build the caller runs ('simd' | 'relaxed-simd'), so every replica rounds alike. */
  variant: string;
  /** Seeds the replica's dropout stream. */
  seed: number;
  /** Floats in the caller's params block; the replica checks that its layout matches. */
  nParams: number;
}

/** Gradients of a chunk of rows at the given weights. `block` carries the params in and the grads back. */
export interface StepMsg {
  type: 'step';
  id: number;
  block: Float32Array;
  x: TensorData;
  y: TensorData;
}

export type ToWorker = InitMsg | StepMsg;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; loss: number; rows: number; acc: number[]; block: Float32Array }
  | { type: 'failed'; id: number | null; message: string };
