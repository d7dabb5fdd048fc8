/**
 * Bidirectional wrapper (tfjs-layers wrappers.js): a forward copy of the layer
 * and a backward copy with goBackwards flipped. With returnSequences the
 * backward output is re-reversed to input time order before merging.
 * Weights: the forward layer's, then the backward layer's, named
 * `<bidi>/forward_<inner>/<weight>` and `<bidi>/backward_<inner>/<weight>`.
 *
 * Several outputs, as Keras orders them: `mergeMode: null` gives
 * [forward output, backward output (input time order)]; an inner layer with
 * `returnState` appends the forward layer's states then the backward layer's
 * (LSTM: h, c). The first output is the model's output (the one a Sequential's
 * loss sees); the others are returned by predict. In backward the other
 * outputs' gradients are zero: the loss does not depend on them.
 *
 * In a functional graph (node protocol) the inputs are [x, forward states…,
 * backward states…] (Keras splits initial_state in half) and every output
 * takes a gradient; the states' gradients come back as the inputs' gradients.
 * A per-node view of a shared Bidirectional runs its own views of the two
 * inner layers (`f`, `b`), so two calls never share runtime buffers.
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type ParamStore, type Shape, type WeightSpec, type Workspace, BASE_LAYER_OPTIONS } from './layer.js';
import { Recurrent } from './recurrent.js';
import { own } from '../util/options.js';
import { stateShapes } from './recurrent-state.js';
import type { Backend } from '../backend/types.js';
import { pick } from '../names.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalArgs extends BaseLayerArgs {
  layer: Recurrent;
  /** null: no merge, two outputs [forward, backward]. */
  mergeMode?: MergeMode | null;
}
export const BIDIRECTIONAL_OPTIONS = [...BASE_LAYER_OPTIONS, 'layer', 'mergeMode'] as const;

export class Bidirectional extends Layer {
  readonly fwd: Recurrent;
  readonly bwd: Recurrent;
  readonly mergeMode: MergeMode | null;
  private out = 0; private ybt = 0; private dYf = 0; private dYb = 0; private dX = 0;
  private shape: number[] = [];
  private mask = 0;
  /** The inner layers this object runs: fwd/bwd themselves, or views of them for a per-node view. */
  private f: Recurrent;
  private b: Recurrent;

  constructor(args: BidirectionalArgs) {
    super('Bidirectional', 'bidirectional', { ...args, inputShape: args.inputShape ?? (args.layer?.batchInputShape?.slice(1) as number[] | undefined), batchInputShape: args.batchInputShape });
    // the wrapped layer's regularizers/constraints apply to both directions' weights (Keras)
    if (args.layer?.penalties.activity) throw new Error(`${this.name}: an activityRegularizer on the wrapped layer is not supported inside Bidirectional`);
    this.penalties = args.layer?.penalties ?? this.penalties;
    if (!(args.layer instanceof Recurrent)) {
      throw new Error(`${this.name}: layer must be an lstm, gru or simpleRNN layer, got ${args.layer === undefined ? 'undefined' : (args.layer as Layer)?.className ?? typeof args.layer}`);
    }
    if (args.layer.stateful) throw new Error(`${this.name}: a stateful layer inside Bidirectional is not supported`);
    this.mergeMode = args.mergeMode === null ? null : pick(args.mergeMode ?? 'concat', ['concat', 'sum', 'mul', 'ave'] as const, `${this.name}: mergeMode`);
    const inner = args.layer;
    this.fwd = inner.clone({ name: `forward_${inner.name}` });
    this.bwd = inner.clone({ name: `backward_${inner.name}`, goBackwards: !inner.goBackwards });
    this.f = this.fwd;
    this.b = this.bwd;
  }

  /** More than one output (mergeMode null or returnState): must be the model's last layer. */
  get multiOutput(): boolean {
    return this.mergeMode === null || this.fwd.returnState;
  }

  extraOutputShapes(): Shape[] {
    return this.extraShapes(this.inputShape!);
  }

  private extraShapes(x: Shape): Shape[] {
    const o = this.mergeMode === null ? [this.fwd.computeOutputShape(x)] : [];
    const states = this.fwd.returnState ? stateShapes(this.fwd, x[0]) : [];
    return [...o, ...states, ...states];
  }

  extraOutputs(): Act[] {
    if (!this.shape.length) return [];
    const [B, T] = this.shape, H = this.fwd.units;
    const o: Act[] = this.mergeMode === null
      ? [this.fwd.returnSequences ? { ptr: this.ybt, shape: [B, T, H], mask: this.mask } : { ptr: this.b.finalStatePtr(), shape: [B, H], mask: 0 }]
      : [];
    return [...o, ...this.f.extraOutputs(), ...this.b.extraOutputs()];
  }

  /** Number of initial-state inputs per direction (0, or the inner layer's state count). */
  private halfStates(nInputs: number): number {
    const n = nInputs - 1, k = this.fwd.stateCount;
    if (n !== 0 && n !== 2 * k) {
      const names = k === 2 ? 'h, c' : 'h';
      throw new Error(`${this.name} (Bidirectional): initialState must be the forward layer's states then the backward layer's ([${names}] each: ${2 * k} tensors of shape [batch, ${this.fwd.units}]), got ${n}`);
    }
    return n / 2;
  }

  /** Inputs [x] or [x, forward states…, backward states…]; outputs [y, (backward y), forward states…, backward states…]. */
  nodeBuild(inputShapes: Shape[]): Shape[] {
    const k = this.halfStates(inputShapes.length), x = inputShapes[0];
    this.fwd.nodeBuild([x, ...inputShapes.slice(1, 1 + k)]);
    this.bwd.nodeBuild([x, ...inputShapes.slice(1 + k)]);
    if (!this.built) super.build(x);
    return [this.computeOutputShape(x), ...this.extraShapes(x)];
  }

  get innerName(): string {
    return this.fwd.name.slice('forward_'.length);
  }

  build(inputShape: Shape): void {
    this.fwd.build(inputShape);
    this.bwd.build(inputShape);
    super.build(inputShape);
  }

  computeOutputShape(s: Shape): Shape {
    const o = this.fwd.computeOutputShape(s);
    const H = o[o.length - 1] as number;
    return [...o.slice(0, -1), this.mergeMode === 'concat' ? 2 * H : H];
  }

  weightSpecs(): WeightSpec[] {
    return [
      ...this.fwd.weightSpecs().map((w) => ({ ...w, name: `${this.fwd.name}/${w.name}` })),
      ...this.bwd.weightSpecs().map((w) => ({ ...w, name: `${this.bwd.name}/${w.name}` })),
    ];
  }

  bind(store: ParamStore, offsets: number[]): void {
    this.store = store;
    this.offsets = offsets;
    const n = offsets.length / 2;
    this.fwd.store = store;
    this.fwd.offsets = offsets.slice(0, n);
    this.bwd.store = store;
    this.bwd.offsets = offsets.slice(n);
  }

  toConfig() {
    const inner = this.fwd.toConfig();
    inner.config.name = this.innerName;
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) {
      config.batch_input_shape = this.batchInputShape;
      config.dtype = 'float32';
    }
    config.merge_mode = this.mergeMode;
    config.layer = inner;
    return { class_name: 'Bidirectional', config };
  }
  protected kerasConfig() {
    return {};
  }

  plan(ws: Workspace, inShape: number[], training: boolean, needDx: boolean): void {
    this.nodePlan(ws, [inShape], training, [needDx]);
  }

  nodePlan(ws: Workspace, inShapes: number[][], training: boolean, needDx: boolean[]): void {
    const k = this.halfStates(inShapes.length), x = inShapes[0];
    if (!own(this, 'fwd') && !own(this, 'f')) {
      // a per-node view: its own views of the inner layers (same weights, own buffers)
      this.f = Object.create(this.fwd) as Recurrent;
      this.b = Object.create(this.bwd) as Recurrent;
    }
    const owner = ws.owner; // name the inner layers' regions after them
    ws.owner = `${owner}/${this.fwd.name}`;
    this.f.nodePlan(ws, [x, ...inShapes.slice(1, 1 + k)], training, [needDx[0], ...needDx.slice(1, 1 + k)]);
    ws.owner = `${owner}/${this.bwd.name}`;
    this.b.nodePlan(ws, [x, ...inShapes.slice(1 + k)], training, [needDx[0], ...needDx.slice(1 + k)]);
    ws.owner = owner;
    const [B, T, I] = x, H = this.fwd.units;
    const seq = this.fwd.returnSequences;
    const n = seq ? B * T * H : B * H;
    this.out = this.mergeMode === null ? 0 : ws.alloc(this.mergeMode === 'concat' ? 2 * n : n, 'Y');
    this.ybt = seq ? ws.alloc(n, 'Ybackward') : 0;
    this.dYf = training ? ws.alloc(n, 'dYforward') : 0;
    this.dYb = training ? ws.alloc(n, 'dYbackward') : 0;
    this.dX = training && needDx[0] ? ws.alloc(B * T * I, 'dX') : 0;
  }

  forward(ctx: Ctx, x: Act): Act {
    return this.nodeForward(ctx, [x])[0];
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    const k = this.halfStates(xs.length), x = xs[0];
    const yf = this.f.nodeForward(ctx, [x, ...xs.slice(1, 1 + k)])[0];
    const yb = this.b.nodeForward(ctx, [x, ...xs.slice(1 + k)])[0];
    const f = ctx.be.f32();
    const H = this.fwd.units;
    let ybp = yb.ptr;
    const seq = this.fwd.returnSequences;
    const [B, T] = x.shape;
    if (seq) {
      // re-reverse the backward layer's outputs into input time order
      const s0 = yb.ptr >>> 2, d0 = this.ybt >>> 2;
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        const src = s0 + (b * T + (T - 1 - t)) * H, dst = d0 + (b * T + t) * H;
        f.copyWithin(dst, src, src + H);
      }
      ybp = this.ybt;
    }
    this.shape = x.shape;
    this.mask = x.mask;
    if (this.mergeMode === null) return [yf, ...this.extraOutputs()]; // the backward output is extraOutputs()[0]
    const rows = seq ? B * T : B;
    const a0 = yf.ptr >>> 2, b0 = ybp >>> 2, o0 = this.out >>> 2;
    switch (this.mergeMode) {
      case 'concat':
        for (let r = 0; r < rows; r++) {
          f.copyWithin(o0 + r * 2 * H, a0 + r * H, a0 + r * H + H);
          f.copyWithin(o0 + r * 2 * H + H, b0 + r * H, b0 + r * H + H);
        }
        break;
      case 'sum': for (let i = 0; i < rows * H; i++) f[o0 + i] = f[a0 + i] + f[b0 + i]; break;
      case 'mul': for (let i = 0; i < rows * H; i++) f[o0 + i] = f[a0 + i] * f[b0 + i]; break;
      case 'ave': for (let i = 0; i < rows * H; i++) f[o0 + i] = 0.5 * (f[a0 + i] + f[b0 + i]); break;
    }
    const outH = this.mergeMode === 'concat' ? 2 * H : H;
    const y = seq ? { ptr: this.out, shape: [B, T, outH], mask: x.mask } : { ptr: this.out, shape: [B, outH], mask: 0 };
    return [y, ...this.extraOutputs()];
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    // a Sequential's loss sees the first output only: the others get zero gradients
    const nOut = 1 + (this.mergeMode === null ? 1 : 0) + (this.fwd.returnState ? 2 * this.fwd.stateCount : 0);
    const dys = new Array<number>(nOut).fill(0);
    dys[0] = dy;
    return this.nodeBackward(ctx, dys, [needDx])[0];
  }

  /**
   * dys: [dy, (backward y: mergeMode null), forward states…, backward states…], any 0.
   * Returns [dx, forward initial states…, backward initial states…] (0 where !needDx[i]).
   */
  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const [B, T, I] = this.shape, H = this.fwd.units;
    const seq = this.fwd.returnSequences;
    const rows = seq ? B * T : B;
    const f = ctx.be.f32();
    const dy = dys[0], dBack = this.mergeMode === null ? dys[1] : 0;
    const ns = this.fwd.returnState ? this.fwd.stateCount : 0, s0 = this.mergeMode === null ? 2 : 1;
    const df = this.dYf >>> 2, db = this.dYb >>> 2;
    // each direction's output gradient (0 = none), in input time order first
    let gf = 0, gb = 0;
    if (this.mergeMode === null) {
      gf = dy;
      if (dBack) { f.copyWithin(db, dBack >>> 2, (dBack >>> 2) + rows * H); gb = this.dYb; }
    } else if (dy) {
      const d0 = dy >>> 2;
      const yf = (seq ? this.f.sequencePtr() : this.f.finalStatePtr()) >>> 2;
      const yb = (seq ? this.ybt : this.b.finalStatePtr()) >>> 2;
      for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) {
        const i = r * H + j;
        switch (this.mergeMode) {
          case 'concat': f[df + i] = f[d0 + r * 2 * H + j]; f[db + i] = f[d0 + r * 2 * H + H + j]; break;
          case 'sum': f[df + i] = f[db + i] = f[d0 + i]; break;
          case 'ave': f[df + i] = f[db + i] = 0.5 * f[d0 + i]; break;
          case 'mul': { const g = f[d0 + i]; const a = f[yf + i], b = f[yb + i]; f[df + i] = g * b; f[db + i] = g * a; break; }
        }
      }
      gf = this.dYf;
      gb = this.dYb;
    }
    if (seq && gb) {
      // backward layer's outputs are in processing order: reverse its gradient in place per sequence
      for (let b = 0; b < B; b++) for (let t = 0; t < T >> 1; t++) {
        const p = db + (b * T + t) * H, q = db + (b * T + (T - 1 - t)) * H;
        for (let j = 0; j < H; j++) { const tmp = f[p + j]; f[p + j] = f[q + j]; f[q + j] = tmp; }
      }
    }
    const k = this.halfStates(needDx.length);
    const rf = this.f.nodeBackward(ctx, [gf, ...dys.slice(s0, s0 + ns)], [needDx[0], ...needDx.slice(1, 1 + k)]);
    const rb = this.b.nodeBackward(ctx, [gb, ...dys.slice(s0 + ns, s0 + 2 * ns)], [needDx[0], ...needDx.slice(1 + k)]);
    if (needDx[0]) {
      const g = ctx.be.f32(), o = this.dX >>> 2, a = rf[0] >>> 2, b = rb[0] >>> 2;
      for (let i = 0; i < B * T * I; i++) g[o + i] = g[a + i] + g[b + i];
    }
    return [needDx[0] ? this.dX : 0, ...rf.slice(1), ...rb.slice(1)];
  }

  clearStates(be: Backend): void {
    this.fwd.clearStates(be);
    this.bwd.clearStates(be);
  }
  releaseState(be: Backend): void {
    this.fwd.releaseState(be);
    this.bwd.releaseState(be);
  }
}
