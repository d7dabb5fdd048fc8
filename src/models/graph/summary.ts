/** Keras-style summary of a functional model: one row per layer (inputs first) with a "Connected to" column. */
import type { Layer, Shape } from '../../layers/layer.js';
import type { Graph } from './topology.js';

const fmtShape = (s: Shape) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;

export function graphSummary(name: string, g: Graph, counts: Map<Layer, number>, minLineLength = 98): string {
  const ref = (t: number) => {
    const x = g.tensors[t];
    if (x.producer < 0) return `${g.inputs[x.slot].layer.name}[0][0]`;
    const n = g.nodes[x.producer];
    return `${n.layer.name}[${n.k}][${x.slot}]`;
  };
  const rows: { name: string; shape: string; params: string; conn: string[] }[] = [];
  for (const i of g.inputs) rows.push({ name: `${i.layer.name} (InputLayer)`, shape: fmtShape(g.tensors[i.tensor].shape), params: '0', conn: [] });
  for (const l of g.layers) {
    const nodes = g.nodes.filter((n) => n.layer === l).sort((a, b) => a.k - b.k);
    const outs = nodes[0].outputs.map((t) => fmtShape(g.tensors[t].shape));
    rows.push({
      name: `${l.name} (${l.className})`, shape: outs.length > 1 ? `[${outs.join(', ')}]` : outs[0],
      params: String(counts.get(l) ?? 0), conn: nodes.flatMap((n) => n.inputs.map(ref)),
    });
  }
  const w0 = Math.max(Math.floor(minLineLength * 0.3), ...rows.map((r) => r.name.length + 3));
  const w1 = Math.max(Math.floor(minLineLength * 0.25), ...rows.map((r) => r.shape.length + 2));
  const w2 = 12;
  const lineLength = Math.max(minLineLength, w0 + w1 + w2 + Math.max(12, ...rows.flatMap((r) => r.conn.map((c) => c.length))));
  const row = (a: string, b: string, c: string, d: string) => ` ${a}`.padEnd(w0) + b.padEnd(w1) + c.padEnd(w2) + d;
  const out = [`Model: "${name}"`, '_'.repeat(lineLength), row('Layer (type)', 'Output Shape', 'Param #', 'Connected to'), '='.repeat(lineLength)];
  rows.forEach((r, i) => {
    out.push(row(r.name, r.shape, r.params, r.conn[0] ?? ''));
    for (const c of r.conn.slice(1)) out.push(row('', '', '', c));
    out.push(i === rows.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  let total = 0, trainable = 0;
  for (const l of g.layers) {
    const n = counts.get(l) ?? 0;
    total += n;
    if (l.trainable) trainable += n;
  }
  const num = (n: number) => n.toLocaleString('en-US');
  out.push(`Total params: ${num(total)}`, `Trainable params: ${num(trainable)}`, `Non-trainable params: ${num(total - trainable)}`, '_'.repeat(lineLength));
  return out.join('\n');
}
