import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import { Ec2SpotLauncher } from '../../../lambdas/training/launchers/index.js';
import { sweepTrainers } from '../../../lambdas/training/sweeper.js';
import type { RunRetrainLocallyOptions } from '../../../local/stepfunctions/index.js';
import { createTrainerLaunchTemplate, uniqueName } from '../../support/aws-fixtures.js';
import { Ec2BackedFakeLauncher } from './support/ec2-fake-trainer.js';
import { FakeTrainerLauncher, type FakeBehaviour } from './support/fake-trainer.js';
import { createRetrainWorld, runRetrain, testConfig, type RetrainWorld } from './support/retrain-world.js';

const ec2 = new EC2Client(awsClientConfig());
let launchTemplateId: string;
let subnetIds: string[];
let world: RetrainWorld | undefined;
let launcher: Ec2BackedFakeLauncher | undefined;

beforeAll(async () => {
  ({ launchTemplateId, subnetIds } = await createTrainerLaunchTemplate());
});

afterEach(async () => {
  await launcher?.fake.settle();
  world = undefined;
  launcher = undefined;
});

/** A world whose trainers are moto EC2 instances, in an environment of its own (the sweep sees only these). */
async function ec2World(
  behaviour: (attempt: number) => FakeBehaviour,
  training: Record<string, unknown> = {},
): Promise<RetrainWorld> {
  const config = testConfig({ envName: uniqueName('e2e'), training });
  world = await createRetrainWorld({
    config,
    launcher: ({ s3, artifactBucket, clock }) => {
      const fake = new FakeTrainerLauncher({
        s3,
        artifactBucket,
        clock,
        heartbeatTimeoutSeconds: config.training.heartbeatTimeoutSeconds,
        behaviour: (req) => behaviour(req.attempt),
        valMse: () => 0.5,
        skill: () => 0.5,
      });
      launcher = new Ec2BackedFakeLauncher(
        new Ec2SpotLauncher({ config, launchTemplateId, subnetIds, securityGroupIds: [], s3 }),
        fake,
      );
      return launcher;
    },
  });
  return world;
}

async function instancesOf(config: SignalForgeConfig, states: string[]): Promise<string[]> {
  const res = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:signalforge:env', Values: [config.envName] },
        { Name: 'instance-state-name', Values: states },
      ],
    }),
  );
  return (res.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId!));
}

const live = (config: SignalForgeConfig) => instancesOf(config, ['pending', 'running']);
const run = (w: RetrainWorld, extra: Partial<RunRetrainLocallyOptions> = {}) =>
  runRetrain(w, 'instance cleanup test', extra);
/** A named execution, so the sweeper can be told how this one ended. */
const executionArnOf = (w: RetrainWorld, label: string) =>
  `arn:aws:states:${w.config.region}:000000000000:execution:signalforge-${w.config.envName}-retrain:${uniqueName(label)}`;
/** The sweeper after a local run: the local runner stands in for Step Functions, which knows how it ended. */
const sweepAfter = (w: RetrainWorld, executionArn: string, status: string) =>
  sweepTrainers({
    config: w.config,
    ec2,
    s3: w.deps.s3,
    artifactBucket: w.deps.artifactBucket,
    executionStatus: async (arn) => (arn === executionArn ? status : 'RUNNING'),
    now: () => new Date(),
  });

describe('no trainer instance outlives its run (real EC2 launcher against moto)', () => {
  it('success: both shards train, and both instances are terminated by StopTrainer', async () => {
    const w = await ec2World(() => 'succeed');
    const result = await run(w);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.path.filter((s) => s === 'StopTrainer')).toHaveLength(2);
    expect(await instancesOf(w.config, ['shutting-down', 'terminated'])).toHaveLength(2);
    expect(await live(w.config)).toEqual([]);
  });

  it('give-up: every attempt interrupted; each relaunch and the final give-up terminate their instance', async () => {
    const w = await ec2World(() => 'interrupt');
    const result = await run(w);
    expect(result.status).toBe('FAILED');
    expect(result.path.filter((s) => s === 'ShardGaveUp')).toHaveLength(2);
    expect(await instancesOf(w.config, ['shutting-down', 'terminated'])).toHaveLength(
      2 * w.config.training.maxAttempts,
    );
    expect(await live(w.config)).toEqual([]);
  });

  it('timeout: a hung trainer on the last attempt is declared dead while its instance still runs, and StopTrainer terminates it', async () => {
    const w = await ec2World(() => 'hang', { maxAttempts: 1 });
    const result = await run(w);
    expect(result.status).toBe('FAILED');
    expect(result.path.filter((s) => s === 'ShardGaveUp')).toHaveLength(2);
    expect(await live(w.config)).toEqual([]);
  });

  it('trainer failure: a failed run record ends the shard and its instance', async () => {
    const w = await ec2World(() => 'fail', { maxAttempts: 1 });
    const result = await run(w);
    expect(result.status).toBe('FAILED');
    expect(await live(w.config)).toEqual([]);
  });

  it('setup failure: CheckTrainer reads the instance bootstrap status, declares the shard dead and its instance is terminated', async () => {
    const w = await ec2World(() => 'setup-fail', { maxAttempts: 1 });
    const result = await run(w);
    expect(result.status).toBe('FAILED');
    // No trainer heartbeat and no clock advance: only the setup's failure report can end these shards
    // (without it they would wait out the 30-minute startup grace).
    expect(result.path.filter((s) => s === 'ShardGaveUp')).toHaveLength(2);
    expect(await live(w.config)).toEqual([]);
  });

  it('a task failure caught in the shard (ShardFailed) still terminates the instance', async () => {
    const w = await ec2World(() => 'hang');
    w.handlers.check = async () => {
      throw Object.assign(new Error('bad payload'), { name: 'ZodError' });
    };
    const result = await run(w);
    expect(result.path.filter((s) => s === 'ShardFailed')).toHaveLength(2);
    expect(result.path.filter((s) => s === 'StopTrainer')).toHaveLength(2);
    expect(await live(w.config)).toEqual([]);
  });

  it('a States.Runtime error in a shard fails the execution uncaught (as in Step Functions); the sweeper stops its trainers', async () => {
    const w = await ec2World(() => 'hang');
    // A status without a state: the TrainerStatus Choice fails with States.Runtime, which no Catch can handle.
    w.handlers.check = async () => ({});
    const executionArn = executionArnOf(w, 'runtime');
    const result = await run(w, { executionArn });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(await live(w.config)).toHaveLength(2);
    const sweep = await sweepAfter(w, executionArn, result.status);
    expect(sweep.terminated).toHaveLength(2);
    expect(await live(w.config)).toEqual([]);
  });

  it('aborted execution: the instances keep running until the sweeper sees the execution is over', async () => {
    const w = await ec2World(() => 'hang');
    const controller = new AbortController();
    const waiting = new Set<number>();
    const executionArn = executionArnOf(w, 'abort');
    const result = await run(w, {
      executionArn,
      pollMs: 10 * 60_000,
      signal: controller.signal,
      onState: (event) => {
        if (event.kind === 'entered' && event.state === 'WaitForTrainer') waiting.add(event.mapIndex ?? -1);
        if (waiting.size === 2 && !controller.signal.aborted) controller.abort();
      },
    });
    expect(result.status).toBe('ABORTED');
    const orphans = await live(w.config);
    expect(orphans).toHaveLength(2);
    const sweep = await sweepAfter(w, executionArn, result.status);
    expect(sweep.terminated.map((t) => t.instanceId).sort()).toEqual(orphans.sort());
    expect(sweep.terminated.every((t) => t.reason === 'its execution is ABORTED')).toBe(true);
    expect(await live(w.config)).toEqual([]);
  });
});
