/**
 * Attention (Keras 3 `Attention`, Luong-style dot-product attention; scoreMode 'concat' is
 * Bahdanau's additive form). Inputs [query [B,Tq,D], value [B,Tv,Dv], key [B,Tv,D] (default: value)].
 *
 *   dot:     R = q·kᵀ                         S = s·R (useScale) or R            [B,Tq,Tv]
 *   concat:  R_ij = Σ_d tanh(s·(q_id + k_jd))  S = c·R   (s = 1 without useScale; c = concat_score_weight)
 *   masks:   S_ij −= 1e9 where value step j is masked, or j > i with useCausalMask (Keras: a fully
 *            masked row becomes uniform rather than NaN)
 *   W = softmax(S) over j;  W' = W ⊙ dropoutMask (training, rate `dropout`, entries 0 or 1/(1−rate))
 *   O = W'·v, then O_i = 0 where query step i is masked;  output mask = the query's mask
 *   returnAttentionScores: a second output W' [B,Tq,Tv] (after masking, softmax and dropout, as Keras).
 *
 * Backward (reverse order): dO ⊙= qmask; dv = W'ᵀ·dO; dW' = dO·vᵀ (+ d scores output); dW = dW' ⊙ dropoutMask;
 * dS = W ⊙ (dW − rowsum(dW ⊙ W)); dot: ds += Σ dS⊙R, dR = s·dS, dq = dR·k, dk = dRᵀ·q;
 * concat: dc += Σ dS⊙R, with u = tanh(s(q_id + k_jd)): dq_id, dk_jd += dS_ij·c·(1−u²)·s, ds += Σ dS_ij·c·(1−u²)(q_id + k_jd).
 * Without a key input, value is also the key: its gradient is dv + dk.
 * Weights (Keras names, scalars): 'scale' (useScale), then 'concat_score_weight' (concat), both initialized to 1.
 */
import type { Act, BaseLayerArgs, Ctx, Shape, WeightSpec, Workspace } from '../layer.js';
import { GEMM } from '../../backend/types.js';
import { API_DIALECT, attentionWeightNames, optionDefault } from '../../keras/config.js';
import { getInitializer } from '../../initializers.js';
import { describe } from '../../names.js';
import { camel } from '../../util/options.js';
import { MultiInputLayer } from './base.js';

export interface AttentionArgs extends BaseLayerArgs {
  /** Learn a scalar that scales the scores (weight 'scale'). Default false. */
  useScale?: boolean;
  /** 'dot' (Luong, default) or 'concat' (Bahdanau: tanh of query + key, summed). */
  scoreMode?: 'dot' | 'concat';
  /** Dropout rate on the attention weights in training. Default 0. */
  dropout?: number;
}

/** Keras 1e9: masked scores are pushed this far down before the softmax. */
const MASKED = 1e9;

export class Attention extends MultiInputLayer {
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropout: number;
  /** Call options of this node (nodeCall). */
  useCausalMask = false;
  returnAttentionScores = false;
  protected readonly minInputs = 2;
  protected readonly maxInputs = 3;
  private R = 0;
  private W = 0;
  private Wd = 0;
  private drop = 0;
  private O = 0;
  private dW = 0;
  private dq = 0;
  private dv = 0;
  private dk = 0;
  private dropped = false;

  constructor(args: AttentionArgs = {}) {
    super('Attention', 'attention', args);
    const useScale = args.useScale ?? optionDefault('Attention', 'use_scale', API_DIALECT);
    if (typeof useScale !== 'boolean') throw new Error(`${this.name}: useScale must be true or false, got ${describe(useScale)}`);
    const mode = args.scoreMode ?? optionDefault('Attention', 'score_mode', API_DIALECT);
    if (mode !== 'dot' && mode !== 'concat') throw new Error(`${this.name}: scoreMode must be 'dot' or 'concat', got ${describe(mode)}`);
    const rate = args.dropout ?? optionDefault('Attention', 'dropout', API_DIALECT);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`${this.name}: dropout must be a number in [0, 1), got ${describe(rate)}`);
    this.useScale = useScale;
    this.scoreMode = mode;
    this.dropout = rate;
  }

  protected kerasConfig() {
    return { use_scale: this.useScale, score_mode: this.scoreMode, dropout: this.dropout };
  }

  weightSpecs(): WeightSpec[] {
    const ones = getInitializer('ones', `${this.name}: weights`);
    return attentionWeightNames({ use_scale: this.useScale, score_mode: this.scoreMode }).map((name) => ({ name, shape: [], init: ones }));
  }

  nodeCall(kwargs: Record<string, unknown>): void {
    for (const [key, v] of Object.entries(kwargs)) {
      const k = camel(key);
      if (k !== 'useCausalMask' && k !== 'returnAttentionScores') {
        throw new Error(`${this.name} (Attention): unknown call option '${key}'; it takes useCausalMask and returnAttentionScores`);
      }
      if (typeof v !== 'boolean') throw new Error(`${this.name} (Attention): call option ${key} must be true or false, got ${describe(v)}`);
      this[k] = v;
    }
  }

  protected outputShapes(s: Shape[]): Shape[] {
    const [q, v] = s, k = s[2] ?? v;
    if (s.some((t) => t.length !== 3)) throw this.shapeError('expected [query [batch, Tq, dim], value [batch, Tv, dim](, key [batch, Tv, dim])], each of rank 3', s);
    const known = (a: number | null, b: number | null) => a === null || b === null || a === b;
    if (!known(q[2], k[2])) throw this.shapeError(`query and key must have the same last dimension (${q[2]} vs ${k[2]})`, s);
    if (!known(k[1], v[1])) throw this.shapeError(`key and value must have the same number of steps (${k[1]} vs ${v[1]})`, s);
    const out: Shape = [q[0], q[1], v[2]];
    return this.returnAttentionScores ? [out, [q[0], q[1], v[1]]] : [out];
  }

  nodePlan(ws: Workspace, inShapes: number[][], training: boolean, needDx: boolean[]): void {
    const [[B, Tq, D], [, Tv, Dv]] = inShapes;
    const scores = B * Tq * Tv;
    this.R = ws.alloc(scores, 'rawScores');
    this.W = ws.alloc(scores, 'weights');
    const drop = training && this.dropout > 0;
    this.Wd = drop ? ws.alloc(scores, 'droppedWeights') : 0;
    this.drop = drop ? ws.alloc(scores, 'dropoutMask') : 0;
    this.O = ws.alloc(B * Tq * Dv, 'Y');
    // backward work (the gradients of every input are computed together: dv needs dk without a key input)
    const grad = needDx.some(Boolean) || (this.trainable && (this.useScale || this.scoreMode === 'concat'));
    this.dW = grad ? ws.alloc(scores, 'dWeights') : 0;
    this.dq = grad ? ws.alloc(B * Tq * D, 'dQuery') : 0;
    this.dk = grad ? ws.alloc(B * Tv * D, 'dKey') : 0;
    this.dv = grad ? ws.alloc(B * Tv * Dv, 'dValue') : 0;
  }

  nodeForward(ctx: Ctx, xs: Act[]): Act[] {
    const shapes = xs.map((x) => x.shape);
    this.outputShapes(shapes);
    const [q, v] = xs, k = xs[2] ?? v;
    const [B, Tq, D] = q.shape, [, Tv, Dv] = v.shape;
    if (v.shape[0] !== B || k.shape[0] !== B) throw this.shapeError('inputs must have the same batch size', shapes);
    this.xs = xs;
    const f = ctx.be.f32(), be = ctx.be;
    const r0 = this.R >>> 2, w0 = this.W >>> 2, n = B * Tq * Tv;
    const s = this.useScale ? f[this.w(0) >>> 2] : 1;
    if (this.scoreMode === 'dot') {
      for (let b = 0; b < B; b++) ctx.k.gemm(this.R + b * Tq * Tv * 4, q.ptr + b * Tq * D * 4, k.ptr + b * Tv * D * 4, Tq, D, Tv, D, D, Tv, GEMM.transB);
      for (let e = 0; e < n; e++) f[w0 + e] = s * f[r0 + e];
    } else {
      const c = f[this.w(this.useScale ? 1 : 0) >>> 2], q0 = q.ptr >>> 2, k0 = k.ptr >>> 2;
      for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
        let sum = 0;
        const qi = q0 + (b * Tq + i) * D, kj = k0 + (b * Tv + j) * D;
        for (let d = 0; d < D; d++) sum += Math.tanh(s * (f[qi + d] + f[kj + d]));
        f[r0 + (b * Tq + i) * Tv + j] = sum;
        f[w0 + (b * Tq + i) * Tv + j] = c * sum;
      }
    }
    const vm = v.mask ? v.mask >>> 2 : -1;
    if (vm >= 0 || this.useCausalMask) {
      for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
        if ((vm >= 0 && f[vm + b * Tv + j] === 0) || (this.useCausalMask && j > i)) f[w0 + (b * Tq + i) * Tv + j] -= MASKED;
      }
    }
    ctx.k.softmax(this.W, this.W, B * Tq, Tv);
    this.dropped = ctx.training && this.dropout > 0;
    let Wused = this.W;
    if (this.dropped) {
      if (!this.Wd) throw new Error(`${this.name} (Attention): internal: planned for inference but run in training`);
      const keep = 1 - this.dropout, sc = 1 / keep, m0 = this.drop >>> 2, d0 = this.Wd >>> 2, fw = be.f32();
      for (let e = 0; e < n; e++) {
        const m = ctx.rng.next() < keep ? sc : 0;
        fw[m0 + e] = m;
        fw[d0 + e] = fw[w0 + e] * m;
      }
      Wused = this.Wd;
    }
    for (let b = 0; b < B; b++) ctx.k.gemm(this.O + b * Tq * Dv * 4, Wused + b * Tq * Tv * 4, v.ptr + b * Tv * Dv * 4, Tq, Tv, Dv, Tv, Dv, Dv, 0);
    const qm = q.mask ? q.mask >>> 2 : -1;
    if (qm >= 0) {
      const fo = be.f32(), o0 = this.O >>> 2;
      for (let r = 0; r < B * Tq; r++) if (fo[qm + r] === 0) fo.fill(0, o0 + r * Dv, o0 + (r + 1) * Dv);
    }
    const out: Act[] = [{ ptr: this.O, shape: [B, Tq, Dv], mask: q.mask }];
    if (this.returnAttentionScores) out.push({ ptr: Wused, shape: [B, Tq, Tv], mask: 0 });
    return out;
  }

  nodeBackward(ctx: Ctx, dys: number[], needDx: boolean[]): number[] {
    const xs = this.xs, [q, v] = xs, keyGiven = xs.length === 3, k = keyGiven ? xs[2] : v;
    if (!this.dW) return xs.map(() => 0); // nothing upstream needs a gradient and no weight learns
    const [B, Tq, D] = q.shape, [, Tv, Dv] = v.shape, n = B * Tq * Tv;
    const be = ctx.be, K = ctx.k, Wused = this.dropped ? this.Wd : this.W;
    let f = be.f32();
    const dO = dys[0], dScores = dys[1] ?? 0;
    const qm = q.mask ? q.mask >>> 2 : -1;
    if (dO && qm >= 0) {
      const d0 = dO >>> 2;
      for (let r = 0; r < B * Tq; r++) if (f[qm + r] === 0) f.fill(0, d0 + r * Dv, d0 + (r + 1) * Dv);
    }
    // dv = W'ᵀ·dO, dW' = dO·vᵀ (+ the gradient reaching the scores output)
    if (dO) {
      for (let b = 0; b < B; b++) {
        const Wb = Wused + b * Tq * Tv * 4, dOb = dO + b * Tq * Dv * 4;
        K.gemm(this.dv + b * Tv * Dv * 4, Wb, dOb, Tv, Tq, Dv, Tv, Dv, Dv, GEMM.transA);
        K.gemm(this.dW + b * Tq * Tv * 4, dOb, v.ptr + b * Tv * Dv * 4, Tq, Dv, Tv, Dv, Dv, Tv, GEMM.transB);
      }
    }
    f = be.f32();
    const g0 = this.dW >>> 2;
    if (!dO) {
      f.fill(0, this.dv >>> 2, (this.dv >>> 2) + B * Tv * Dv);
      f.fill(0, g0, g0 + n);
    }
    if (dScores) for (let e = 0, s0 = dScores >>> 2; e < n; e++) f[g0 + e] += f[s0 + e];
    if (this.dropped) for (let e = 0, m0 = this.drop >>> 2; e < n; e++) f[g0 + e] *= f[m0 + e];
    K.softmaxBackward(this.dW, this.dW, this.W, B * Tq, Tv); // dW now holds dS
    f = be.f32();
    const r0 = this.R >>> 2, t = this.trainable;
    const s = this.useScale ? f[this.w(0) >>> 2] : 1;
    if (this.scoreMode === 'dot') {
      if (this.useScale && t) {
        let gs = 0;
        for (let e = 0; e < n; e++) gs += f[g0 + e] * f[r0 + e];
        f[this.g(0) >>> 2] += gs;
      }
      if (s !== 1) for (let e = 0; e < n; e++) f[g0 + e] *= s;
      for (let b = 0; b < B; b++) {
        const dR = this.dW + b * Tq * Tv * 4;
        K.gemm(this.dq + b * Tq * D * 4, dR, k.ptr + b * Tv * D * 4, Tq, Tv, D, Tv, D, D, 0);
        K.gemm(this.dk + b * Tv * D * 4, dR, q.ptr + b * Tq * D * 4, Tv, Tq, D, Tv, D, D, GEMM.transA);
      }
    } else {
      const ci = this.useScale ? 1 : 0, c = f[this.w(ci) >>> 2];
      const q0 = q.ptr >>> 2, k0 = k.ptr >>> 2, dq0 = this.dq >>> 2, dk0 = this.dk >>> 2;
      f.fill(0, dq0, dq0 + B * Tq * D);
      f.fill(0, dk0, dk0 + B * Tv * D);
      let gc = 0, gs = 0;
      for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
        const e = (b * Tq + i) * Tv + j, dS = f[g0 + e];
        gc += dS * f[r0 + e];
        const qi = q0 + (b * Tq + i) * D, kj = k0 + (b * Tv + j) * D, dqi = dq0 + (b * Tq + i) * D, dkj = dk0 + (b * Tv + j) * D;
        for (let d = 0; d < D; d++) {
          const z = f[qi + d] + f[kj + d], u = Math.tanh(s * z), dp = dS * c * (1 - u * u);
          f[dqi + d] += dp * s;
          f[dkj + d] += dp * s;
          gs += dp * z;
        }
      }
      if (t) {
        f[this.g(ci) >>> 2] += gc;
        if (this.useScale) f[this.g(0) >>> 2] += gs;
      }
    }
    if (!keyGiven) for (let e = 0, v0 = this.dv >>> 2, k0 = this.dk >>> 2; e < B * Tv * Dv; e++) f[v0 + e] += f[k0 + e];
    return [needDx[0] ? this.dq : 0, needDx[1] ? this.dv : 0, ...(keyGiven ? [needDx[2] ? this.dk : 0] : [])];
  }
}

