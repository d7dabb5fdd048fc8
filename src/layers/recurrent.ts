/**
 * LSTM, GRU and SimpleRNN layers: one class, three cells, each a whole-sequence
 * kernel pair (src/backend/types.ts: lstm, gru and rnn Forward/Backward). Keras semantics: gate
 * order, go_backwards output order, masking, stateful, return_state.
 *
 * Porting notes (vs Keras/tfjs):
 * - defaults follow Keras ≥ 2.3 (recurrentActivation 'sigmoid', GRU resetAfter
 *   true); tfjs defaults to hard_sigmoid and has no resetAfter.
 * - `dropout` and `recurrentDropout` draw one mask per sequence in training
 *   (entries 0 or 1/(1−rate), fixed over time): the input mask multiplies x_t,
 *   the recurrent mask multiplies h_{t-1} inside the recurrent products only
 *   (c and the GRU state mix use the unmasked values). That is Keras 2's
 *   implementation 2, one mask shared by all gates; Keras 3 draws one
 *   recurrent mask per gate. Same expectation, different noise.
 */
import { Layer, type Act, type BaseLayerArgs, type Ctx, type Shape, type WeightSpec, type Workspace, initCfg, BASE_LAYER_OPTIONS } from './layer.js';
import { activationCode, kerasActivation, parseActivation, type ActivationName } from '../activations.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { RNN, GEMM, type Backend } from '../backend/types.js';
import { lstmCacheFloats, lstmCacheGatesOffset, lstmWorkFloats, lstmWorkGatesOffset, gruCacheFloats, gruWorkFloats, rnnCacheFloats, rnnWorkFloats } from '../backend/sizes.js';
import type { Embedding } from './embedding.js';
import { addInto, checkInitialStateShapes, readStates, stateShapes, writeStates, type CarriedState, type StateValue } from './recurrent-state.js';
import { describe } from '../names.js';
import type { ActivationIdentifier, InitializerSpec } from '../util/identifiers.js';
import { API_DIALECT, optionDefault } from '../keras/config.js';

export type CellKind = 'lstm' | 'gru' | 'rnn';

export interface RecurrentArgs extends BaseLayerArgs {
  units: number;
  activation?: ActivationIdentifier | null;
  recurrentActivation?: ActivationIdentifier | null;
  useBias?: boolean;
  unitForgetBias?: boolean | null;
  resetAfter?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  implementation?: number | null;
  /** Keras 3: with a mask and returnSequences, output 0 (not the carried h) at masked steps. */
  zeroOutputForMask?: boolean;
}
export const RECURRENT_OPTIONS = [...BASE_LAYER_OPTIONS, 'units', 'activation', 'recurrentActivation', 'useBias',
  'unitForgetBias', 'resetAfter', 'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'dropout',
  'recurrentDropout', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'implementation', 'zeroOutputForMask'] as const;

const CLASS: Record<CellKind, string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' };
const DEFAULT_NAME: Record<CellKind, string> = { lstm: 'lstm', gru: 'gru', rnn: 'simple_rnn' };
const GATES: Record<CellKind, number> = { lstm: 4, gru: 3, rnn: 1 };

/** Keras LSTM bias with unit_forget_bias: [init(H), ones(H), init(2H)]. */
function unitForgetBiasInit(base: Initializer, H: number): Initializer {
  return {
    ...base,
    init(_shape, rng) {
      const out = new Float32Array(4 * H);
      out.set(base.init([H], rng), 0);
      out.fill(1, H, 2 * H);
      out.set(base.init([2 * H], rng), 2 * H);
      return out;
    },
  };
}

export class Recurrent extends Layer {
  readonly kind: CellKind;
  readonly units: number;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly resetAfter: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  goBackwards: boolean;
  readonly stateful: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly zeroOutputForMask: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  private readonly args: RecurrentArgs;

  // workspace buffers
  private Y = 0; private hT = 0; private cT = 0; private cache = 0; private work = 0;
  private dX = 0; private xd = 0; private Yz = 0; private rmask = 0; private rmaskOn = false; private dmask = 0; private h0 = 0; private c0 = 0;
  /**
   * Persistent state (stateful layers and truncated BPTT): regions h, c [batch, H] in the model's
   * plan, and seeds from resetStates(states) waiting for them. One object per layer: the per-node
   * views of a shared layer (Object.create) reach the same one, as does the public resetStates.
   */
  private readonly carried: CarriedState = { owner: this, h: 0, c: 0, batch: 0, be: null, seed: null };
  /** The state sizes last asked of the model's plan ([h] or [h, c] floats), reused while the batch repeats. */
  private stateFloats: number[] = [];
  private x: Act | null = null;
  // node protocol: initial states given at this node (0, or 1/2 = [h(, c)]), their gradient buffers
  private nInit = 0; private dH0 = 0; private dC0 = 0;
  /** The forward started from h0/c0 buffers (carried or given state), not zeros. */
  private fromState = false;
  private out = 0;
  /** The Embedding feeding this layer directly (set by the model), and the per-token gradient sums [V, 4H]. */
  inputEmbedding: Embedding | null = null;
  private tokenSums = 0;
  /** Backward by token this plan (see embeddingBackward). */
  private fusedBackward = false;
  /** Tokens present in the last forward's batch (slots 0 … nTokens−1). */
  private nTokens = 0;
  /** Per-token buffers: position → slot ids [B·T], slot → token ids, E rows / dE rows of the present tokens. */
  private slotIds = 0;
  private tokenIds = 0;
  private tokenRows = 0;
  /** Host-side token → slot map (−1 = absent), reset after each use. */
  private slotOf: Int32Array | null = null;
  private usedState = false;

  constructor(kind: CellKind, args: RecurrentArgs) {
    super(CLASS[kind], DEFAULT_NAME[kind], args);
    this.kind = kind;
    this.args = { ...args };
    const who = this.name;
    if (!Number.isInteger(args.units) || args.units <= 0) throw new Error(`${who}: units must be a positive integer, got ${describe(args.units)}`);
    this.units = args.units;
    // defaults: the JS API's dialect in the one Keras-config module (src/keras/config.ts)
    const dflt = (option: string) => optionDefault(CLASS[kind] as 'LSTM', option, API_DIALECT);
    this.activation = parseActivation(args.activation ?? dflt('activation'), `${who}: activation`, false);
    this.recurrentActivation = parseActivation(kind === 'rnn' ? 'linear' : args.recurrentActivation ?? dflt('recurrent_activation'), `${who}: recurrentActivation`, false);
    this.useBias = args.useBias ?? (dflt('use_bias') as boolean);
    this.unitForgetBias = args.unitForgetBias ?? (kind === 'lstm' ? dflt('unit_forget_bias') as boolean : true);
    this.resetAfter = kind === 'gru' ? args.resetAfter ?? (dflt('reset_after') as boolean) : false;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.stateful = args.stateful ?? false;
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      const v = args[key] ?? 0;
      if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${who}: ${key} must be a number in [0, 1), got ${describe(v)}`);
    }
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', `${who}: kernelInitializer`);
    this.recurrentInitializer = getInitializer(args.recurrentInitializer ?? 'orthogonal', `${who}: recurrentInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', `${who}: biasInitializer`);
    if (this.stateful && this.batchInputShape && this.batchInputShape[0] === null) {
      throw new Error(`${who}: a stateful layer needs a fixed batch size: set batchInputShape [batch, time, features] or batchSize`);
    }
  }

  /** A copy with the same config (Bidirectional's two directions). */
  clone(overrides: Partial<RecurrentArgs>): Recurrent {
    return new Recurrent(this.kind, { ...this.args, name: this.name, ...overrides });
  }

  get gates(): number {
    return GATES[this.kind];
  }

  computeOutputShape(s: Shape): Shape {
    if (s.length !== 3 || s[2] === null) {
      throw new Error(`${this.name}: expected input [batch, time, features], got [${s.map((d) => d ?? 'null')}]`);
    }
    if (this.stateful && s[0] === null) {
      throw new Error(`${this.name}: a stateful layer needs a fixed batch size: set batchInputShape [batch, time, features] or batchSize`);
    }
    return this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
  }

  weightSpecs(): WeightSpec[] {
    const I = this.inputShape![2] as number, H = this.units, G = this.gates;
    const specs: WeightSpec[] = [
      { name: 'kernel', shape: [I, G * H], init: this.kernelInitializer },
      { name: 'recurrent_kernel', shape: [H, G * H], init: this.recurrentInitializer },
    ];
    if (this.useBias) {
      if (this.kind === 'gru' && this.resetAfter) specs.push({ name: 'bias', shape: [2, G * H], init: this.biasInitializer });
      else if (this.kind === 'lstm' && this.unitForgetBias) specs.push({ name: 'bias', shape: [G * H], init: unitForgetBiasInit(this.biasInitializer, H) });
      else specs.push({ name: 'bias', shape: [G * H], init: this.biasInitializer });
    }
    return specs;
  }

  protected kerasConfig() {
    const c: Record<string, unknown> = { units: this.units, activation: kerasActivation(this.activation) };
    if (this.kind !== 'rnn') c.recurrent_activation = kerasActivation(this.recurrentActivation);
    Object.assign(c, {
      use_bias: this.useBias,
      kernel_initializer: initCfg(this.kernelInitializer),
      recurrent_initializer: initCfg(this.recurrentInitializer),
      bias_initializer: initCfg(this.biasInitializer),
    });
    if (this.kind === 'lstm') c.unit_forget_bias = this.unitForgetBias;
    Object.assign(c, {
      kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
      dropout: this.dropout, recurrent_dropout: this.recurrentDropout, implementation: null,
    });
    if (this.kind === 'gru') c.reset_after = this.resetAfter;
    if (this.zeroOutputForMask) c.zero_output_for_mask = true;
    Object.assign(c, {
      return_sequences: this.returnSequences, return_state: this.returnState,
      go_backwards: this.goBackwards, stateful: this.stateful, unroll: false,
    });
    return c;
  }

  private sizes(B: number, T: number, I: number): [number, number] {
    const H = this.units;
    if (this.kind === 'lstm') return [lstmCacheFloats(B, T, I, H), lstmWorkFloats(B, T, I, H)];
    if (this.kind === 'gru') return [gruCacheFloats(B, T, I, H), gruWorkFloats(B, T, I, H)];
    return [rnnCacheFloats(B, T, I, H), rnnWorkFloats(B, T, I, H)];
  }

  plan(ws: Workspace, inShape: number[], training: boolean, needDx: boolean): void {
    this.nodePlan(ws, [inShape], training, [needDx]);
  }

  /** Number of state tensors: LSTM [h, c], GRU and SimpleRNN [h]. */
  get stateCount(): number {
    return this.kind === 'lstm' ? 2 : 1;
  }

  extraOutputShapes(): Shape[] {
    return this.returnState ? stateShapes(this, this.inputShape![0]) : [];
  }

  /** Inputs [x] or [x, h0(, c0)] (initialState); outputs [y] or [y, h(, c)] (returnState). */
  nodeBuild(inputShapes: Shape[]): Shape[] {
    const x = inputShapes[0];
    checkInitialStateShapes(this, inputShapes);
    if (this.built && x.length === 3 && x[2] !== this.inputShape![2]) {
      throw new Error(`${this.name} (${this.className}): built for ${this.inputShape![2]} input features, called on [${x.map((d) => d ?? 'null')}]`);
    }
    if (!this.built) this.build(x);
    return [this.computeOutputShape(x), ...(this.returnState ? stateShapes(this, x[0]) : [])];
  }

  nodePlan(ws: Workspace, inShapes: number[][], training: boolean, needDx: boolean[]): void {
    checkInitialStateShapes(this, inShapes);
    const [B, T, I] = inShapes[0], H = this.units;
    const dxWanted = needDx[0] ?? false;
    const [cacheN, workN] = this.sizes(B, T, I);
    this.Y = ws.alloc(B * T * H, 'Y');
    this.hT = ws.alloc(B * H, 'hT');
    this.cT = this.kind === 'lstm' ? ws.alloc(B * H, 'cT') : 0;
    this.h0 = ws.alloc(B * H, 'h0');
    this.c0 = this.kind === 'lstm' ? ws.alloc(B * H, 'c0') : 0;
    this.cache = ws.alloc(cacheN, 'cache');
    this.work = training ? ws.alloc(workN, 'work') : 0;
    // per-token buffers: for the projection by token (forward) and the backward by token
    const byToken = this.projectsByToken(B * T);
    this.fusedBackward = byToken && training && dxWanted && this.fuses(B * T);
    const maxTokens = byToken ? Math.min(this.inputEmbedding!.inputDim, B * T) : 0;
    this.tokenSums = byToken ? ws.alloc(maxTokens * 4 * H, 'tokenSums') : 0; // E_u·W in the forward, S in the backward
    this.slotIds = byToken ? ws.alloc(B * T, 'slotIds') : 0;
    this.tokenIds = byToken ? ws.alloc(maxTokens, 'tokenIds') : 0;
    this.tokenRows = byToken ? ws.alloc(maxTokens * I, 'tokenRows') : 0;
    this.dX = training && dxWanted && !this.fusedBackward ? ws.alloc(B * T * I, 'dX') : 0;
    const drop = training && this.dropout > 0;
    this.xd = drop ? ws.alloc(B * T * I, 'dropped') : 0;
    this.dmask = drop ? ws.alloc(B * I, 'dropoutMask') : 0;
    this.rmask = training && this.recurrentDropout > 0 ? ws.alloc(B * H, 'recurrentMask') : 0;
    this.Yz = this.zeroOutputForMask && this.returnSequences ? ws.alloc(B * T * H, 'Yzeroed') : 0;
    this.nInit = inShapes.length - 1;
    this.dH0 = training && this.nInit && needDx[1] ? ws.alloc(B * H, 'dh0') : 0;
    this.dC0 = training && this.nInit > 1 && needDx[2] ? ws.alloc(B * H, 'dc0') : 0;
  }

  /** Persistent state regions for `B` sequences, from the model's plan (placed on first use); applies a pending seed. */
  private ensureState(ctx: Ctx, B: number): void {
    const H = this.units, s = this.carried;
    // keyed by the layer itself, not a per-node view, so the regions survive re-plans
    if (this.stateFloats[0] !== B * H) this.stateFloats = this.kind === 'lstm' ? [B * H, B * H] : [B * H];
    const [sh, sc] = ctx.state(s.owner, this.stateFloats);
    s.h = sh;
    s.c = sc ?? 0;
    s.batch = B;
    s.be = ctx.be;
    if (!s.seed) return;
    if (s.seed[0].length !== B * H) {
      throw new Error(`${this.name}: the states given to resetStates hold ${s.seed[0].length / H} sequences, this call has batch size ${B}`);
    }
    writeStates(ctx.be, s);
  }

  releaseState(_be: Backend): void {
    const s = this.carried;
    s.h = s.c = s.batch = 0;
    s.be = null;
  }

  /** Zero the carried state (the model's resetStates; also drops a seed not used yet). */
  clearStates(be: Backend): void {
    const s = this.carried;
    s.seed = null;
    if (!s.h || s.be !== be) return;
    const f = be.f32(), n = s.batch * this.units;
    f.fill(0, s.h >>> 2, (s.h >>> 2) + n);
    if (s.c) f.fill(0, s.c >>> 2, (s.c >>> 2) + n);
  }

  /**
   * Keras `reset_states(states)` / tfjs `resetStates(states)` for a stateful layer: with no
   * argument the state becomes zeros; with states (LSTM [h, c], GRU/SimpleRNN [h], each
   * [batch, units] as a Tensor, nested arrays or a Float32Array of batch·units values) the next
   * call starts from them, e.g. to seed a stateful decoder with an encoder's final state.
   */
  resetStates(states?: StateValue | StateValue[] | null): void {
    const s = this.carried;
    const seed = readStates(this, states);
    if (!seed) {
      s.seed = null;
      if (s.be) this.clearStates(s.be);
      return;
    }
    s.seed = seed;
    if (s.h && s.be && s.batch * this.units === seed[0].length) writeStates(s.be, s);
  }

  /** Current state as host copies ([h] or [h, c], each [B, H]); null before the first stateful call. */
  getStates(be: Backend): Float32Array[] | null {
    const s = this.carried;
    if (!s.h || s.be !== be) return null;
    const f = be.f32(), n = s.batch * this.units;
    const out = [f.slice(s.h >>> 2, (s.h >>> 2) + n)];
    if (s.c) out.push(f.slice(s.c >>> 2, (s.c >>> 2) + n));
    return out;
  }

  forward(ctx: Ctx, x: Act): Act {
    return this.run(ctx, x, 0, 0);
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    if (xs.length !== 1 + this.nInit) {
      throw new Error(`${this.name} (${this.className}): planned for ${1 + this.nInit} inputs, called with ${xs.length}`);
    }
    if (xs.length > 1) checkInitialStateShapes(this, xs.map((a) => a.shape));
    const y = this.run(ctx, xs[0], xs[1]?.ptr ?? 0, xs[2]?.ptr ?? 0);
    return this.returnState ? [y, ...this.extraOutputs()] : [y];
  }

  /** Forward from the given initial state (h0p, c0p; 0 = none: zeros, or the carried state when stateful). */
  private run(ctx: Ctx, x: Act, h0p: number, c0p: number): Act {
    const B = x.shape[0], T = x.shape[1], I = x.shape[2], H = this.units;
    const k = ctx.k, be = ctx.be;
    let input = x.ptr;
    if (ctx.training && this.dropout > 0) input = this.applyInputDropout(ctx, x);
    this.usedState = this.stateful || ctx.carryState;
    if (this.usedState) {
      if (this.stateful && this.inputShape && this.inputShape[0] !== null && B !== this.inputShape[0]) {
        throw new Error(`${this.name}: stateful layer was built for batch size ${this.inputShape[0]}, got ${B}`);
      }
      this.ensureState(ctx, B);
      // a given initial state wins over the carried one (Keras); the final state is carried either way.
      // Inference reads the carried state in place (the kernel reads h0/c0 before it writes hT/cT, and
      // no backward reads them again); training copies it, since it is overwritten before the backward.
      if (!h0p && ctx.grad) {
        const f = be.f32(), s = this.carried;
        f.copyWithin(this.h0 >>> 2, s.h >>> 2, (s.h >>> 2) + B * H);
        if (this.c0) f.copyWithin(this.c0 >>> 2, s.c >>> 2, (s.c >>> 2) + B * H);
      }
    }
    if (h0p) {
      // copied: the kernels read h0/c0 again in the backward, after the producers may have moved on
      const f = be.f32(); // after ensureState: placing the state block may grow memory
      f.copyWithin(this.h0 >>> 2, h0p >>> 2, (h0p >>> 2) + B * H);
      if (this.c0) f.copyWithin(this.c0 >>> 2, c0p >>> 2, (c0p >>> 2) + B * H);
    }
    this.fromState = this.usedState || h0p !== 0;
    const inPlace = this.usedState && !h0p && !ctx.grad;
    const h0 = !this.fromState ? 0 : inPlace ? this.carried.h : this.h0;
    const c0 = !this.fromState ? 0 : inPlace ? this.carried.c : this.c0;
    let flags = (this.goBackwards ? RNN.goBackwards : 0) | (ctx.grad ? RNN.training : 0) | (this.resetAfter ? RNN.resetAfter : 0);
    if (this.tokenSums && input === x.ptr && this.projectByToken(ctx, B, T, I)) flags |= RNN.projected;
    const bias = this.useBias ? this.w(2) : 0;
    const act = activationCode(this.activation), rec = activationCode(this.recurrentActivation);
    this.rmaskOn = ctx.training && this.recurrentDropout > 0;
    if (this.rmaskOn) this.drawMask(ctx, this.rmask, B * H, this.recurrentDropout);
    const rm = this.rmaskOn ? this.rmask : 0;
    if (this.kind === 'lstm') {
      k.lstmForward(this.Y, this.hT, this.cT, input, this.w(0), this.w(1), bias, h0, c0, x.mask, rm, this.cache, B, T, I, H, act, rec, flags);
    } else if (this.kind === 'gru') {
      k.gruForward(this.Y, this.hT, input, this.w(0), this.w(1), bias, h0, x.mask, rm, this.cache, B, T, I, H, act, rec, flags);
    } else {
      k.rnnForward(this.Y, this.hT, input, this.w(0), this.w(1), bias, h0, x.mask, rm, this.cache, B, T, I, H, act, flags);
    }
    if (this.usedState) {
      const f = be.f32(), s = this.carried;
      f.copyWithin(s.h >>> 2, this.hT >>> 2, (this.hT >>> 2) + B * H);
      if (s.c) f.copyWithin(s.c >>> 2, this.cT >>> 2, (this.cT >>> 2) + B * H);
    }
    this.x = { ptr: input, shape: x.shape, mask: x.mask };
    if (!this.returnSequences) return { ptr: this.hT, shape: [B, H], mask: 0 };
    if (this.Yz && x.mask) {
      // Y stays untouched (backward reads it); the layer's output is a copy with masked steps zeroed
      const f = be.f32();
      f.copyWithin(this.Yz >>> 2, this.Y >>> 2, (this.Y >>> 2) + B * T * H);
      this.forEachMasked(be, x.mask, B, T, (row) => f.fill(0, (this.Yz >>> 2) + row * H, (this.Yz >>> 2) + (row + 1) * H));
      this.out = this.Yz;
      return { ptr: this.Yz, shape: [B, T, H], mask: x.mask };
    }
    this.out = this.Y;
    return { ptr: this.Y, shape: [B, T, H], mask: x.mask };
  }

  /** Calls fn(row) for every masked output row (row = b·T + s in processing order). */
  private forEachMasked(be: Backend, mask: number, B: number, T: number, fn: (row: number) => unknown): void {
    const f = be.f32(), m0 = mask >>> 2;
    for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) {
      const t = this.goBackwards ? T - 1 - s : s;
      if (f[m0 + b * T + t] === 0) fn(b * T + s);
    }
  }

  /** n mask entries at ptr: 1/(1-rate) with probability 1-rate, else 0. */
  private drawMask(ctx: Ctx, ptr: number, n: number, rate: number): void {
    const f = ctx.be.f32(), m0 = ptr >>> 2;
    const keep = 1 - rate, s = 1 / keep;
    for (let i = 0; i < n; i++) f[m0 + i] = ctx.rng.next() < keep ? s : 0;
  }

  /** One Bernoulli mask per sequence and feature, shared by all time steps. */
  private applyInputDropout(ctx: Ctx, x: Act): number {
    const [B, T, I] = x.shape;
    this.drawMask(ctx, this.dmask, B * I, this.dropout);
    const f = ctx.be.f32();
    const m0 = this.dmask >>> 2, x0 = x.ptr >>> 2, d0 = this.xd >>> 2;
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      const row = (b * T + t) * I;
      for (let i = 0; i < I; i++) f[d0 + row + i] = f[x0 + row + i] * f[m0 + b * I + i];
    }
    return this.xd;
  }

  extraOutputs(): Act[] {
    if (!this.returnState || !this.x) return [];
    const B = this.x.shape[0], H = this.units;
    const out: Act[] = [{ ptr: this.hT, shape: [B, H], mask: 0 }];
    if (this.kind === 'lstm') out.push({ ptr: this.cT, shape: [B, H], mask: 0 });
    return out;
  }

  /**
   * Embedding → LSTM backward by token instead of by position. x_t = E[id_t], so
   * dW = Σ_t x_tᵀ dz_t = Eᵀ·S and dE[v] += Σ_{t: id_t = v} dz_t·Wᵀ = (S·Wᵀ)[v], with
   * S[v] = Σ_{t: id_t = v} dz_t [V, 4H] (one scatter-add). That replaces two
   * products over the B·T positions by two over the tokens present in the batch
   * (u ≤ V rows of S, numbered by first appearance): worth it when V < B·T
   * (e.g. the Keras sentiment recipe: V 10 000, B·T 25 600; char models: V ≈ 65).
   * Only for a plain LSTM (no input dropout) right after a trainable Embedding.
   */
  private fuses(positions: number): boolean {
    const e = this.inputEmbedding;
    return e !== null && e.trainable && this.kind === 'lstm' && this.dropout === 0
      && e.inputDim * 1.25 < positions && e.inputDim * 4 * this.units <= 16 * 2 ** 20;
  }

  /**
   * LSTM right after an Embedding (no input dropout): x_t·W = (E·W)[id_t], so the
   * forward's input projection can be E_u·W over the u tokens present, gathered to
   * the B·T positions (RNN.projected), instead of a product over all positions.
   * Needs a [min(V, B·T), 4H] buffer: capped like the backward's.
   */
  private projectsByToken(positions: number): boolean {
    const e = this.inputEmbedding;
    return e !== null && this.kind === 'lstm' && this.dropout === 0
      && Math.min(e.inputDim, positions) * 4 * this.units <= 16 * 2 ** 20;
  }

  /** Number the tokens present in the batch by first appearance: slotIds[p], tokenIds[slot]; returns u. */
  private compactTokens(ctx: Ctx, n: number): number {
    const e = this.inputEmbedding!;
    const i32 = ctx.be.i32();
    const ids = e.idsPtr() >>> 2, slots = this.slotIds >>> 2, tokens = this.tokenIds >>> 2;
    const slotOf = (this.slotOf ??= new Int32Array(e.inputDim).fill(-1));
    let u = 0;
    for (let p = 0; p < n; p++) {
      const id = i32[ids + p];
      let s = slotOf[id];
      if (s < 0) { s = slotOf[id] = u++; i32[tokens + s] = id; }
      i32[slots + p] = s;
    }
    for (let s = 0; s < u; s++) slotOf[i32[tokens + s]] = -1;
    return u;
  }

  /**
   * Write x_t·W for every position into the cache's gates block, by token. Worth it
   * when tokens repeat (u ≤ ¾·B·T): E_u·W costs u/(B·T) of the full product and the
   * gather is a copy. Returns whether it did (then the kernel gets RNN.projected).
   */
  private projectByToken(ctx: Ctx, B: number, T: number, I: number): boolean {
    const n = B * T, G = 4 * this.units, k = ctx.k, e = this.inputEmbedding!;
    const u = (this.nTokens = this.compactTokens(ctx, n));
    if (u > 0.75 * n) return false;
    k.embeddingForward(this.tokenRows, this.tokenIds, e.tablePtr(), u, I);
    k.gemm(this.tokenSums, this.tokenRows, this.w(0), u, I, G, I, G, G, 0);
    k.embeddingForward(this.cache + lstmCacheGatesOffset(this.units) * 4, this.slotIds, this.tokenSums, n, G);
    return true;
  }

  private embeddingBackward(ctx: Ctx, B: number, T: number, I: number): void {
    const e = this.inputEmbedding!, k = ctx.k, H = this.units, G = 4 * H, n = B * T;
    const dz = this.work + lstmWorkGatesOffset(B, T, I, H) * 4;
    // Only the u tokens present in the batch (real text: ~3 000 of 10 000 at B·T = 25 600),
    // numbered by the forward: every product below runs over u rows, not V.
    const u = this.nTokens;
    // S[s] = Σ over the positions of token s of dz
    ctx.be.f32().fill(0, this.tokenSums >>> 2, (this.tokenSums >>> 2) + u * G);
    k.embeddingBackward(this.tokenSums, dz, this.slotIds, n, G);
    if (this.trainable) {
      // dW += E_uᵀ·S with E_u the present tokens' rows of E
      k.embeddingForward(this.tokenRows, this.tokenIds, e.tablePtr(), u, I);
      k.gemm(this.g(0), this.tokenRows, this.tokenSums, I, u, G, I, G, G, GEMM.transA | GEMM.accumulate);
    }
    // dE[token s] += (S·Wᵀ)[s]
    k.gemm(this.tokenRows, this.tokenSums, this.w(0), u, G, I, G, G, I, GEMM.transB);
    k.embeddingBackward(e.tableGradPtr(), this.tokenRows, this.tokenIds, u, I);
  }

  backward(ctx: Ctx, dy: number, needDx: boolean): number {
    return this.returnSequences ? this.runBackward(ctx, dy, 0, 0, needDx, 0, 0) : this.runBackward(ctx, 0, dy, 0, needDx, 0, 0);
  }

  /**
   * dys: [dy, dh(, dc)] for the outputs [y, h(, c)] (returnState), any of them 0. Without
   * returnSequences y is the final h, so dy and dh add up (in place, in dy). Returns
   * [dx, dh0(, dc0)] for the inputs [x, h0(, c0)], 0 where !needDx[i].
   */
  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const nOut = 1 + (this.returnState ? this.stateCount : 0);
    if (dys.length !== nOut) throw new Error(`${this.name} (${this.className}): expected ${nOut} output gradients, got ${dys.length}`);
    const [dy, dh = 0, dc = 0] = dys;
    const wantH0 = this.nInit > 0 && (needDx[1] ?? false), wantC0 = this.nInit > 1 && (needDx[2] ?? false);
    if ((wantH0 && !this.dH0) || (wantC0 && !this.dC0)) {
      throw new Error(`${this.name} (${this.className}): gradients w.r.t. the initial state were not planned (nodePlan with training and needDx)`);
    }
    let dY = dy, dhT = dh;
    if (!this.returnSequences) {
      if (dy && dh) addInto(ctx.be.f32(), dy, dh, this.x!.shape[0] * this.units);
      dY = 0;
      dhT = dy || dh;
    }
    const dx = this.runBackward(ctx, dY, dhT, dc, needDx[0] ?? false, wantH0 ? this.dH0 : 0, wantC0 ? this.dC0 : 0);
    const out = [dx];
    if (this.nInit > 0) out.push(wantH0 ? this.dH0 : 0);
    if (this.nInit > 1) out.push(wantC0 ? this.dC0 : 0);
    return out;
  }

  /** BPTT: dY [B,T,H] (processing order), dhT, dcT [B,H] (each 0 = zeros); writes dh0/dc0 when given. */
  private runBackward(ctx: Ctx, dY: number, dhT: number, dcT: number, needDx: boolean, dh0: number, dc0: number): number {
    const x = this.x!;
    const [B, T, I] = x.shape, H = this.units;
    const t = this.trainable;
    const fused = needDx && this.fusedBackward;
    const dW = t && !fused ? this.g(0) : 0, dU = t ? this.g(1) : 0, db = t && this.useBias ? this.g(2) : 0;
    const dX = needDx && !fused ? this.dX : 0;
    if (this.Yz && x.mask && dY) {
      // zeroed outputs are constants: their gradient must not reach the carried state
      const f = ctx.be.f32();
      this.forEachMasked(ctx.be, x.mask, B, T, (row) => f.fill(0, (dY >>> 2) + row * H, (dY >>> 2) + (row + 1) * H));
    }
    const h0 = this.fromState ? this.h0 : 0, c0 = this.fromState ? this.c0 : 0;
    const flags = (this.goBackwards ? RNN.goBackwards : 0) | RNN.training | (this.resetAfter ? RNN.resetAfter : 0);
    const bias = this.useBias ? this.w(2) : 0;
    const act = activationCode(this.activation), rec = activationCode(this.recurrentActivation);
    const { k } = ctx;
    if (this.kind === 'lstm') {
      k.lstmBackward(dX, dW, dU, db, dh0, dc0, dY, dhT, dcT, this.Y, x.ptr, this.w(0), this.w(1), bias, h0, c0, x.mask, this.rmaskOn ? this.rmask : 0,
        this.cache, this.work, B, T, I, H, act, rec, flags);
    } else if (this.kind === 'gru') {
      k.gruBackward(dX, dW, dU, db, dh0, dY, dhT, this.Y, x.ptr, this.w(0), this.w(1), bias, h0, x.mask, this.rmaskOn ? this.rmask : 0,
        this.cache, this.work, B, T, I, H, act, rec, flags);
    } else {
      k.rnnBackward(dX, dW, dU, db, dh0, dY, dhT, this.Y, x.ptr, this.w(0), this.w(1), bias, h0, x.mask, this.rmaskOn ? this.rmask : 0,
        this.cache, this.work, B, T, I, H, act, flags);
    }
    if (fused) {
      this.embeddingBackward(ctx, B, T, I);
      return 0; // the Embedding's gradient is already added
    }
    if (dX && this.dmask) {
      const f = ctx.be.f32(), m0 = this.dmask >>> 2, d0 = dX >>> 2;
      for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) {
        const row = (b * T + s) * I;
        for (let i = 0; i < I; i++) f[d0 + row + i] *= f[m0 + b * I + i];
      }
    }
    return dX;
  }

  /** Pointer to the output sequence [B, T, H] of the last forward (processing order). */
  sequencePtr(): number {
    return this.out;
  }
  finalStatePtr(): number {
    return this.hT;
  }
}
