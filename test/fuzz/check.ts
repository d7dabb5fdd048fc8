/**
 * The fuzz invariant (issue 10), for one loaded model or one thrown value:
 *   - a thrown value is a plain Error (never TypeError/RangeError/stack overflow) whose message
 *     names a file, field or layer and is not an internal message ("… is not a function");
 *   - a loaded model holds exactly the file's weights (every declared byte used, nothing from
 *     elsewhere: compared value by value against the file's bytes read here), and round-trips:
 *     save -> fromArtifacts -> same weights, same topology, bit-identical predictions;
 *   - Object.prototype, Array.prototype and Function.prototype are unchanged.
 * Hangs (over 5 s) are checked by the caller.
 */
import { io, tensor, type Model, type Sequential, type ModelArtifacts } from '../../src/index.js';
import { readModelTopology } from '../../src/io/read-topology.js';

const PROTOS = [Object.prototype, Array.prototype, Function.prototype];
const snapshot = () => PROTOS.map((p) => Object.getOwnPropertyNames(p).sort().join(',')).join('|');
const PROTO_BEFORE = snapshot();

/** A violation message if a prototype changed (and restores nothing: the run is then void). */
export function prototypeViolation(): string | null {
  return snapshot() === PROTO_BEFORE && ({} as Record<string, unknown>).polluted === undefined ? null : 'a built-in prototype was changed';
}

const INTERNAL = /is not a function|Cannot read propert|Cannot set propert|Cannot convert|is not iterable|Maximum call stack|NaN bytes|undefined is not|of undefined|of null|Invalid array length|Invalid typed array length|must be of type|argument must be|EISDIR|ENOENT|EACCES|EINVAL|Unexpected token|\[object Object\]/;

/** null when `e` is an acceptable loader error, else why not. */
export function errorViolation(e: unknown): string | null {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (e.constructor !== Error) return `threw ${e.constructor.name}: ${e.message}`;
  if (INTERNAL.test(e.message) && !/is not valid JSON|header is not valid UTF-8 JSON/.test(e.message)) return `unclear message: ${e.message}`;
  if (!/["'[]|: /.test(e.message)) return `message names no file, field or layer: ${e.message}`;
  return null;
}

/** Error kinds for the run's summary, first match wins. */
const KINDS: [string, RegExp][] = [
  ['path outside folder / absolute', /outside the model folder|is absolute/],
  ['not a regular file (dir/FIFO)', /expected a regular file|names a directory/],
  ['duplicate weight name', /duplicate weight name/],
  ['format field', /field format/],
  ['missing file', /is missing|not found|no such file/],
  ['invalid JSON text', /not valid JSON|not UTF-8/],
  ['nesting / size limits', /nested deeper|at most \d+|more than \d+ JSON values/],
  ['prototype key', /"__proto__" is not allowed/],
  ['field type / value', /: expected |must be /],
  ['unknown field / option', /unknown (field|option)/],
  ['unknown layer / model class', /unknown layer class|model class|not supported/],
  ['weight names (no match / both / missing)', /matches no weight|both match|missing weight|extra weights|missing weights/],
  ['weight shape / dtype', /wrong shape|dtype/],
  ['weight bytes (truncated / too long)', /truncated|too long|shards hold|has \d+ bytes/],
  ['NaN/Inf weights', /NaN|Infinity|finite/],
  ['safetensors layout', /^safetensors:/],
  ['PyTorch state dict', /state dict|fromPyTorch/],
  ['topology structure', /model "|layer "/],
];
export function errorKind(msg: string): string {
  return KINDS.find(([, re]) => re.test(msg))?.[0] ?? 'other';
}

/** Weight values per spec as strings, or a violation when the specs do not cover the bytes exactly. */
function f32Slices(specs: Record<string, any>[], bytes: Uint8Array): string[] | string | null {
  let o = 0;
  const out: string[] = [];
  for (const s of specs) {
    if (s.dtype !== 'float32' || s.quantization != null) return null;
    const n = (s.shape as number[]).reduce((a, b) => a * b, 1);
    if (s.group !== 'optimizer') out.push(Array.from(new Float32Array(bytes.slice(o, o + 4 * n).buffer)).join(','));
    o += 4 * n;
  }
  return o === bytes.length ? out : `loaded although the specs declare ${o} bytes and the data has ${bytes.length} (part of the data)`;
}

/** A seeded input of `dims` (nulls guessed) and dtype; null when too large to check. */
function inputOf(dims0: (number | null)[], dtype: string, vocab: number, lastGuess: number): { x: ReturnType<typeof tensor>; guessed: boolean } | null {
  let guessed = false;
  const dims = dims0.map((d, i) => {
    if (d != null) return d;
    guessed = true;
    if (i === 0) return 2;
    if (i === dims0.length - 1 && dims0.length === 3) return lastGuess;
    return 3;
  });
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > 100_000) return null; // a file may declare 2^31 time steps; the model loads, but no check input of that size
  if (dtype === 'int32') return { x: tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + 1) % vocab), dims, 'int32'), guessed };
  return { x: tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1)), dims), guessed };
}

function inputFor(model: Sequential | Model): { x: ReturnType<typeof tensor> | ReturnType<typeof tensor>[]; guessed: boolean } | null {
  const read = readModelTopology(model.toJSON());
  if (read.kind === 'graph') {
    // One input per InputLayer; an unknown feature size is guessed (the check then tolerates a refusal).
    const xs = read.graph.spec.inputs.map((r) => {
      const l = read.graph.spec.layers.find((x) => x.name === r.layer)!;
      return inputOf(l.config.batch_input_shape as (number | null)[], l.config.dtype as string, 2, 2);
    });
    if (xs.some((x) => x == null)) return null;
    return { x: xs.map((x) => x!.x), guessed: xs.some((x) => x!.guessed) };
  }
  const t = read.topology;
  const first = t.layers[0];
  const vocab = first.className === 'Embedding' ? (first.config.input_dim as number) : 2;
  return inputOf(t.batchInputShape, t.inputDtype, vocab, model.getWeights()[0]?.shape[0] ?? 2);
}

const flat = (y: unknown): Float32Array[] => (Array.isArray(y) ? y : [y]).map((t) => (t as { data: Float32Array }).data);

/** Round trip of a loaded model; `fileWeights`: the file's weight values (one string per weight), when known. */
export async function loadedViolation(model: Sequential | Model, fileWeights: string[] | null, expectedCount: number | null): Promise<string | null> {
  const mine = model.getWeights();
  if (expectedCount != null && mine.length !== expectedCount) return `loaded ${mine.length} weights but the file declares ${expectedCount}`;
  if (fileWeights != null) {
    const a = mine.map((w) => Array.from(w.data).join(',')).sort();
    const b = [...fileWeights].sort();
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) return 'the model\'s weights are not the file\'s weights (part of the data, or data from elsewhere)';
  }
  let saved: ModelArtifacts | undefined;
  try {
    await model.save(io.withSaveHandler((x) => { saved = x; }));
  } catch (e) {
    return `loaded but could not be saved: ${(e as Error).message}`;
  }
  let back: Sequential | Model;
  try {
    back = io.fromArtifacts(saved!);
  } catch (e) {
    return `saved but could not be loaded back: ${(e as Error).message}`;
  }
  try {
    if (JSON.stringify(back.toJSON()) !== JSON.stringify(model.toJSON())) return 'the reloaded topology differs';
    const w2 = back.getWeights();
    if (w2.length !== mine.length || w2.some((w, i) => w.name !== mine[i].name || w.data.join() !== mine[i].data.join())) return 'the reloaded weights differ';
    const input = inputFor(model);
    if (input == null) return null;
    const { x, guessed } = input;
    let y1: Float32Array[];
    try {
      y1 = flat((model as Model).predict(x as never));
    } catch (e) {
      if (guessed) return null; // no input shape in the file: the guess may not fit
      return `loaded but cannot predict: ${(e as Error).message}`;
    }
    const y2 = flat((back as Model).predict(x as never));
    if (y1.length !== y2.length || y1.some((y, i) => y.length !== y2[i].length || y.some((v, j) => !Object.is(v, y2[i][j])))) {
      return 'predictions differ after save -> load';
    }
    return null;
  } finally {
    back.dispose();
  }
}

/**
 * The float32 slices of `bytes` per spec, in spec order, as strings; null if a spec is not
 * plain float32; a string (a violation) if the specs do not cover the bytes exactly.
 */
export function fileWeightValues(specs: unknown, bytes: Uint8Array): string[] | string | null {
  return Array.isArray(specs) ? f32Slices(specs as Record<string, any>[], bytes) : null;
}
