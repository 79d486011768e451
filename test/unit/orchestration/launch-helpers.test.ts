import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config/index.js';
import type { RunContext } from '../../../lambdas/training/contracts.js';
import type { TrainingDeps } from '../../../lambdas/training/deps.js';
import {
  gpuRuntime,
  instanceTypeOrder,
  isCapacityError,
  trainerCliArgs,
  trainingJobName,
} from '../../../lambdas/training/launchers/index.js';
import { summarise } from '../../../lambdas/training/tasks/notify.js';
import { planShards } from '../../../lambdas/training/tasks/plan.js';
import { manifestIdFor, newRunId } from '../../../lambdas/training/tasks/snapshot.js';

const request = {
  runId: 'rt-1-s000',
  configs: ['AAPL#1h', 'MSFT#1d'],
  manifestUri: 's3://a/m.json',
  outUri: 's3://a',
  checkpointUri: 's3://a/runs/rt-1-s000/checkpoints',
  resume: true,
  attempt: 2,
  instanceTypeIndex: 1,
  epochs: 7,
  parentRunId: 'rt-1',
  shardId: 's000',
};

describe('launcher helpers', () => {
  it('orders instance types from the requested index, wrapping around', () => {
    expect(instanceTypeOrder(['a', 'b', 'c'], 1)).toEqual([
      { type: 'b', index: 1 },
      { type: 'c', index: 2 },
      { type: 'a', index: 0 },
    ]);
  });

  it('recognises EC2 and SageMaker capacity and price errors, and nothing else', () => {
    for (const name of [
      'InsufficientInstanceCapacity',
      'SpotMaxPriceTooLow',
      'MaxSpotInstanceCountExceeded',
      'ResourceLimitExceeded',
    ])
      expect(isCapacityError({ name })).toBe(true);
    expect(isCapacityError({ name: 'UnauthorizedOperation' })).toBe(false);
  });

  it('builds the trainer CLI flags of the contract', () => {
    const args = trainerCliArgs(request, defaultConfig, gpuRuntime(defaultConfig));
    expect(args.join(' ')).toBe(
      '--data s3://a/m.json --out s3://a --configs AAPL#1h,MSFT#1d --run-id rt-1-s000 --workers 4 --dp-size auto --backend tensorflow --epochs 7 --checkpoint-every 50 --trials 12 --search-seed 1 --reduction-factor 3 --min-epochs 2 --budget-steps 0 --ensemble-size 3 --spot-watch --resume',
    );
  });

  it("passes the config's data-parallel setting, not a fixed one", () => {
    const config = { ...defaultConfig, training: { ...defaultConfig.training, dataParallel: 2 as const } };
    expect(trainerCliArgs(request, config, gpuRuntime(config)).join(' ')).toContain('--workers 4 --dp-size 2 ');
  });

  it('names SageMaker jobs within 63 characters, per attempt', () => {
    expect(trainingJobName({ ...request, runId: 'x'.repeat(80) })).toHaveLength(63);
    expect(trainingJobName(request)).toBe('rt-1-s000-a2');
  });
});

describe('run planning and ids', () => {
  const run = { runId: 'rt-1', configs: ['A#1h', 'B#1h', 'C#1h', 'D#1h', 'E#1h'] } as RunContext;

  it('shards configs by configsPerShard', () => {
    const deps = {
      config: { ...defaultConfig, training: { ...defaultConfig.training, configsPerShard: 2 } },
    } as TrainingDeps;
    expect(planShards(deps, run)).toEqual({
      shardCount: 3,
      shards: [
        { shardId: 's000', shardRunId: 'rt-1-s000', configs: ['A#1h', 'B#1h'] },
        { shardId: 's001', shardRunId: 'rt-1-s001', configs: ['C#1h', 'D#1h'] },
        { shardId: 's002', shardRunId: 'rt-1-s002', configs: ['E#1h'] },
      ],
    });
  });

  it('makes run ids valid for S3, EC2 tags and SageMaker, and manifest ids from content', () => {
    expect(newRunId(new Date('2026-01-25T02:00:00.123Z'))).toMatch(/^rt-20260125t020000-[0-9a-f]{4}$/);
    const objects = [{ key: 'lake/a', versionId: 'v1', topic: 'market-data' as const, symbol: 'A', size: 10 }];
    expect(manifestIdFor(objects)).toBe(manifestIdFor([...objects]));
    expect(manifestIdFor(objects)).not.toBe(manifestIdFor([{ ...objects[0]!, versionId: 'v2' }]));
  });

  it('summarises outcomes for the notification', () => {
    const finish = {
      promoted: [{ key: 'A#1h', version: 2 }],
      rolledBack: [{ key: 'B#1h', version: 3, errorRate: 0.5 }],
      skipped: [],
    };
    expect(summarise('outcome', { finish }).outcome).toBe('partially-promoted');
    expect(summarise('outcome', {}).outcome).toBe('no-improvement');
    expect(
      summarise('failure', { trigger: 'drift', reason: 'psi', failure: { Error: 'X', Cause: 'y' } }),
    ).toMatchObject({ outcome: 'failed', trigger: 'drift', error: { Error: 'X', Cause: 'y' } });
  });
});
