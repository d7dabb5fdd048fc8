/**
 * The busy rule: while a model's `fit` runs, nothing may change the model or
 * its training state under it. `fit` awaits between batches (callbacks, the
 * event loop) and, with `threads ≥ 2`, in the middle of a step while workers
 * compute their chunks; a `trainOnBatch`, `setWeights` or `setBackend` landing
 * in one of those gaps would mix into the step (measured: weights off by 1e-5),
 * and a second `fit` would interleave its batches with the first.
 *
 * Refused while the model's fit runs: fit, trainOnBatch, computeGradients,
 * applyGradients, setWeights, compile, dispose; and the global setBackend
 * while any fit runs (it would move every model's memory). Allowed: predict,
 * evaluate, getWeights, summary, save — they read the weights and leave the
 * training trajectory bit-identical (tested with threads 1 and 2).
 *
 * The library's own callbacks that must write during fit (earlyStopping's
 * restoreBestWeights at the end of training) do so through allowDuringFit.
 */

const fitting = new WeakMap<object, { exempt: number }>();
let fitsRunning = 0;

/** Mark `model` as fitting; returns the function that ends it. Throws if it already is. */
export function beginFit(model: object, name: string): () => void {
  if (fitting.has(model)) {
    throw new Error(`${name}.fit: this model is already training (an earlier fit() has not finished); await it before calling fit again`);
  }
  const state = { exempt: 0 };
  fitting.set(model, state);
  fitsRunning++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    fitting.delete(model);
    fitsRunning--;
  };
}

/** Throw if `model` is fitting (and the call is not one the library allowed). */
export function assertNotFitting(model: object, name: string, who: string): void {
  const s = fitting.get(model);
  if (s && s.exempt === 0) {
    throw new Error(`${name}.${who}: not allowed while fit() is running on this model (it would change the weights or training state mid-step); ` +
      `await the fit first, or stop it with model.stopTraining = true from a callback. predict() and evaluate() are allowed during fit`);
  }
}

/** Throw if any model is fitting (for process-wide changes such as setBackend). */
export function assertNoFitRunning(who: string): void {
  if (fitsRunning > 0) {
    throw new Error(`${who}: not allowed while fit() is running (${fitsRunning} running); it would move every model's weights to another backend mid-training. Await the fit first`);
  }
}

/**
 * predict/evaluate are allowed during fit, except on a stateful model: there they
 * would advance the recurrent state that training carries from batch to batch.
 */
export function assertReadAllowed(model: object, name: string, who: string, stateful: boolean): void {
  if (stateful && fitting.has(model)) {
    throw new Error(`${name}.${who}: not allowed while fit() is running on this stateful model (it would advance the recurrent state that training carries between batches); await the fit first`);
  }
}

/** Run fn with the busy rule lifted for `model` (library callbacks writing at a safe point). */
export function allowDuringFit<T>(model: object, fn: () => T): T {
  const s = fitting.get(model);
  if (!s) return fn();
  s.exempt++;
  try {
    return fn();
  } finally {
    s.exempt--;
  }
}

/** Whether `model` is fitting now. */
export function isFitting(model: object): boolean {
  return fitting.has(model);
}

// ------------------------------------------------------------ layer ownership

/**
 * One model per layer instance. A layer's weights are bound to offsets in its
 * model's parameter block, so a layer in two Sequentials would run model A with
 * model B's weights (and read freed memory after B.dispose()). Layers shared on
 * purpose go through the functional API (src/models/graph/), which hands a shared
 * layer's live weights to the model using it.
 */
const owners = new WeakMap<object, { model: object; name: string }>();

/** Record `model` as the owner of `layer`; throws if another model owns it. */
export function claimLayer(layer: { name: string }, model: object, modelName: string): void {
  const o = owners.get(layer);
  if (o && o.model !== model) {
    throw new Error(`${modelName}.add: layer '${layer.name}' already belongs to model '${o.name}'; a layer instance can be in one model only ` +
      '(its weights live in that model). Create a new layer with the same options for this model, or copy weights with setWeights(other.getWeights())');
  }
  owners.set(layer, { model, name: modelName });
}

/** Give up ownership of `layers` held by `model` (a model whose construction failed). */
export function releaseLayers(model: object, layers: readonly object[]): void {
  for (const l of layers) if (owners.get(l)?.model === model) owners.delete(l);
}
