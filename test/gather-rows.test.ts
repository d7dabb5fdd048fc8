/**
 * gatherRows copies runs of consecutive row indices in one step (the per-call cost of a
 * streaming predict). Checked against a per-row reference written here, for identity,
 * shuffled, partly consecutive and repeated indices (and idx null: rows in order) and every [from, to) window.
 */
import { describe, expect, it } from 'vitest';
import { gatherRows } from '../src/models/data.js';
import { Tensor } from '../src/tensor.js';

/** The plain definition: row idx[r] of t goes to dst at at + (r − from)·row. */
function reference(t: Tensor, idx: number[], from: number, to: number, dst: Float32Array | Int32Array, at: number): void {
  const row = t.size / t.shape[0];
  for (let r = from; r < to; r++) for (let j = 0; j < row; j++) dst[at + (r - from) * row + j] = t.data[idx[r] * row + j];
}

describe('gatherRows', () => {
  const N = 7, row = 3;
  const data = Float32Array.from({ length: N * row }, (_, i) => i + 0.5);
  const t = new Tensor(data, [N, row], 'float32');
  const cases: Record<string, number[]> = {
    identity: [0, 1, 2, 3, 4, 5, 6],
    shuffled: [3, 0, 6, 2, 5, 1, 4],
    'two runs': [4, 5, 6, 0, 1, 2, 3],
    'runs and gaps': [1, 2, 4, 5, 6, 0, 3],
    repeated: [2, 2, 3, 3, 4, 0, 0],
    descending: [6, 5, 4, 3, 2, 1, 0],
  };
  // idx null: rows from..to in order (predict builds no index array); the reference reads the identity
  const windows: [string, number[] | null][] = [...Object.entries(cases), ['idx null', null]];
  for (const [name, idx] of windows) {
    it(`${name}: every window [from, to) lands where the per-row copy puts it`, () => {
      for (let from = 0; from < N; from++) {
        for (let to = from + 1; to <= N; to++) {
          const at = 5;
          const got = new Float32Array(at + N * row + 4).fill(-1), want = got.slice();
          gatherRows(t, idx, from, to, got, at);
          reference(t, idx ?? cases.identity, from, to, want, at);
          expect(Array.from(got), `${name} [${from}, ${to})`).toEqual(Array.from(want));
        }
      }
    });
  }

  it('int32 token rows into an Int32Array view', () => {
    const ids = new Tensor(Int32Array.from({ length: N * row }, (_, i) => 100 + i), [N, row], 'int32');
    const idx = cases['runs and gaps'];
    const got = new Int32Array(N * row), want = new Int32Array(N * row);
    gatherRows(ids, idx, 0, N, got, 0);
    reference(ids, idx, 0, N, want, 0);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
