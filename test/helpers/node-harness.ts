/**
 * Runs layers through the node protocol (layer.ts: nodeBuild / nodePlan / nodeForward /
 * nodeBackward) without a model: one MemoryPlan holds the layer's weights (params, then grads
 * in the same layout), a workspace with every node's input, mask and output-gradient buffers
 * plus what nodePlan reserves, and the layer's persistent state regions. Each node runs on
 * its own view `Object.create(layer)`, as the functional engine runs a shared layer.
 */
import type { Backend } from '../../src/backend/types.js';
import type { Act, Ctx, Layer } from '../../src/layers/layer.js';
import { MemoryPlan } from '../../src/models/memory-plan.js';
import { Rng } from '../../src/util/random.js';

export interface NodeOptions {
  /** Reserve training buffers (caches, work, gradients). Default true. */
  training?: boolean;
  /** Per input: whether its gradient is wanted. Default all true. */
  needDx?: boolean[];
  /** Give x a [B, T] step mask buffer. */
  mask?: boolean;
}

interface Node {
  view: Layer;
  inShapes: number[][];
  outShapes: number[][];
  training: boolean;
  needDx: boolean[];
  inPtrs: number[];
  maskPtr: number;
  dyPtrs: number[];
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

export class NodeHarness {
  readonly plan: MemoryPlan;
  private readonly nodes: Node[] = [];
  private readonly sizes: number[];
  private readonly total: number;
  private readonly store = { params: 0, grads: 0 };
  private readonly stateSizes = new Map<Layer, number[]>();
  private placed = false;

  /** Builds the layer for `inShapes` of its first node (see addNode) and places its weights. */
  constructor(readonly be: Backend, readonly layer: Layer, firstInShapes: number[][]) {
    this.plan = new MemoryPlan(be, this);
    layer.nodeBuild(firstInShapes);
    this.sizes = layer.weightSpecs().map((w) => prod(w.shape));
    this.total = this.sizes.reduce((a, b) => a + b, 0);
    this.plan.place('weights', { call: 'harness', shape: [] }, (ws) => {
      this.store.params = ws.alloc(this.total, 'params');
      this.store.grads = ws.alloc(this.total, 'grads');
    });
    const offsets: number[] = [];
    let o = 0;
    for (const n of this.sizes) { offsets.push(o); o += n; }
    layer.bind(this.store, offsets);
  }

  /** A call of the layer on inputs of these shapes; returns its index. Call place() after the last one. */
  addNode(inShapes: number[][], opts: NodeOptions = {}): number {
    const outShapes = this.layer.nodeBuild(inShapes) as number[][];
    this.nodes.push({
      view: Object.create(this.layer) as Layer, inShapes, outShapes, training: opts.training ?? true,
      needDx: opts.needDx ?? inShapes.map(() => true), inPtrs: [], maskPtr: opts.mask ? -1 : 0, dyPtrs: [],
    });
    this.placed = false;
    return this.nodes.length - 1;
  }

  /** The workspace for every node (what a model's plan does once per call shape). */
  place(): void {
    this.plan.place('workspace', { call: 'harness', shape: [] }, (ws) => {
      for (const n of this.nodes) {
        n.inPtrs = n.inShapes.map((s, i) => ws.alloc(prod(s), `in${i}`));
        if (n.maskPtr) n.maskPtr = ws.alloc(n.inShapes[0][0] * n.inShapes[0][1], 'mask');
        n.dyPtrs = n.outShapes.map((s, i) => ws.alloc(prod(s), `dy${i}`));
        ws.owner = this.layer.name;
        n.view.nodePlan(ws, n.inShapes, n.training, n.needDx);
        ws.owner = '';
      }
    });
    this.placed = true;
  }

  /** The layer's weights in weightSpecs() order. */
  setWeights(ws: ArrayLike<number>[]): void {
    const f = this.be.f32();
    let o = this.store.params >>> 2;
    ws.forEach((w, i) => {
      if (w.length !== this.sizes[i]) throw new Error(`weight ${i}: ${w.length} values, expected ${this.sizes[i]}`);
      f.set(w, o);
      o += w.length;
    });
  }

  /** Random weights in [-r, r) (seeded); returns them. */
  randomWeights(seed: number, r = 0.6): Float32Array[] {
    const rng = new Rng(seed);
    const ws = this.sizes.map((n) => Float32Array.from({ length: n }, () => rng.uniform(-r, r)));
    this.setWeights(ws);
    return ws;
  }

  zeroGrads(): void {
    this.be.f32().fill(0, this.store.grads >>> 2, (this.store.grads >>> 2) + this.total);
  }

  /** Weight gradients in weightSpecs() order (host copies). */
  grads(): Float32Array[] {
    const f = this.be.f32();
    let o = this.store.grads >>> 2;
    return this.sizes.map((n) => { const g = f.slice(o, o + n); o += n; return g; });
  }

  ctx(grad: boolean, opts: { training?: boolean; carryState?: boolean } = {}): Ctx {
    return {
      be: this.be, k: this.be.k, training: opts.training ?? false, grad, rng: new Rng(1), carryState: opts.carryState ?? false,
      state: (l, floats) => {
        const had = this.stateSizes.get(l);
        const name = `state:${l.name}`;
        if (!had || had.join() !== floats.join()) {
          this.plan.place(name, { call: 'harness', shape: [] }, (ws) => floats.forEach((n, i) => ws.alloc(n, `s${i}`)));
          this.stateSizes.set(l, floats.slice());
        }
        return this.plan.pointers(name);
      },
    };
  }

  /** Forward at node `i` with host inputs (x, then states); returns host copies of every output. */
  forward(i: number, xs: ArrayLike<number>[], opts: { mask?: ArrayLike<number>; grad?: boolean; carryState?: boolean } = {}): { outs: Float32Array[]; acts: Act[] } {
    if (!this.placed) this.place();
    const n = this.nodes[i];
    if (xs.length !== n.inShapes.length) throw new Error(`node ${i}: ${xs.length} inputs given, planned ${n.inShapes.length}`);
    let f = this.be.f32();
    xs.forEach((x, j) => f.set(x, n.inPtrs[j] >>> 2));
    if (opts.mask) {
      if (!n.maskPtr) throw new Error(`node ${i} was planned without a mask`);
      f.set(opts.mask, n.maskPtr >>> 2);
    }
    const acts: Act[] = n.inShapes.map((s, j) => ({ ptr: n.inPtrs[j], shape: s.slice(), mask: j === 0 && opts.mask ? n.maskPtr : 0 }));
    const outs = n.view.nodeForward(this.ctx(opts.grad ?? n.training, { carryState: opts.carryState }), acts);
    f = this.be.f32();
    return { acts: outs, outs: outs.map((a) => f.slice(a.ptr >>> 2, (a.ptr >>> 2) + prod(a.shape))) };
  }

  /** Backward at node `i`: dys per output (null = no gradient, passed as pointer 0); returns host copies per input (null where 0). */
  backward(i: number, dys: (ArrayLike<number> | null)[], needDx?: boolean[]): (Float32Array | null)[] {
    const n = this.nodes[i];
    const f = this.be.f32();
    const ptrs = dys.map((d, j) => {
      if (!d) return 0;
      f.set(d, n.dyPtrs[j] >>> 2);
      return n.dyPtrs[j];
    });
    const dxs = n.view.nodeBackward(this.ctx(true), ptrs, needDx ?? n.needDx);
    const g = this.be.f32();
    return dxs.map((p, j) => (p ? g.slice(p >>> 2, (p >>> 2) + prod(n.inShapes[j])) : null));
  }

  dispose(): void {
    this.layer.releaseState(this.be);
    this.plan.dispose();
  }
}
