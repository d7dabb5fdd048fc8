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

/**
 * A Bidirectional's `multiOutput` from its options literal: true with `mergeMode: null` or an
 * inner layer with `returnState: true`, false when neither can hold, else boolean.
 */
export type MultiOutputOf<A> = A extends { mergeMode: null } ? true
  : A extends { layer: { readonly returnState: true } } ? true
  : A extends { layer: { readonly returnState: false } }
    ? ('mergeMode' extends keyof A ? (null extends A[keyof A & 'mergeMode'] ? boolean : false) : false)
    : boolean;

/** `Tensor` for one output, `Tensor[]` for several, both when the type cannot tell. */
export type Outputs<R> = [R] extends [false] ? Tensor : [R] extends [true] ? Tensor[] : Tensor | Tensor[];

/** The output of one layer: `Tensor[]` when it returns its states or has several outputs. */
export type LayerOutput<Last> = Last extends { readonly returnState: infer R } ? Outputs<R>
  : Last extends { readonly multiOutput: infer M } ? Outputs<M>
  : Tensor;

/** What `predict` returns for a model built from the layer tuple `L`. */
export type PredictOutput<L extends readonly unknown[]> = L extends readonly [...unknown[], infer Last]
  ? LayerOutput<Last>
  : Tensor | Tensor[];
