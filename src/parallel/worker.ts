/**
 * Entry point of a data-parallel training worker: holds one replica of the
 * model and answers "gradients of these rows at these weights". It never
 * updates weights itself; the caller sums the gradients and steps once.
 */
import { init, setBackend } from '../backend/index.js';
import { normalizeTopology } from '../io/topology.js';
import { modelFromTopology } from '../models/from-topology.js';
import type { Sequential } from '../models/sequential.js';
import { Tensor } from '../tensor.js';
import { rowIndices } from '../models/data.js';
import { Rng } from '../util/random.js';
import { parentChannel } from './port.js';
import type { LossIdentifier, MetricIdentifier } from '../util/identifiers.js';
import type { FromWorker, InitMsg, StepMsg, ToWorker } from './protocol.js';

let reply: (msg: FromWorker, transfer?: ArrayBuffer[]) => void = () => {};
let replica: Sequential | null = null;
let queue: Promise<void> = Promise.resolve();

// No top-level await: bundlers that emit classic (non-module) workers reject it.
void parentChannel().then((channel) => {
  reply = (msg, transfer) => channel.post(msg, transfer);
  channel.listen((raw) => {
    const msg = raw as ToWorker;
    queue = queue.then(() => handle(msg)).catch((e: unknown) => {
      reply({ type: 'failed', id: msg.type === 'step' ? msg.id : null, message: e instanceof Error ? e.message : String(e) });
    });
  });
});

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'init') return start(msg);
  if (msg.type === 'step') return step(msg);
  throw new Error(`unknown message ${JSON.stringify((msg as { type?: unknown }).type)}`);
}

async function start(msg: InitMsg): Promise<void> {
  if (msg.backend === 'wasm') await init({ variant: msg.variant as 'simd' | 'relaxed-simd' });
  setBackend(msg.backend);
  const m = modelFromTopology(normalizeTopology(msg.topology));
  m.rng = new Rng(msg.seed);
  m.compile({ optimizer: 'sgd', loss: msg.loss as LossIdentifier, metrics: msg.metrics as MetricIdentifier[] });
  if (m.paramFloats() !== msg.nParams) {
    throw new Error(`replica layout has ${m.paramFloats()} floats, the model ${msg.nParams}`);
  }
  replica = m;
  reply({ type: 'ready' });
}

function step(msg: StepMsg): void {
  const m = replica;
  if (!m) throw new Error('step before init');
  const x = new Tensor(msg.x.data, msg.x.shape, msg.x.dtype);
  const y = new Tensor(msg.y.data, msg.y.shape, msg.y.dtype);
  m.writeParams(msg.block);
  const acc = m.metricState();
  const { loss, rows } = m.stepChecked(x, y, rowIndices(x.shape[0]), 0, x.shape[0], false, { metricAcc: acc });
  m.readGrads(msg.block);
  reply({ type: 'done', id: msg.id, loss, rows, acc: Array.from(acc), block: msg.block }, [msg.block.buffer as ArrayBuffer]);
}
