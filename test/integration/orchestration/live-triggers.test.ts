import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { LiveQualityStore } from '../../../core/registry/index.js';
import { createArtifactReader } from '../../../lambdas/serving/inference/model-input.js';
import { checkDegradation, checkNewData, type LiveTriggerDeps } from '../../../lambdas/serving/live/triggers.js';
import { runOutcomeJoin } from '../../../lambdas/serving/outcomes/join-task.js';
import { startRetrain } from '../../../lambdas/training/start-retrain.js';
import { createStandInStateMachine } from '../../support/aws-fixtures.js';
import { logLiveTraffic } from './support/live-traffic.js';
import { createRetrainWorld, testConfig } from './support/retrain-world.js';
import { seedProduction } from './support/seed-production.js';

const KEYS = ['AAPL#1d', 'MSFT#1d'];

async function setup(overrides: Record<string, unknown> = {}) {
  const world = await createRetrainWorld({ config: testConfig(overrides) });
  for (const key of KEYS) await seedProduction(world, key, 0.3);
  const sfn = new SFNClient(awsClientConfig());
  // Executions of this definition stay RUNNING for ten minutes: the guard must see the first one.
  const stateMachineArn = await createStandInStateMachine({ waitSeconds: 600 });
  const deps: LiveTriggerDeps = {
    config: world.config,
    s3: world.deps.s3,
    lakeBucket: world.deps.lakeBucket,
    registry: world.registry,
    readArtifact: createArtifactReader(world.deps.s3),
    startRetrain: (input) => startRetrain(input, { client: sfn, stateMachineArn }),
  };
  const executions = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
  return { world, deps, executions };
}

describe('live retrain triggers through the retrain entry, with the running-execution guard', () => {
  it('degradation: production realising far worse than its registered out-of-sample MSE starts exactly one execution', async () => {
    const { world, deps, executions } = await setup();
    for (const key of KEYS) {
      await logLiveTraffic({
        s3: deps.s3,
        lakeBucket: deps.lakeBucket,
        config: deps.config,
        key,
        now: world.clock.now,
        streams: [{ version: 1, variant: 'production', noise: 0.2, seed: 7 }],
      });
    }
    await runOutcomeJoin(
      {
        config: deps.config,
        s3: deps.s3,
        lakeBucket: deps.lakeBucket,
        liveQuality: new LiveQualityStore({ tableName: world.registry.tableName }),
      },
      KEYS,
    );
    const first = await checkDegradation(deps, KEYS);
    expect(first.findings.map((f) => f.key)).toEqual(KEYS);
    expect(first.findings[0]!.reason).toMatch(/p=/);
    expect(first.retrain).toMatchObject({ started: true });
    // The next scheduled check finds the same degradation while the retrain still runs: no second execution.
    const second = await checkDegradation(deps, KEYS);
    expect(second.retrain).toMatchObject({
      started: false,
      alreadyRunning: true,
      executionArn: first.retrain!.executionArn,
    });
    const running = await executions();
    expect(running).toHaveLength(1);
  });

  it('degradation does not fire without enough outcomes', async () => {
    const { deps, executions } = await setup();
    expect((await checkDegradation(deps, KEYS)).findings).toEqual([]);
    expect(await executions()).toHaveLength(0);
  });

  it('new-data: enough bars after the production dataset start exactly one execution for those configs', async () => {
    const { deps, executions } = await setup({ live: { newDataBars: 20 } });
    const first = await checkNewData(deps, KEYS);
    expect(first.findings.map((f) => f.reason)).toEqual([
      '40 new bars since its dataset (>= 20)',
      '40 new bars since its dataset (>= 20)',
    ]);
    expect(first.retrain?.started).toBe(true);
    expect((await checkNewData(deps, KEYS)).retrain).toMatchObject({ started: false, alreadyRunning: true });
    const list = await executions();
    expect(list).toHaveLength(1);
  });

  it('new-data stays quiet below the threshold', async () => {
    const { deps, executions } = await setup({ live: { newDataBars: 41 } });
    expect((await checkNewData(deps, KEYS)).findings).toEqual([]);
    expect(await executions()).toHaveLength(0);
  });
});
