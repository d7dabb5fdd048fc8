/**
 * One fuzz case: a loader, a valid base input, and mutations; returns the outcome and any
 * invariant violation (check.ts). Loaders covered: io.fromArtifacts, io.loadModel(fromMemory),
 * io.loadModel('file://…') with hostile shard paths, io.fromPyTorchLSTM/GRU on JSON state
 * dicts (flat and nested) and on safetensors bytes.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Model, type Sequential } from '../../src/index.js';

/** What a loader returns: a chain loads as a Sequential, a functional graph as a Model. */
type Loaded = Sequential | Model;
import { joinWeightData } from '../../src/io/artifacts.js';
import { errorKind, errorViolation, fileWeightValues, loadedViolation, prototypeViolation } from './check.js';
import { layersBases, nested, safetensorsBytes, safetensorsParts, torchBases, type LayersBase, type TorchBase } from './corpus.js';
import { jsonText, mutateBytes, mutateJson, type Op } from './mutate.js';
import { mutateGraph } from './graph-mutate.js';
import { functionalBases } from './corpus.js';
import type { ModelArtifacts } from '../../src/io/artifacts.js';

export const KINDS = ['artifacts', 'artifacts', 'artifacts', 'memory', 'file', 'file', 'torch-json', 'torch-json', 'safetensors', 'safetensors',
  'functional', 'functional', 'functional'] as const;
/** `graph`: functional-graph mutations (graph-mutate.ts), used by the 'functional' kind. */
export interface FuzzCase { kind: (typeof KINDS)[number]; base: number; ops: Op[]; bytes: Op[]; extra: number; graph?: Op[] }
export interface Outcome { kind: string; loaded: boolean; errorKind?: string; message?: string; ms: number; violation?: string }

const HANG_MS = 5000;

/** Paths a hostile model.json may name; only the first four are the real shard. */
const SAFE_PATHS = ['w.bin', './w.bin', 'sub/../w.bin', 'link-in.bin'];
const HOSTILE_PATHS = ['../outside.bin', '/dev/zero', '/etc/passwd', '.', '', 'link-out.bin', 'fifo.bin', 'missing.bin', 'a\u0000b', 'sub', 'w.bin/', '../../../../../../dev/zero', 'sub/../../outside.bin'];

export class Fuzzer {
  private layers: LayersBase[] = layersBases();
  private torch: TorchBase[] = torchBases();
  readonly root = mkdtempSync(join(tmpdir(), 'lstm-wasm-fuzz-'));
  private dir = join(this.root, 'model');

  constructor() {
    mkdirSync(join(this.dir, 'sub'), { recursive: true });
    writeFileSync(join(this.dir, 'w.bin'), new Uint8Array(0));
    writeFileSync(join(this.root, 'outside.bin'), new Uint8Array(0));
    symlinkSync(join(this.root, 'outside.bin'), join(this.dir, 'link-out.bin'));
    symlinkSync('w.bin', join(this.dir, 'link-in.bin'));
    if (spawnSync('mkfifo', [join(this.dir, 'fifo.bin')]).status !== 0) throw new Error('fuzz setup: mkfifo failed');
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  async run(c: FuzzCase): Promise<Outcome> {
    const t0 = performance.now();
    let loaded: Loaded | undefined;
    let check: (m: Loaded) => Promise<string | null> = async () => null;
    let thrown: unknown;
    let hung = false;
    try {
      const go = this.start(c, (f) => { check = f; });
      const timer = new Promise<never>((_, rej) => setTimeout(() => { hung = true; rej(new Error('hang')); }, HANG_MS).unref());
      loaded = await Promise.race([go, timer]);
    } catch (e) {
      thrown = e;
    }
    const ms = performance.now() - t0;
    const out: Outcome = { kind: c.kind, loaded: loaded != null, ms };
    if (hung || ms > HANG_MS) out.violation = `took ${Math.round(ms)} ms (over ${HANG_MS} ms)`;
    else if (loaded) {
      try {
        out.violation = (await check(loaded)) ?? undefined;
      } finally {
        loaded.dispose();
      }
    } else {
      out.violation = errorViolation(thrown) ?? undefined;
      out.message = thrown instanceof Error ? thrown.message : String(thrown);
      out.errorKind = errorKind(out.message);
    }
    out.violation ??= prototypeViolation() ?? undefined;
    return out;
  }

  /** Starts the load; `setCheck` receives the invariant for a model that loads. */
  private async start(c: FuzzCase, setCheck: (f: (m: Loaded) => Promise<string | null>) => void): Promise<Loaded> {
    if (c.kind === 'torch-json' || c.kind === 'safetensors') return this.startTorch(c, setCheck);
    if (c.kind === 'functional') return this.startFunctional(c, setCheck);
    const base = this.layers[c.base % this.layers.length];
    const a = base.artifacts;
    const bytes = mutateBytes(new Uint8Array(joinWeightData(a.weightData)), c.bytes);
    const specsOf = (tree: Record<string, unknown>): unknown => tree.weightSpecs;
    const expect = (specs: unknown, data: Uint8Array) => async (m: Loaded) => {
      const values = fileWeightValues(specs, data);
      if (typeof values === 'string') return values;
      const n = Array.isArray(specs) ? specs.filter((s) => (s as { group?: string })?.group !== 'optimizer').length : null;
      return loadedViolation(m, values, n);
    };
    if (c.kind === 'artifacts' || c.kind === 'memory') {
      const tree = mutateJson({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, format: a.format,
        generatedBy: a.generatedBy, convertedBy: a.convertedBy } as Record<string, unknown>, c.ops, true);
      setCheck(expect(specsOf(tree), bytes));
      const input = { ...tree, weightData: bytes.slice().buffer };
      return c.kind === 'artifacts' ? io.fromArtifacts(input as never) : io.loadModel(io.fromMemory(input as never));
    }
    // file:// : model.json text (possibly cut short) + one shard, with hostile paths
    const json: Record<string, any> = mutateJson({ modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy,
      convertedBy: a.convertedBy, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }, c.ops, false);
    if (c.extra % 3 === 0 && Array.isArray(json.weightsManifest?.[0]?.paths)) {
      const all = [...SAFE_PATHS, ...HOSTILE_PATHS];
      json.weightsManifest[0].paths[0] = all[(c.extra >> 2) % all.length];
    }
    let text = jsonText(json);
    if (c.extra % 11 === 5) text = text.slice(0, (c.extra >> 4) % text.length);
    writeFileSync(join(this.dir, 'model.json'), text);
    writeFileSync(join(this.dir, 'w.bin'), bytes);
    writeFileSync(join(this.root, 'outside.bin'), bytes); // same size: a loader that follows it would load
    setCheck(async (m) => {
      const groups = json.weightsManifest as { paths: unknown[]; weights: unknown[] }[];
      const paths = groups.flatMap((g) => g.paths);
      const bad = paths.find((p) => !SAFE_PATHS.includes(p as string));
      if (bad !== undefined) return `loaded through the shard path ${JSON.stringify(bad)}`;
      const data = new Uint8Array(bytes.length * paths.length);
      paths.forEach((_, i) => data.set(bytes, i * bytes.length));
      return expect(groups.flatMap((g) => g.weights), data)(m);
    });
    return io.loadModel(`file://${this.dir}`);
  }

  /**
   * Functional graphs saved by tfjs (test/helpers/functional-graphs.ts): references rewritten by
   * graph-mutate.ts, then (every other case) the generic JSON and byte mutations on top.
   */
  private async startFunctional(c: FuzzCase, setCheck: (f: (m: Loaded) => Promise<string | null>) => void): Promise<Loaded> {
    this.functional ??= functionalBases();
    const bases = await this.functional;
    const a = bases[c.base % bases.length];
    const bytes = mutateBytes(new Uint8Array(joinWeightData(a.weightData)), c.extra % 2 ? c.bytes : []);
    const topology = mutateGraph(a.modelTopology as Record<string, unknown>, c.graph ?? []);
    const tree = mutateJson({ modelTopology: topology, weightSpecs: a.weightSpecs, format: a.format } as Record<string, unknown>,
      c.extra % 2 ? c.ops : [], true);
    setCheck(async (m) => {
      const values = fileWeightValues(tree.weightSpecs, bytes);
      if (typeof values === 'string') return values;
      const n = Array.isArray(tree.weightSpecs) ? tree.weightSpecs.filter((s) => (s as { group?: string })?.group !== 'optimizer').length : null;
      return loadedViolation(m, values, n);
    });
    return io.fromArtifacts({ ...tree, weightData: bytes.slice().buffer } as never);
  }

  private functional?: Promise<ModelArtifacts[]>;

  private async startTorch(c: FuzzCase, setCheck: (f: (m: Loaded) => Promise<string | null>) => void): Promise<Loaded> {
    const base = this.torch[c.base % this.torch.length];
    const load = base.kind === 'lstm' ? io.fromPyTorchLSTM : io.fromPyTorchGRU;
    setCheck((m) => loadedViolation(m, null, null));
    if (c.kind === 'torch-json') {
      const sd = c.extra % 2 === 0 ? base.tensors
        : Object.fromEntries(Object.entries(base.tensors).map(([k, v]) => [k, nested(v.shape, v.data)]));
      return load(mutateJson(sd, c.ops, true) as never, base.opts);
    }
    const parts = safetensorsParts(base);
    const header = mutateJson(parts.header, c.ops, false);
    const data = mutateBytes(parts.data, c.bytes);
    const LENGTHS = [0n, 1n, 7n, 8n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    let bytes = safetensorsBytes(jsonText(header), data, c.extra % 7 === 3 ? LENGTHS[(c.extra >> 3) % LENGTHS.length] : undefined);
    if (c.extra % 13 === 6) bytes = mutateBytes(bytes, [{ op: 'bitflip', r: [c.extra >> 4, c.extra >> 2, c.extra] }], 8); // header bytes too
    return load(bytes, base.opts);
  }
}
