import { afterAll, describe, expect, it } from 'vitest';
import { makeFeatureSpec } from '../../../core/features/index.js';
import { buildDataset } from '../../../gpu-trainer/dataset.js';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { DataParallelGroup, shard } from '../../../gpu-trainer/group.js';
import { newAdamState } from '../../../gpu-trainer/model/adam.js';
import { initParams, type ModelKind, type ModelSpec } from '../../../gpu-trainer/model/spec.js';
import { Rng } from '../../../gpu-trainer/rng.js';
import { WorkerPool } from '../../../gpu-trainer/worker-pool.js';
import { KIND_LAYER_CASES, maxAbsDiff } from './helpers.js';

const spec0 = makeFeatureSpec();
const ds = buildDataset(syntheticSeries('AAPL#1h', 500, 3).bars, spec0, {
  windowSize: 12,
  purgeGapBars: 2,
  folds: 3,
  embargoBars: 2,
  innerValidationFraction: 0.15,
  driftWindowBars: 20,
});
const groups: DataParallelGroup[] = [];
afterAll(async () => {
  await Promise.all(groups.map((g) => g.close()));
});

function specOf(kind: ModelKind, layers = 1): ModelSpec {
  return kind === 'transformer'
    ? { kind, windowSize: 12, features: ds.width, hidden: 8, layers: 2, heads: 2 }
    : { kind, windowSize: 12, features: ds.width, hidden: 8, ...(layers > 1 ? { layers } : {}) };
}

async function train(
  group: DataParallelGroup,
  kind: ModelKind,
  steps: number,
  opts: { dropout?: number; layers?: number } = {},
): Promise<Float32Array> {
  const spec = specOf(kind, opts.layers);
  const params = initParams(spec, new Rng(11));
  await group.setData({ features: ds.features, width: ds.width, windowSize: ds.windowSize, targetsStd: ds.targetsStd });
  await group.setModel({
    spec,
    params,
    adam: newAdamState(params.length),
    optimizer: { learningRate: 0.01, clipNorm: 1 },
    ...(opts.dropout ? { dropout: { rate: opts.dropout, seed: 21 } } : {}),
  });
  const rng = new Rng(5);
  const perm = rng.shuffle(Uint32Array.from({ length: ds.final.train[0]!.end }, (_, i) => i));
  for (let s = 0; s < steps; s++) await group.step(perm.subarray(s * 60, (s + 1) * 60));
  return (await group.state()).params;
}

describe('data parallelism', () => {
  it('shards a global batch contiguously, uneven sizes first', () => {
    const parts = shard(Uint32Array.from([1, 2, 3, 4, 5, 6, 7]), 3);
    expect(parts.map((p) => Array.from(p))).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7],
    ]);
  });

  it('N worker processes (2, 3, 4) give the same weights as 1 worker on the same global batch (float rounding)', async () => {
    const one = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
    const many = await Promise.all([2, 3, 4].map((size) => DataParallelGroup.start({ size, backend: 'wasm' })));
    groups.push(one, ...many);
    for (const kind of ['lstm', 'gru', 'dense'] as ModelKind[]) {
      const w1 = await train(one, kind, 5);
      const start = initParams({ kind, windowSize: 12, features: ds.width, hidden: 8 }, new Rng(11));
      expect(maxAbsDiff(w1, start)).toBeGreaterThan(1e-3); // it did train
      for (const g of many) expect(maxAbsDiff(w1, await train(g, kind, 5)), `${kind} on ${g.size}`).toBeLessThan(1e-5);
    }
  });

  it('with input dropout (p 0.3) and stacked layers, 3 workers equal 1 worker: shards draw the same masks', async () => {
    const one = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
    const three = await DataParallelGroup.start({ size: 3, backend: 'wasm' });
    groups.push(one, three);
    for (const [kind, layers] of KIND_LAYER_CASES) {
      const w1 = await train(one, kind, 5, { dropout: 0.3, layers });
      const plain = await train(one, kind, 5, { layers });
      expect(maxAbsDiff(w1, plain), `${kind} L${layers}: dropout changed the fit`).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(w1, await train(three, kind, 5, { dropout: 0.3, layers })), `${kind} L${layers}`).toBeLessThan(
        1e-5,
      );
    }
  });

  it('a pool lends the same workers as groups of different sizes, with the same result as a fresh group', async () => {
    const pool = await WorkerPool.start({ workers: 4, backend: 'wasm' });
    try {
      const single = await pool.acquire(1);
      const pair = await pool.acquire(2);
      expect(pool.idle).toBe(1);
      const [a, b] = await Promise.all([train(single, 'gru', 5), train(pair, 'gru', 5)]);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      pool.release(single);
      pool.release(pair);
      const four = await pool.acquire(4);
      expect(maxAbsDiff(a, await train(four, 'gru', 5))).toBeLessThan(1e-5);
      pool.release(four);
    } finally {
      await pool.close();
    }
  });

  it('the Transformer (tfjs autodiff) on 4 workers equals 1 worker on the same global batch', async () => {
    const one = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
    const four = await DataParallelGroup.start({ size: 4, backend: 'wasm' });
    groups.push(one, four);
    const w1 = await train(one, 'transformer', 5);
    const w4 = await train(four, 'transformer', 5);
    expect(maxAbsDiff(w1, initParams(specOf('transformer'), new Rng(11)))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(w1, w4)).toBeLessThanOrEqual(1e-5);
  });
});
