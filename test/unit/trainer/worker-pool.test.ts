import { describe, expect, it } from 'vitest';
import type { Hyperparameters } from '../../../core/artifacts/index.js';
import { DATA_PARALLEL_KINDS, replicasForConfig, trainingFlopsPerSample } from '../../../gpu-trainer/dp-plan.js';
import type { DataParallelGroup, ReplicaHandle } from '../../../gpu-trainer/group.js';
import { WorkerPool } from '../../../gpu-trainer/worker-pool.js';

/** A worker that only has an identity: the pool's bookkeeping never calls into a replica. */
const worker = (pid: number) => ({ pid, alive: () => true, close: async () => {} }) as unknown as ReplicaHandle;
const pids = (g: DataParallelGroup) => g.replicas.map((r) => r.pid);
const hp = (model: Hyperparameters['model'], hiddenUnits: number): Hyperparameters => ({
  model,
  hiddenUnits,
  windowSize: 32,
  learningRate: 1e-3,
  batchSize: 256,
  epochs: 1,
  seed: 1,
});

describe('the data-parallel rule', () => {
  it('auto puts a config with a large trial on all workers and a small one on one; a number is clamped to the workers', () => {
    const features = 20;
    const small = [hp('gru', 8), hp('dense', 8)];
    const large = [hp('gru', 8), hp('lstm', 128)];
    const min = 3_000_000;
    expect(trainingFlopsPerSample({ kind: 'lstm', windowSize: 32, features, hidden: 128 })).toBeGreaterThan(min);
    // A wide dense layer has many parameters but few FLOPs per sample: not large.
    expect(replicasForConfig([hp('dense', 256)], features, 'auto', min, 4)).toBe(1);
    expect(replicasForConfig(small, features, 'auto', min, 4)).toBe(1);
    expect(replicasForConfig(large, features, 'auto', min, 4)).toBe(4);
    expect(replicasForConfig(small, features, 2, min, 4)).toBe(2);
    expect(replicasForConfig(large, features, 4, min, 2)).toBe(2);
    expect(replicasForConfig(large, features, 1, min, 4)).toBe(1);
  });

  it('counts a recurrent kernel once per window step', () => {
    // LSTM, 2 features, hidden 1, window 3: w [2,4] and r [1,4] run 3 times, wOut [1,1] once.
    expect(trainingFlopsPerSample({ kind: 'lstm', windowSize: 3, features: 2, hidden: 1 })).toBe(6 * (3 * (8 + 4) + 1));
    expect(trainingFlopsPerSample({ kind: 'dense', windowSize: 3, features: 2, hidden: 4 })).toBe(6 * (6 * 4 + 4));
    // Stacked: the second cell's w2 [1,4] and r2 [1,4] run every step too; dense's w2 [4,4] once.
    expect(trainingFlopsPerSample({ kind: 'lstm', windowSize: 3, features: 2, hidden: 1, layers: 2 })).toBe(
      6 * (3 * (8 + 4 + 4 + 4) + 1),
    );
    expect(trainingFlopsPerSample({ kind: 'dense', windowSize: 3, features: 2, hidden: 4, layers: 2 })).toBe(
      6 * (6 * 4 + 16 + 4),
    );
  });

  it('a kind flagged in DATA_PARALLEL_KINDS counts as large at any size', () => {
    const kinds = DATA_PARALLEL_KINDS as Set<string>;
    kinds.add('gru');
    try {
      expect(replicasForConfig([hp('gru', 2)], 5, 'auto', 1e9, 4)).toBe(4);
    } finally {
      kinds.delete('gru');
    }
  });
});

describe('WorkerPool', () => {
  it('mixes a data-parallel group and single workers on one instance, in request order without overtaking', async () => {
    const pool = WorkerPool.of([0, 1, 2, 3].map(worker));
    const dp = await pool.acquire(2);
    const s1 = await pool.acquire(1);
    const s2 = await pool.acquire(1);
    expect([pids(dp), pids(s1), pids(s2)]).toEqual([[0, 1], [2], [3]]);
    expect(pool.idle).toBe(0);

    // A second DP group waits for two free workers; a single request behind it waits too (no overtaking).
    const order: string[] = [];
    const dp2 = pool.acquire(2).then((g) => {
      order.push('dp2');
      return g;
    });
    const s3 = pool.acquire(1).then((g) => {
      order.push('s3');
      return g;
    });
    pool.release(s1);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    pool.release(s2);
    const g2 = await dp2;
    expect(pids(g2)).toEqual([2, 3]);
    pool.release(dp);
    const g3 = await s3;
    expect(order).toEqual(['dp2', 's3']);
    expect(pids(g3)).toEqual([0]);
    expect(pool.idle).toBe(1);
    await expect(pool.acquire(5)).rejects.toThrow(/pool of 4/);
  });
});
