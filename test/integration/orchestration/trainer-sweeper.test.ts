import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore, runRecordKey, type RunRecord } from '../../../core/artifacts/index.js';
import { awsClientConfig } from '../../../core/aws/clients.js';
import {
  Ec2SpotLauncher,
  maxInstanceLifetimeMinutes,
  type TrainerLaunchRequest,
} from '../../../lambdas/training/launchers/index.js';
import { sfnExecutionStatus } from '../../../lambdas/training/sweep-trainers.handler.js';
import { sweepTrainers, type SweepDeps } from '../../../lambdas/training/sweeper.js';
import {
  createBucket,
  createStandInStateMachine,
  createTrainerLaunchTemplate,
  uniqueName,
} from '../../support/aws-fixtures.js';
import { testConfig } from './support/retrain-world.js';

// Its own environment name, so the sweep only ever sees this file's instances in the shared moto.
const config = testConfig({ envName: uniqueName('sweep') });
const ec2 = new EC2Client(awsClientConfig());
const s3 = new S3Client(awsClientConfig());
const sfn = new SFNClient(awsClientConfig());
let bucket: string;
let launcher: Ec2SpotLauncher;
let stateMachineArn: string;

async function execution(): Promise<string> {
  return (await sfn.send(new StartExecutionCommand({ stateMachineArn, name: uniqueName('run'), input: '{}' })))
    .executionArn!;
}

async function launch(runId: string, attempt: number, executionArn?: string): Promise<string> {
  const request: TrainerLaunchRequest = {
    runId,
    configs: ['AAPL#1d'],
    manifestUri: `s3://${bucket}/m.json`,
    outUri: `s3://${bucket}`,
    checkpointUri: `s3://${bucket}/runs/${runId}/checkpoints`,
    resume: attempt > 1,
    attempt,
    instanceTypeIndex: 0,
    epochs: 1,
    parentRunId: 'rt-sweep',
    shardId: 's000',
    ...(executionArn ? { executionArn } : {}),
  };
  return (await launcher.launch(request)).id;
}

async function writeRecord(runId: string, attempt: number, status: RunRecord['status']): Promise<void> {
  const record: RunRecord = {
    runId,
    status,
    heartbeatAt: new Date().toISOString(),
    attempt,
    configsTotal: 1,
    configsDone: 1,
    checkpointUri: '',
    startedAt: new Date().toISOString(),
    results: [],
    skipped: [],
  };
  await openStore(`s3://${bucket}`, s3).write(runRecordKey(runId), JSON.stringify(record));
}

async function state(id: string): Promise<string | undefined> {
  return (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State
    ?.Name;
}

const deps = (now = new Date()): SweepDeps => ({
  config,
  ec2,
  s3,
  artifactBucket: bucket,
  executionStatus: sfnExecutionStatus(sfn),
  now: () => now,
});

beforeAll(async () => {
  bucket = await createBucket('artifacts');
  const { launchTemplateId, subnetIds } = await createTrainerLaunchTemplate();
  launcher = new Ec2SpotLauncher({
    config,
    launchTemplateId,
    subnetIds,
    securityGroupIds: [],
    s3,
  });
  stateMachineArn = await createStandInStateMachine({ waitSeconds: 3600 });
});

describe('trainer sweeper against moto (EC2, S3, Step Functions)', () => {
  it('terminates trainers of aborted or missing executions and of finished attempts, and keeps those whose run goes on', async () => {
    const running = await execution();
    const aborted = await execution();
    await sfn.send(new StopExecutionCommand({ executionArn: aborted, cause: 'operator abort' }));

    const live = await launch(uniqueName('rt-live'), 1, running);
    const ofAborted = await launch(uniqueName('rt-aborted'), 1, aborted);
    const ofMissing = await launch(uniqueName('rt-missing'), 1, running.replace(/:[^:]+$/, ':never-started'));
    const doneRun = uniqueName('rt-done');
    const done = await launch(doneRun, 1, running);
    await writeRecord(doneRun, 1, 'succeeded');
    // Attempt 2 is setting up while attempt 1's record still says failed: not over.
    const retriedRun = uniqueName('rt-retry');
    const relaunched = await launch(retriedRun, 2, running);
    await writeRecord(retriedRun, 1, 'failed');

    const result = await sweepTrainers(deps());
    expect(result.examined.sort()).toEqual([live, ofAborted, ofMissing, done, relaunched].sort());
    expect(Object.fromEntries(result.terminated.map((t) => [t.instanceId, t.reason]))).toEqual({
      [ofAborted]: 'its execution is ABORTED',
      [ofMissing]: 'its execution is gone',
      [done]: 'its run record says succeeded',
    });
    for (const id of [ofAborted, ofMissing, done]) expect(['shutting-down', 'terminated']).toContain(await state(id));
    for (const id of [live, relaunched]) expect(await state(id)).toBe('running');
  });

  it('keeps judging the other trainers when one execution cannot be described', async () => {
    const aborted = await execution();
    await sfn.send(new StopExecutionCommand({ executionArn: aborted }));
    const unknowable = await launch(
      uniqueName('rt-denied'),
      1,
      'arn:aws:states:us-east-1:123456789012:execution:someone-elses-machine:x',
    );
    const over = await launch(uniqueName('rt-over'), 1, aborted);
    const denying: SweepDeps = {
      ...deps(),
      executionStatus: async (arn) => {
        if (arn.includes('someone-elses-machine'))
          throw Object.assign(new Error('not authorized to perform states:DescribeExecution'), {
            name: 'AccessDeniedException',
          });
        return sfnExecutionStatus(sfn)(arn);
      },
    };
    const result = await sweepTrainers(denying);
    expect(result.errors).toEqual([
      { instanceId: unknowable, error: 'AccessDeniedException: not authorized to perform states:DescribeExecution' },
    ]);
    expect(result.terminated.map((t) => t.instanceId)).toContain(over);
    expect(await state(unknowable)).toBe('running');
  });

  it('terminates any trainer older than the maximum lifetime, whatever its run says', async () => {
    const running = await execution();
    const old = await launch(uniqueName('rt-old'), 1, running);
    const later = new Date(Date.now() + (maxInstanceLifetimeMinutes(config.training) + 5) * 60_000);
    const result = await sweepTrainers(deps(later));
    expect(result.terminated.find((t) => t.instanceId === old)?.reason).toMatch(/^older than the maximum lifetime/);
    const remaining = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:signalforge:env', Values: [config.envName] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    expect(remaining.Reservations?.flatMap((r) => r.Instances ?? []) ?? []).toEqual([]);
  });
});
