import { S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { ModelRegistry } from '../../../core/registry/index.js';
import type { RunContext, ShardState } from '../../../lambdas/training/contracts.js';
import { costAtEnd } from '../../../lambdas/training/cost/cost-at-end.js';
import { COST_SOURCES } from '../../../lambdas/training/cost/price-run.js';
import { listUsage } from '../../../lambdas/training/cost/usage-ledger.js';
import { depsFromEnv, type TrainingDeps } from '../../../lambdas/training/deps.js';
import { Ec2SpotLauncher } from '../../../lambdas/training/launchers/index.js';
import { launchTrainer, stopTrainer } from '../../../lambdas/training/tasks/trainer.js';
import {
  createBucket,
  createRegistryTable,
  createTrainerLaunchTemplate,
  uniqueName,
} from '../../support/aws-fixtures.js';
import { testConfig } from './support/retrain-world.js';

const config = testConfig({ training: { backend: 'ec2', instanceTypes: ['g5.12xlarge', 'g4dn.12xlarge'] } });
const HOUR_MS = 3_600_000;
/** What moto serves for every type and AZ: one price point, dated 2006, so it holds over any lifetime. */
const MOTO_SPOT_PRICE = 0.00001;

describe('run cost: EC2 spot instances priced from DescribeSpotPriceHistory (moto)', () => {
  let deps: TrainingDeps;
  let clock = new Date();

  beforeAll(async () => {
    const { launchTemplateId, subnetIds } = await createTrainerLaunchTemplate();
    const artifactBucket = await createBucket('artifacts');
    deps = depsFromEnv(
      {},
      {
        config,
        s3: new S3Client(awsClientConfig()),
        lakeBucket: artifactBucket,
        artifactBucket,
        registry: new ModelRegistry({ tableName: await createRegistryTable() }),
        launcher: new Ec2SpotLauncher({
          config,
          launchTemplateId,
          subnetIds,
          securityGroupIds: [],
        }),
        now: () => clock,
      },
    );
  });

  it('records the instance (id, type, AZ, launch, end), prices its lifetime and shares the cost out per config and version', async () => {
    const runId = uniqueName('rt-cost');
    const configs = ['AAPL#1d', 'MSFT#1d'];
    const run = {
      runId,
      trigger: 'manual',
      reason: 'test',
      requestedBy: 'test',
      startedAt: new Date().toISOString(),
      configs,
      manifest: { id: 'm', uri: 's3://x/m.json', objects: 1 },
      bakeSeconds: 0,
      epochs: 1,
    } as RunContext;
    const shard: ShardState = {
      run,
      shard: { shardId: 's000', shardRunId: `${runId}-s000`, configs },
      attempt: 1,
      resume: false,
      instanceTypeIndex: 0,
    };

    const launched = await launchTrainer(deps, shard);
    const handle = launched.trainer!;
    expect(handle.availabilityZone).toMatch(/^[a-z]{2}-[a-z]+-\d[a-z]$/);
    clock = new Date(Date.parse(handle.launchedAt) + 2 * HOUR_MS);
    await stopTrainer(deps, {
      ...launched,
      outcome: { shardId: 's000', shardRunId: `${runId}-s000`, status: 'succeeded', attempts: 1 },
    });

    const [usage] = await listUsage(deps, runId);
    expect(usage).toMatchObject({
      backend: 'ec2',
      id: handle.id,
      instanceType: 'g5.12xlarge',
      availabilityZone: handle.availabilityZone,
      launchedAt: handle.launchedAt,
      terminatedAt: clock.toISOString(),
      interrupted: false,
      configs,
    });

    const registered = [
      await deps.registry.register(
        {
          key: 'AAPL#1d',
          artifactUri: 's3://x/model.onnx',
          metadataUri: 's3://x/metadata.json',
          sha256: 'a'.repeat(64),
          metrics: { valMse: 1 },
          hyperparameters: {},
          datasetManifest: { id: 'm', uri: 's3://x/m.json' },
          codeVersion: 'abc',
          trainingRunId: `${runId}-s000`,
        },
        { who: 'test', why: 'cost test' },
      ),
    ];
    const cost = await costAtEnd(
      deps,
      runId,
      registered.map((v) => ({ key: v.key, version: v.version })),
    );
    if ('error' in cost) throw new Error(cost.error);
    expect(cost.totalUsd).toBeCloseTo(MOTO_SPOT_PRICE * 2, 12);
    expect(cost.perConfigUsd).toEqual({
      'AAPL#1d': expect.closeTo(MOTO_SPOT_PRICE, 12),
      'MSFT#1d': expect.closeTo(MOTO_SPOT_PRICE, 12),
    });
    expect(cost.sources).toEqual([COST_SOURCES.ec2]);
    expect(cost.interruptions).toBe(0);
    const version = await deps.registry.getVersion('AAPL#1d', registered[0]!.version);
    expect(version!.trainingCost).toMatchObject({ runId, sources: [COST_SOURCES.ec2], runTotalUsd: cost.totalUsd });
    expect(version!.trainingCost!.usd).toBeCloseTo(MOTO_SPOT_PRICE, 12);
  });
});
