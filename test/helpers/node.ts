/**
 * Runs one layer at one graph node by hand, through the node protocol (src/layers/layer.ts):
 * nodeBuild → weights placed in a params/grads block → nodePlan on a Workspace placed in backend
 * memory (measured first, like the model's MemoryPlan) → nodeForward → nodeBackward. Inputs,
 * masks and output gradients are host arrays; everything read back is a copy; all memory is freed.
 */
import type { Backend } from '../../src/backend/types.js';
import { REGION_ALIGN, Workspace, type Act, type Ctx, type Layer } from '../../src/layers/layer.js';
import { Rng } from '../../src/util/random.js';

export interface NodeInput {
  data: Float32Array;
  shape: number[];
  /** f32 [B, T] of 0/1, rank-3 inputs only */
  mask?: Float32Array | null;
}

export interface NodeResult {
  outputs: { data: Float32Array; shape: number[]; mask: Float32Array | null }[];
  /** gradient w.r.t. each input (null where not requested) */
  dxs: (Float32Array | null)[];
  /** weight gradients in weightSpecs() order */
  dw: Float32Array[];
}

export interface NodeRunOptions {
  training?: boolean;
  /** gradient w.r.t. each output (null = nothing downstream); omit to skip the backward pass */
  dys?: (Float32Array | null)[];
  needDx?: boolean[];
  /** weight values in weightSpecs() order (default: the layer's initializers) */
  weights?: Float32Array[];
  /** call options (nodeCall), applied before nodeBuild */
  kwargs?: Record<string, unknown>;
  seed?: number;
}

export function runNode(be: Backend, layer: Layer, inputs: NodeInput[], o: NodeRunOptions = {}): NodeResult {
  const training = o.training ?? false;
  if (o.kwargs) layer.nodeCall(o.kwargs);
  layer.nodeBuild(inputs.map((x) => x.shape));
  const specs = layer.weightSpecs();
  const sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const owned: number[] = [];
  const alloc = (floats: number) => { const p = be.alloc(Math.max(1, floats) * 4); owned.push(p); return p; };
  try {
    const params = alloc(total), grads = alloc(total);
    const offsets: number[] = [];
    let off = 0;
    const rng = new Rng(o.seed ?? 1);
    specs.forEach((s, i) => {
      offsets.push(off);
      const v = o.weights?.[i] ?? s.init.init(s.shape, rng);
      be.f32().set(v, (params >>> 2) + off);
      off += sizes[i];
    });
    layer.bind({ params, grads }, offsets);
    const needDx = o.needDx ?? inputs.map(() => !!o.dys);
    const shapes = inputs.map((x) => x.shape);
    const probe = new Workspace(be, shapes[0][0], REGION_ALIGN);
    layer.nodePlan(probe, shapes, training, needDx);
    const base = alloc(probe.bytes / 4);
    layer.nodePlan(new Workspace(be, shapes[0][0], base), shapes, training, needDx);
    const xs: Act[] = inputs.map((x) => {
      const ptr = alloc(x.data.length);
      be.f32().set(x.data, ptr >>> 2);
      let mask = 0;
      if (x.mask) { mask = alloc(x.mask.length); be.f32().set(x.mask, mask >>> 2); }
      return { ptr, shape: x.shape, mask };
    });
    const ctx: Ctx = {
      be, k: be.k, training, grad: !!o.dys, rng: new Rng(o.seed ?? 7), carryState: false,
      state: () => { throw new Error('no state regions in the node harness'); },
    };
    const outs = layer.nodeForward(ctx, xs);
    const read = (p: number, n: number) => be.f32().slice(p >>> 2, (p >>> 2) + n);
    const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const outputs = outs.map((a) => ({
      data: read(a.ptr, count(a.shape)), shape: a.shape.slice(),
      mask: a.mask ? read(a.mask, a.shape[0] * a.shape[1]) : null,
    }));
    let dxs: (Float32Array | null)[] = inputs.map(() => null);
    let dw: Float32Array[] = [];
    if (o.dys) {
      const dys = o.dys.map((d) => {
        if (!d) return 0;
        const p = alloc(d.length);
        be.f32().set(d, p >>> 2);
        return p;
      });
      const got = layer.nodeBackward(ctx, dys, needDx);
      dxs = got.map((p, i) => (p && needDx[i] ? read(p, inputs[i].data.length) : null));
      dw = specs.map((_, i) => read(grads + offsets[i] * 4, sizes[i]));
    }
    return { outputs, dxs, dw };
  } finally {
    for (const p of owned) be.free(p);
  }
}
