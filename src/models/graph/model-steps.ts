/** Forward/backward steps, per-output losses and metrics, data validation (see engine.ts). */
import type { Backend } from '../../backend/types.js';
import type { Act, Ctx, Shape } from '../../layers/layer.js';
import { Embedding } from '../../layers/embedding.js';
import { Recurrent } from '../../layers/recurrent.js';
import { Tensor, type TensorLike } from '../../tensor.js';
import { takeLoss, type Loss } from '../../losses.js';
import { weightPenalty, activityPenalty, addInto, applyConstraints, hasWeightPenalties, hasConstraints } from '../../train/penalties.js';
import { applyWeightDecay } from '../../optimizers/weight-decay.js';
import { checkX, checkY, gatherRows, rowIndices, type InputSpec, type TargetSpec } from '../data.js';
import { rowWeights } from '../../train/sample-weights.js';
import { describe } from '../../names.js';
import { applyFiniteStep } from '../finite-step.js';
import { outputMetricState, updateOutput, outputLogs } from './outputs.js';
import type { EvalRun } from './model-types.js';
import { ModelMemory } from './model-memory.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
const isTensorObject = (v: unknown): boolean => v instanceof Tensor || (v !== null && typeof v === 'object' && !Array.isArray(v) && 'data' in v && 'shape' in v);

interface GraphFacts {
  specs: InputSpec[];
  names: string[];
  fixedBatch: number | null;
  weightPenalties: boolean;
  constraints: boolean;
}

/** The compute side of a model: data checks, forward rows, losses and metrics per output, training and evaluation steps. */
export abstract class ModelSteps extends ModelMemory {
  /** What the per-call checks need to know of the current graph, derived once per graph (predict runs per step when streaming). */
  private facts: (GraphFacts & { graph: object }) | null = null;

  /**
   * Per input: its shape, and int32 token ids when it feeds an Embedding; the input names; the
   * fixed batch size of a stateful model; whether any weight has a regularizer / a constraint.
   * setGraph places the weights with the graph, so both are fixed for a given graph.
   */
  private graphFacts(): GraphFacts {
    const g = this.graph!;
    if (this.facts?.graph === g) return this.facts;
    const specs = g.inputs.map((inp) => {
      // int32 token ids when the input feeds an Embedding (the smallest inputDim bounds them)
      let ids: InputSpec['ids'] = null;
      for (const c of g.tensors[inp.tensor].consumers) {
        const l = g.nodes[c.node].layer;
        if (l instanceof Embedding && (!ids || l.inputDim < ids.inputDim)) ids = { layer: l.name, inputDim: l.inputDim };
      }
      return { shape: g.tensors[inp.tensor].shape, ids };
    });
    const stateful = g.layers.some((l) => l instanceof Recurrent && l.stateful);
    const b = g.tensors[g.inputs[0].tensor].shape[0];
    this.facts = {
      graph: g, specs, names: g.inputs.map((i) => i.layer.name), fixedBatch: stateful && b !== null ? b : null,
      weightPenalties: hasWeightPenalties(this.placed), constraints: hasConstraints(this.placed),
    };
    return this.facts;
  }

  /** Fixed batch size of a stateful model, else null. */
  fixedBatch(): number | null {
    return this.graph ? this.graphFacts().fixedBatch : null;
  }

  /** @internal output j's shape (incl. batch). */
  outputShapeOf(j: number): Shape {
    const g = this.graph!;
    return g.tensors[g.outputs[j]].shape;
  }

  protected targetSpec(j: number): TargetSpec {
    const l = this.training!.losses[j]!;
    return { shape: this.outputShapeOf(j), sparse: l.sparse, lossName: l.keras };
  }

  /** Copy rows of every input into its buffer and run every node. */
  protected forwardRows(ctx: Ctx, xs: Tensor[], idx: ArrayLike<number> | null, from: number, to: number): void {
    const B = to - from;
    const shapes = this.callShapes;
    if (shapes.length !== xs.length) shapes.length = xs.length;
    for (let k = 0; k < xs.length; k++) {
      const s = xs[k].shape, cur = shapes[k];
      // reuse the previous call's shape arrays while they match (the steady state)
      let same = cur !== undefined && cur.length === s.length && cur[0] === B;
      for (let i = 1; same && i < s.length; i++) same = cur[i] === s[i];
      if (!same) shapes[k] = [B, ...s.slice(1)];
    }
    this.workspace(shapes, ctx.grad);
    const exec = this.exec!;
    for (let k = 0; k < xs.length; k++) {
      const view = xs[k].dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
      gatherRows(xs[k], idx, from, to, view, exec.inBufs[k] >>> 2);
    }
    exec.forward(ctx, shapes);
  }

  /**
   * Loss (and dLoss into dPBufs when training) for the last forward's outputs and target rows,
   * with sample weights and the output masks (src/losses/reduce.ts), weighted per output, plus
   * the layers' regularization penalties (src/train/penalties.ts). `rows` is the loss's
   * denominator (valid rows under a mask) of the first loss output: batches and data-parallel
   * chunks combine exactly when weighted by it. With `acc`, the metrics are updated too.
   */
  protected lossRows(ctx: Ctx, ys: (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, withGrad: boolean,
                   w: Tensor | null, acc: Float64Array | undefined): { loss: number; rows: number } {
    const t = this.training!, exec = this.exec!, g = this.graph!;
    let total = 0, rows0 = -1;
    for (let j = 0; j < g.outputs.length; j++) {
      const lossFn = t.losses[j];
      if (!lossFn) continue;
      const out = exec.acts[g.outputs[j]], y = ys[j]!;
      const cols = out.shape[out.shape.length - 1];
      const rows = prod(out.shape) / cols;
      const view = y.dtype === 'int32' ? ctx.be.i32() : ctx.be.f32();
      const Y = exec.tgtBufs[j], dP = withGrad ? exec.dPBufs[j] : 0;
      gatherRows(y, idx, from, to, view, Y >>> 2);
      let weights: Float32Array | null = null;
      if (w) {
        weights = new Float32Array(rows);
        gatherRows(w, idx, from, to, weights, 0);
      }
      const mask = this.maskLoss && out.mask ? ctx.be.f32().slice(out.mask >>> 2, (out.mask >>> 2) + rows) : null;
      const r = takeLoss({ be: ctx.be, loss: lossFn, P: out.ptr, Y, dP, rows, cols, weights, mask });
      const lw = t.weights[j];
      if (dP && lw !== 1) {
        const f = ctx.be.f32(), d0 = dP >>> 2;
        for (let i = 0; i < rows * cols; i++) f[d0 + i] *= lw;
      }
      total += lw * r.loss;
      if (rows0 < 0) rows0 = r.count;
      if (acc) {
        const mw = mask && weights ? weights.map((v, i) => v * mask[i]) : mask ?? weights;
        this.metricScores(ctx.be, j, out, y, idx, from, to, acc, mw, r.loss, to - from);
      }
    }
    return { loss: total + this.penalties(ctx.be, withGrad), rows: rows0 };
  }

  /** Weight and activity regularization: the penalty; with withGrad, the activity gradients (backward adds them). */
  protected penalties(be: Backend, withGrad: boolean): number {
    const w = this.graphFacts().weightPenalties ? weightPenalty(this.placed, be.f32(), this.store.params >>> 2, -1) : 0;
    const a = activityPenalty(this.exec!.nodeLayers, this.exec!.nodeOuts, be.f32(), withGrad);
    this.activityGrads = a.grads;
    return w + a.value;
  }

  /** One optimizer step on the grads block, then the layers' weight constraints (Keras: after every step). */
  protected optimizerStep(): void {
    const opt = this.optimizer!;
    if (opt.weightDecay) {
      const ranges = this.placed.map((p) => ({ offset: p.offset, size: p.size, trainable: p.layer.trainable }));
      applyWeightDecay(ranges, this.be!.f32(), this.store.params >>> 2, opt.weightDecay, opt.nextLearningRate());
    }
    const ranges = this.trainableRanges();
    opt.apply(this.store.params, this.store.grads, ranges);
    if (this.graphFacts().constraints) applyConstraints(ranges ? this.placed.filter((p) => p.layer.trainable) : this.placed, this.be!.f32(), this.store.params >>> 2);
  }

  /**
   * The float ranges of the block the optimizer updates: runs of weights of trainable layers;
   * null when every layer is trainable (one update over the whole block). Keras updates only
   * trainable variables: a frozen layer's weights (and its optimizer slots) do not move, not
   * even by momentum left from the steps before it was frozen.
   */
  protected trainableRanges(): { offset: number; size: number }[] | null {
    const placed = this.placed;
    if (placed.every((p) => p.layer.trainable)) return null;
    const runs: { offset: number; size: number }[] = [];
    // placed in offset order: a run ends where a frozen weight sits (alignment padding inside a run has zero gradient)
    for (let i = 0; i < placed.length; i++) {
      const p = placed[i];
      if (!p.layer.trainable) continue;
      if (i > 0 && placed[i - 1].layer.trainable) runs[runs.length - 1].size = p.offset + p.size - runs[runs.length - 1].offset;
      else runs.push({ offset: p.offset, size: p.size });
    }
    return runs;
  }

  /** Zero the gradient of frozen layers' weights (nothing trains them; clipping and the finite check see only the rest). */
  protected zeroFrozenGrads(be: Backend): void {
    const f = be.f32(), g0 = this.store.grads >>> 2;
    for (const p of this.placed) if (!p.layer.trainable) f.fill(0, g0 + p.offset, g0 + p.offset + p.size);
  }

  protected zeroGrads(be: Backend): void {
    be.f32().fill(0, this.store.grads >>> 2, (this.store.grads >>> 2) + this.nParams);
  }

  /** Add output j of this batch to the metrics' streaming state (`weights`: sample weight × mask per row, or null). */
  protected metricScores(be: Backend, j: number, out: Act, y: Tensor, idx: ArrayLike<number>, from: number, to: number,
                       acc: Float64Array, weights: Float32Array | null, loss: number, samples: number): void {
    const t = this.training!;
    if (t.single >= 0 && !t.metrics[j].length) return;
    const cols = out.shape[out.shape.length - 1];
    const rows = prod(out.shape) / cols;
    let pred: Float32Array = new Float32Array(0), tgt: Float32Array | Int32Array = pred;
    if (t.metrics[j].length) {
      pred = be.f32().slice(out.ptr >>> 2, (out.ptr >>> 2) + rows * cols);
      const rowT = y.size / y.shape[0];
      tgt = y.dtype === 'int32' ? new Int32Array((to - from) * rowT) : new Float32Array((to - from) * rowT);
      gatherRows(y, idx, from, to, tgt, 0);
    }
    updateOutput(t, this.outputCols(), acc, j, loss, samples, pred, tgt, weights, rows);
  }

  /** @internal zeroed streaming state for the compiled metrics. */
  metricState(): Float64Array {
    return outputMetricState(this.training!, this.outputCols());
  }

  /** @internal logs entries of a metric state. */
  metricLogs(state: Float64Array): Record<string, number> {
    return outputLogs(this.training!, this.outputCols(), state, this.graph!.outputNames);
  }

  protected outputCols(): number[] {
    return this.graph!.outputs.map((_, j) => {
      const s = this.outputShapeOf(j);
      return s[s.length - 1] as number;
    });
  }

  /** x as one tensor per input: a tensor (one input), an array (one per input) or a record by input name. */
  protected inputList(xIn: unknown, who: string): TensorLike[] {
    const { names } = this.graphFacts(), n = names.length;
    const want = () => `${n} input${n > 1 ? 's' : ''} (${names.map((s) => `'${s}'`).join(', ')})`;
    if (Array.isArray(xIn) && (n > 1 || (xIn.length === 1 && isTensorObject(xIn[0])))) {
      if (xIn.length !== n) throw new Error(`${who}: the model has ${want()}; x must be an array of ${n} tensors, one per input, got an array of ${xIn.length}`);
      return xIn as TensorLike[];
    }
    if (xIn !== null && typeof xIn === 'object' && !Array.isArray(xIn) && !isTensorObject(xIn)) {
      const rec = xIn as Record<string, TensorLike>;
      for (const k of Object.keys(rec)) if (!names.includes(k)) throw new Error(`${who}: x has no input named '${k}'; the model has ${want()}`);
      return names.map((name) => {
        if (!Object.prototype.hasOwnProperty.call(rec, name)) throw new Error(`${who}: x is missing input '${name}'; the model has ${want()}`);
        return rec[name];
      });
    }
    if (n > 1) throw new Error(`${who}: the model has ${want()}; give x as an array of ${n} tensors (or a record by input name), got ${describe(xIn)}`);
    return [xIn as TensorLike];
  }

  /** y as one tensor (or null) per output. */
  protected targetList(yIn: unknown, who: string): (TensorLike | null)[] {
    const g = this.graph!, names = g.outputNames, n = names.length, t = this.training!;
    const lossOuts = names.filter((_, j) => t.losses[j]);
    if (this.lossOnFirstOnly()) return names.map((_, j) => (j === 0 ? yIn as TensorLike : null));
    const want = () => `${n} output${n > 1 ? 's' : ''} (${names.map((s) => `'${s}'`).join(', ')})`;
    if (Array.isArray(yIn) && (n > 1 || (yIn.length === 1 && isTensorObject(yIn[0])))) {
      if (yIn.length !== n) throw new Error(`${who}: the model has ${want()}; y must be an array of ${n} tensors, one per output, got an array of ${yIn.length}`);
      return yIn.map((v, j) => (t.losses[j] ? v as TensorLike : null));
    }
    if (yIn !== null && typeof yIn === 'object' && !Array.isArray(yIn) && !isTensorObject(yIn)) {
      const rec = yIn as Record<string, TensorLike>;
      for (const k of Object.keys(rec)) if (!names.includes(k)) throw new Error(`${who}: y has no output named '${k}'; the model has ${want()}`);
      return names.map((name, j) => {
        if (!t.losses[j]) return null;
        if (!Object.prototype.hasOwnProperty.call(rec, name)) throw new Error(`${who}: y is missing output '${name}' (it has a loss)`);
        return rec[name];
      });
    }
    if (lossOuts.length > 1) throw new Error(`${who}: the model has ${want()} with losses; give y as an array (one per output) or a record by output name, got ${describe(yIn)}`);
    return names.map((_, j) => (t.losses[j] ? yIn as TensorLike : null));
  }

  /** Validated inputs (same number of samples each). */
  protected checkInputs(xIn: unknown, who: string): Tensor[] {
    const { specs, names } = this.graphFacts(), list = this.inputList(xIn, who);
    if (list.length === 1) return [checkX(list[0], specs[0], who)];
    const xs = list.map((x, k) => checkX(x, specs[k], `${who}: input '${names[k]}'`));
    xs.forEach((x, k) => {
      if (x.shape[0] !== xs[0].shape[0]) {
        throw new Error(`${who}: every input needs the same number of samples: '${names[0]}' has ${xs[0].shape[0]}, '${names[k]}' has ${x.shape[0]}`);
      }
    });
    return xs;
  }

  protected checkTargets(yIn: unknown, n: number, who: string): (Tensor | null)[] {
    const list = this.targetList(yIn, who), names = this.graph!.outputNames, multi = names.length > 1 && !this.lossOnFirstOnly();
    return list.map((y, j) => (y === null ? null : checkY(y, n, this.targetSpec(j), multi ? `${who}: output '${names[j]}'` : who)));
  }

  /** @internal for fit: validated inputs and targets. */
  checkData(xIn: unknown, yIn: unknown, who: string): { x: Tensor[]; y: (Tensor | null)[] } {
    const x = this.checkInputs(xIn, `${this.name}.${who}`);
    const y = this.checkTargets(yIn, x[0].shape[0], `${this.name}.${who}`);
    return { x, y };
  }

  /** @internal run validated x forward in inference mode, carrying recurrent state (truncated BPTT). */
  advanceState(x: Tensor | Tensor[]): void {
    const be = this.sync();
    const xs = Array.isArray(x) ? x : [x];
    this.forwardRows(this.ctx(be, false, false, true), xs, rowIndices(xs[0].shape[0]), 0, xs[0].shape[0]);
  }

  /** @internal forward + backward (+ update) on validated rows idx[from..to). */
  stepChecked(x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, update: boolean,
              opts: { training?: boolean; carryState?: boolean; metricAcc?: Float64Array; weights?: Tensor | null; where?: string | (() => string) } = {}): { loss: number; rows: number } {
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : this.graph!.outputs.map((_, j) => (j === 0 ? y : null));
    const be = this.sync();
    const ctx = this.ctx(be, opts.training ?? true, true, opts.carryState ?? false);
    this.zeroGrads(be);
    this.forwardRows(ctx, xs, idx, from, to);
    const { loss, rows } = this.lossRows(ctx, ys, idx, from, to, true, opts.weights ?? null, opts.metricAcc);
    this.exec!.backward(ctx, this.activityGrads, addInto);
    // after backward: the layers' kernels write their weight gradients, the penalty's adds to them
    if (this.graphFacts().weightPenalties) weightPenalty(this.placed, be.f32(), this.store.params >>> 2, this.store.grads >>> 2);
    if (update) this.applyStep(be, loss, opts.where ?? `${this.name}.fit`);
    return { loss, rows };
  }

  /**
   * One optimizer step over the whole block (weight decay, the update rule, then the layers'
   * constraints), applied only if everything stays finite (finite-step.ts).
   */
  protected applyStep(be: Backend, loss: number, where: string | (() => string)): void {
    this.zeroFrozenGrads(be);
    applyFiniteStep({
      be, params: this.store.params, grads: this.store.grads, n: this.nParams, optimizer: this.optimizer!,
      update: () => this.optimizerStep(),
      weightAt: (i) => this.placed.find((p) => i >= p.offset && i < p.offset + p.size)?.name ?? `element ${i}`,
    }, loss, where);
  }

  /** @internal grads ← w0·grads + Σ w·g (other chunks' gradients), then one optimizer step. */
  applyCombined(w0: number, parts: { w: number; g: Float32Array }[], loss = 0): void {
    const be = this.sync(), g0 = this.store.grads >>> 2, n = this.nParams;
    const G = be.f32().subarray(g0, g0 + n);
    if (parts.length === 1) {
      const a = parts[0].g, w = parts[0].w;
      for (let i = 0; i < n; i++) G[i] = w0 * G[i] + w * a[i];
    } else {
      for (let i = 0; i < n; i++) G[i] *= w0;
      for (const { w, g } of parts) for (let i = 0; i < n; i++) G[i] += w * g[i];
    }
    this.applyStep(be, loss, `${this.name}.fit`);
  }

  /** @internal per-row weights from fit/evaluate's sampleWeight / classWeight (src/train/sample-weights.ts). */
  rowWeights(sampleWeight: unknown, classWeight: unknown, y: Tensor | (Tensor | null)[], who: string): Tensor | null {
    if (sampleWeight === undefined && classWeight === undefined) return null;
    const ys = Array.isArray(y) ? y : [y];
    const j = ys.findIndex((t) => t !== null);
    if (ys.filter((t) => t !== null).length > 1) {
      throw new Error(`${who}: sampleWeight / classWeight are not supported for a model with several outputs that have losses yet; use lossWeights, or one model per output`);
    }
    const out = this.outputShapeOf(j);
    const R = out.length >= 3 ? ys[j]!.shape[1] : 1;
    return rowWeights(sampleWeight, classWeight, ys[j]!, this.training!.losses[j]!.sparse, this.outputCols()[j], R, who);
  }

  /** @internal evaluate on validated data. */
  evaluateChecked(x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], bs: number, w: Tensor | null = null): Record<string, number> {
    const run = this.evalBegin();
    const xs = Array.isArray(x) ? x : [x];
    const N = xs[0].shape[0];
    const idx = rowIndices(N);
    for (let from = 0; from < N; from += bs) this.evalRows(run, xs, y, idx, from, Math.min(N, from + bs), w);
    return this.evalEnd(run);
  }

  /** @internal running sums of one evaluation (evaluate, validation, evaluateDataset's batches). */
  evalBegin(): EvalRun {
    return { lossSum: 0, samples: 0, acc: this.metricState() };
  }

  /** @internal add rows idx[from..to) of validated x, y (and row weights w) to an evaluation. */
  evalRows(run: EvalRun, x: Tensor | Tensor[], y: Tensor | (Tensor | null)[], idx: ArrayLike<number>, from: number, to: number, w: Tensor | null = null): void {
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : this.graph!.outputs.map((_, j) => (j === 0 ? y : null));
    const be = this.sync();
    const ctx = this.ctx(be, false, false);
    this.forwardRows(ctx, xs, idx, from, to);
    const { loss } = this.lossRows(ctx, ys, idx, from, to, false, w, run.acc);
    run.lossSum += loss * (to - from); // Keras: the mean of the batch losses weighted by batch size
    run.samples += to - from;
  }

  /** @internal the evaluation's mean loss and metrics. */
  evalEnd(run: EvalRun): Record<string, number> {
    return { loss: run.lossSum / run.samples, ...this.metricLogs(run.acc) };
  }
}
