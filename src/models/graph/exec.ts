/**
 * The execution plan of a graph (Sequential is the chain case): for one call shape it reserves every
 * node's workspace regions (through `nodePlan` on the node's view), the model inputs, targets,
 * dLoss, and a gradient buffer for each tensor whose input gradients must be summed; then runs the
 * nodes forward and backward in topological order. Steady-state calls allocate no backend memory.
 *
 * Views: a layer called at one node runs on itself; a layer called at several nodes (shared) runs
 * each node on `Object.create(layer)`, so each call keeps its own runtime pointers while the
 * weights (bound on the layer) are one set; weight gradients accumulate (+=), so they sum.
 *
 * Gradients: a tensor with one gradient source takes that pointer as it is (a chain passes dy
 * through, as before). A tensor read by several consumers (or also a model output) gets a buffer
 * that the first contribution is copied into and the others are added to; so does every input of a
 * multi-input node, because such a node may return one pointer for several inputs (add: dx = dy)
 * and each producer may overwrite the dy it is given.
 */
import { Layer, type Act, type Ctx, type Shape, type Workspace } from '../../layers/layer.js';
import { Embedding } from '../../layers/embedding.js';
import { Recurrent } from '../../layers/recurrent.js';
import type { Graph } from './topology.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Layers used by several models (inference models built from a trained model's layers) keep
 * their runtime pointers in plain fields, so the model that planned them last owns them. How many
 * plans use each layer, and which plan laid out each layer object last: a model whose shared
 * layers were laid out by another model replays its workspace before running (`clobbered`).
 */
const planCount = new WeakMap<Layer, number>();
const laidOutBy = new WeakMap<Layer, ExecPlan>();

export class ExecPlan {
  /** The layer object each node runs on (the layer itself, or a per-node view of a shared layer). */
  readonly views: Layer[];
  /** Memory labels per node: the layer name, with '#k' for the k-th call of a shared layer. */
  readonly labels: string[];
  /** The layer of each node (activity penalties read `penalties` per node). */
  readonly nodeLayers: Layer[];
  /** Output 0 of each node after a forward (activity regularizers read them). */
  readonly nodeOuts: Act[];
  /** Per node and input slot: does that input need its gradient (something upstream is trainable). */
  needDx: boolean[][] = [];
  /** Per node: run its backward at all (trainable weights, or some input needs a gradient). */
  private runsBackward: boolean[] = [];
  /** Per tensor: the buffer gradients are summed in (0: pass the single source through). */
  private sumBuf: number[];
  /** Per tensor, during a call: its activation, and its gradient pointer (0: none yet). */
  readonly acts: Act[];
  private grads: number[];
  /** Model inputs, targets and dLoss per output (0 when not reserved). */
  readonly inBufs: number[];
  readonly tgtBufs: number[];
  readonly dPBufs: number[];
  /** Per node: its input activations and output gradients, reused every call (no garbage per step). */
  private xsOf: Act[][];
  private dysOf: number[][];
  /** Per node: the Embedding view feeding a recurrent node for its fused paths, or null (see the constructor). */
  private embOf: (Embedding | null)[];
  /** Indices of the recurrent nodes (the only ones linkEmbeddings touches: no type test per call). */
  private recurrentNodes: number[];

  constructor(readonly g: Graph, private readonly lossOn: boolean[]) {
    const calls = new Map<Layer, number>();
    for (const n of g.nodes) calls.set(n.layer, (calls.get(n.layer) ?? 0) + 1);
    for (const [l, n] of calls) {
      // a wrapper's inner layers are plain objects shared by every view: two calls would overwrite each other's buffers
      if (n > 1 && Object.values(l).some((v) => v instanceof Layer)) {
        throw new Error(`${l.name}: a ${l.className} wraps other layers and cannot be called at ${n} places in one model yet (its inner layers keep one call's buffers); ` +
          `apply a separate ${l.className} at each place`);
      }
    }
    // a node with call options runs on a view too: the options are this call's, not the layer's
    this.views = g.nodes.map((n) => (calls.get(n.layer)! > 1 || n.kwargs ? Object.create(n.layer) as Layer : n.layer));
    g.nodes.forEach((n, i) => { if (n.kwargs) this.views[i].nodeCall(n.kwargs); });
    for (const l of g.layers) planCount.set(l, (planCount.get(l) ?? 0) + 1);
    this.labels = g.nodes.map((n) => (n.k > 0 ? `${n.layer.name}#${n.k}` : n.layer.name));
    this.nodeLayers = g.nodes.map((n) => n.layer);
    this.nodeOuts = g.nodes.map(() => ({ ptr: 0, shape: [], mask: 0 }));
    this.acts = g.tensors.map(() => ({ ptr: 0, shape: [], mask: 0 }));
    this.grads = g.tensors.map(() => 0);
    this.sumBuf = g.tensors.map(() => 0);
    this.inBufs = g.inputs.map(() => 0);
    this.tgtBufs = g.outputs.map(() => 0);
    this.dPBufs = g.outputs.map(() => 0);
    this.xsOf = g.nodes.map((n) => n.inputs.map(() => this.acts[0]));
    this.dysOf = g.nodes.map((n) => n.outputs.map(() => 0));
    // Embedding → LSTM fused paths (projection and backward by token) reach into the Embedding's
    // buffers; that is only right when the Embedding's output goes to that recurrent node alone
    // (the fused backward adds the LSTM's gradient straight into the table and returns no dX).
    // Set on the view at every plan and forward (linkEmbeddings), not once: a layer shared with
    // another model may be wired differently there.
    this.embOf = g.nodes.map((n, i) => {
      if (!(this.views[i] instanceof Recurrent)) return null;
      const t = g.tensors[n.inputs[0]];
      const p = t.producer;
      const ok = p >= 0 && t.slot === 0 && t.consumers.length === 1 && !g.outputs.includes(n.inputs[0]) && this.views[p] instanceof Embedding;
      return ok ? this.views[p] as Embedding : null;
    });
    this.recurrentNodes = this.views.flatMap((v, i) => (v instanceof Recurrent ? [i] : []));
    this.refresh();
  }

  /** Did another model lay out one of this plan's layers since this plan's last layout? */
  clobbered(): boolean {
    for (let i = 0; i < this.views.length; i++) {
      const v = this.views[i];
      if (v === this.g.nodes[i].layer && planCount.get(v)! > 1 && laidOutBy.get(v) !== this) return true;
    }
    return false;
  }

  private linkEmbeddings(): void {
    const rec = this.recurrentNodes;
    for (let j = 0; j < rec.length; j++) {
      const i = rec[j], v = this.views[i] as Recurrent;
      if (v.inputEmbedding !== this.embOf[i]) v.inputEmbedding = this.embOf[i];
    }
  }

  /** Recompute which gradients are needed from the layers' current trainable flags. */
  refresh(): void {
    const g = this.g;
    const needGrad = g.tensors.map(() => false); // some trainable weight upstream of the tensor
    this.needDx = [];
    this.runsBackward = g.nodes.map((n, i) => {
      this.needDx[i] = n.inputs.map((t) => needGrad[t]); // topological order: the producers are done
      const trainable = n.layer.trainable && n.layer.weightSpecs().length > 0;
      const below = this.needDx[i].some(Boolean);
      for (const t of n.outputs) needGrad[t] = trainable || below;
      return trainable || below;
    });
  }

  /** needDx per node as one string (part of the workspace key). */
  needDxKey(): string {
    return this.needDx.map((d) => d.map((b) => (b ? 1 : 0)).join('')).join('.');
  }

  /** Concrete shapes of every tensor for inputs of these shapes (batch first). */
  private shapesFor(inShapes: number[][]): number[][] {
    const g = this.g;
    const shapes: number[][] = new Array(g.tensors.length);
    g.inputs.forEach((inp, k) => { shapes[inp.tensor] = inShapes[k]; });
    const B = inShapes[0][0];
    g.nodes.forEach((n, i) => {
      const outs = this.views[i].nodeBuild(n.inputs.map((t) => shapes[t]));
      const x0 = shapes[n.inputs[0]];
      n.outputs.forEach((t, j) => { shapes[t] = concrete(outs[j], B, x0, this.labels[i]); });
    });
    return shapes;
  }

  /** Reserves the workspace for inputs of these shapes. */
  layout(inShapes: number[][], training: boolean): (ws: Workspace) => void {
    const g = this.g;
    return (ws) => {
      this.linkEmbeddings();
      const shapes = this.shapesFor(inShapes);
      g.inputs.forEach((inp, k) => { this.inBufs[k] = ws.alloc(prod(shapes[inp.tensor]), g.inputs.length === 1 ? 'input' : `input:${inp.layer.name}`); });
      g.nodes.forEach((n, i) => {
        laidOutBy.set(this.views[i], this);
        ws.owner = this.labels[i];
        this.views[i].nodePlan(ws, n.inputs.map((t) => shapes[t]), training || n.training === true, this.needDx[i]);
      });
      ws.owner = '';
      g.tensors.forEach((t, id) => {
        this.sumBuf[id] = training && this.summed(id) ? ws.alloc(prod(shapes[id]), `dSum:${this.tensorLabel(id)}`) : 0;
      });
      const single = g.outputs.length === 1;
      g.outputs.forEach((t, j) => {
        const on = this.lossOn[j], n = prod(shapes[t]);
        this.tgtBufs[j] = on ? ws.alloc(n, single || j === 0 ? 'targets' : `targets:${g.outputNames[j]}`) : 0;
        this.dPBufs[j] = on && training ? ws.alloc(n, single || j === 0 ? 'dLoss' : `dLoss:${g.outputNames[j]}`) : 0;
      });
    };
  }

  private tensorLabel(id: number): string {
    const t = this.g.tensors[id];
    return t.producer < 0 ? this.g.inputs[t.slot].layer.name : `${this.labels[t.producer]}/${t.slot}`;
  }

  /** Does tensor `id` get its own gradient buffer (see the file comment)? */
  private summed(id: number): boolean {
    const g = this.g, t = g.tensors[id];
    if (t.producer < 0 || !this.runsBackward[t.producer]) return false;
    let sources = 0;
    for (const c of t.consumers) {
      if (!this.needDx[c.node][c.slot]) continue;
      sources++;
      if (g.nodes[c.node].inputs.length > 1) return true;
    }
    g.outputs.forEach((o, j) => { if (o === id && this.lossOn[j]) sources++; });
    return sources > 1;
  }

  /** Run every node; the model inputs must be in inBufs with these shapes. */
  forward(ctx: Ctx, inShapes: number[][]): void {
    const g = this.g, acts = this.acts;
    this.linkEmbeddings();
    for (let k = 0; k < g.inputs.length; k++) {
      acts[g.inputs[k].tensor] = { ptr: this.inBufs[k], shape: inShapes[k], mask: 0 };
    }
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i];
      const xs = this.xsOf[i];
      for (let s = 0; s < n.inputs.length; s++) xs[s] = acts[n.inputs[s]];
      const c = n.training === undefined || n.training === ctx.training ? ctx : { ...ctx, training: n.training };
      const outs = this.views[i].nodeForward(c, xs);
      for (let j = 0; j < n.outputs.length; j++) acts[n.outputs[j]] = outs[j];
      this.nodeOuts[i] = outs[0];
    }
  }

  /**
   * Backward in reverse topological order from the loss gradients in dPBufs. activity[i]: the
   * activity-penalty gradient of node i's output 0, added to its incoming gradient.
   */
  backward(ctx: Ctx, activity: readonly (Float32Array | null | undefined)[], addInto: (f: Float32Array, at: number, g: Float32Array) => void): void {
    const g = this.g, grads = this.grads;
    grads.fill(0);
    g.outputs.forEach((t, j) => { if (this.lossOn[j] && this.dPBufs[j]) this.contribute(ctx, t, this.dPBufs[j]); });
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      if (!this.runsBackward[i]) continue;
      const n = g.nodes[i];
      const dys = this.dysOf[i];
      let any = false;
      for (let j = 0; j < n.outputs.length; j++) { dys[j] = grads[n.outputs[j]]; any ||= dys[j] !== 0; }
      if (!any) continue;
      const a = activity[i];
      if (a && dys[0]) addInto(ctx.be.f32(), dys[0] >>> 2, a);
      const need = this.needDx[i];
      const dxs = this.views[i].nodeBackward(ctx, dys, need);
      for (let s = 0; s < n.inputs.length; s++) if (need[s] && dxs[s]) this.contribute(ctx, n.inputs[s], dxs[s]);
    }
  }

  /** Add gradient `p` (of tensor t's current shape) to tensor t. */
  private contribute(ctx: Ctx, t: number, p: number): void {
    const buf = this.sumBuf[t];
    if (!buf) {
      this.grads[t] = p;
      return;
    }
    const f = ctx.be.f32(), n = prod(this.acts[t].shape), d = buf >>> 2, s = p >>> 2;
    if (this.grads[t] === 0) {
      f.copyWithin(d, s, s + n);
      this.grads[t] = buf;
    } else {
      for (let i = 0; i < n; i++) f[d + i] += f[s + i];
    }
  }
}

/**
 * An output shape at a concrete call: a free batch is the call's batch; a free time axis (the
 * default nodeBuild reports extra outputs at their built, symbolic shape) is the input's.
 */
function concrete(s: Shape, B: number, x0: number[] | undefined, label: string): number[] {
  return s.map((d, i) => {
    if (d !== null) return d;
    if (i === 0) return B;
    if (x0 && i < x0.length) return x0[i];
    throw new Error(`${label}: output shape ${JSON.stringify(s)} has an unknown dimension ${i} for concrete inputs (nodeBuild must return concrete shapes)`);
  });
}
