/**
 * The type of `predict`'s result, read from the model's layers: a single `Tensor`
 * when the last layer has one output, `Tensor[]` (output, then states) when it is a
 * recurrent layer with `returnState: true`, and `Tensor | Tensor[]` when the type
 * cannot tell (layers added later with `add`, models loaded from files).
 */
import type { Tensor } from '../tensor.js';

/** `true` / `false` when an options literal says so; `boolean` when it is not known. */
export type ReturnStateOf<A> = A extends { returnState: true } ? true
  : A extends { returnState: false } ? false
  : 'returnState' extends keyof A ? boolean : false;

/** The output of one layer: `Tensor[]` when it returns its states. */
export type LayerOutput<Last> = Last extends { readonly returnState: infer R }
  ? ([R] extends [false] ? Tensor : [R] extends [true] ? Tensor[] : Tensor | Tensor[])
  : Tensor;

/** What `predict` returns for a model built from the layer tuple `L`. */
export type PredictOutput<L extends readonly unknown[]> = L extends readonly [...unknown[], infer Last]
  ? LayerOutput<Last>
  : Tensor | Tensor[];
