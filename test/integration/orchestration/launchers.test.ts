import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTrainingJobCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import {
  Ec2SpotLauncher,
  EXECUTION_TAG,
  InsufficientCapacityError,
  LAUNCH_DOC_TAG,
  launchDocKey,
  launchDocSchema,
  SageMakerLauncher,
  type TrainerLaunchRequest,
} from '../../../lambdas/training/launchers/index.js';
import { testConfig } from './support/retrain-world.js';
import { createBucket, createTrainerLaunchTemplate, uniqueName } from '../../support/aws-fixtures.js';
import { readUri } from '../../../core/artifacts/index.js';

const config = testConfig({ training: { instanceTypes: ['p3.8xlarge', 'g5.12xlarge', 'g4dn.12xlarge'] } });

let bucket: string;

function request(overrides: Partial<TrainerLaunchRequest> = {}): TrainerLaunchRequest {
  const runId = uniqueName('rt-test');
  return {
    runId: `${runId}-s000`,
    configs: ['AAPL#1d', 'MSFT#1d'],
    manifestUri: `s3://${bucket}/runs/${runId}/dataset-manifest.json`,
    outUri: `s3://${bucket}`,
    checkpointUri: `s3://artifacts/runs/${runId}-s000/checkpoints`,
    resume: false,
    attempt: 1,
    instanceTypeIndex: 0,
    epochs: 5,
    parentRunId: runId,
    shardId: 's000',
    ...overrides,
  };
}

/** Fails RunInstances for the listed instance types the way EC2 does; moto always has capacity. */
function ec2WithoutCapacityFor(types: string[], code = 'InsufficientInstanceCapacity'): EC2Client {
  const client = new EC2Client(awsClientConfig());
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  client.send = (async (command: unknown) => {
    if (command instanceof RunInstancesCommand && types.includes(String(command.input.InstanceType))) {
      throw Object.assign(
        new Error(`There is no Spot capacity available that matches your request (${command.input.InstanceType}).`),
        { name: code },
      );
    }
    return send(command);
  }) as EC2Client['send'];
  return client;
}

describe('EC2 spot launcher against moto', () => {
  const ec2 = new EC2Client(awsClientConfig());
  let launchTemplateId: string;
  let subnetIds: string[];

  beforeAll(async () => {
    bucket = await createBucket('artifacts');
    ({ launchTemplateId, subnetIds } = await createTrainerLaunchTemplate({ subnets: 2, terminateOnShutdown: true }));
  });

  it('runs a tagged one-time spot instance from the launch template, sees it running, then gone after terminate', async () => {
    const launcher = new Ec2SpotLauncher({ config, launchTemplateId, subnetIds, securityGroupIds: [] });
    const req = request();
    const handle = await launcher.launch(req);
    expect(handle).toMatchObject({ backend: 'ec2', instanceType: 'p3.8xlarge', instanceTypeIndex: 0 });
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [handle.id] }));
    const instance = described.Reservations![0]!.Instances![0]!;
    expect(instance.InstanceLifecycle).toBe('spot');
    expect(instance.InstanceType).toBe('p3.8xlarge');
    expect(subnetIds).toContain(instance.SubnetId);
    const tags = Object.fromEntries(instance.Tags!.map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      project: 'signalforge',
      'signalforge:retrain-run': req.parentRunId,
      'signalforge:trainer-run': req.runId,
      'signalforge:shard': 's000',
      'signalforge:attempt': '1',
      'signalforge:configs': '2',
    });
    expect(await launcher.describe(handle)).toEqual({ state: 'running' });
    await launcher.terminate(handle);
    expect((await launcher.describe(handle)).state).toBe('gone');
  });

  it('writes the launch document before the instance exists and tags the instance with it; the template user data is left alone', async () => {
    const client = new EC2Client(awsClientConfig());
    const sent: RunInstancesCommand[] = [];
    const send = client.send.bind(client) as (c: unknown) => Promise<unknown>;
    client.send = (async (c: unknown) => {
      if (c instanceof RunInstancesCommand) sent.push(c);
      return send(c);
    }) as EC2Client['send'];
    const launcher = new Ec2SpotLauncher({ config, launchTemplateId, subnetIds, securityGroupIds: [], client });
    const req = request({
      resume: true,
      attempt: 2,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:signalforge-test-retrain:run-1',
    });
    const handle = await launcher.launch(req);
    expect(sent[0]!.input.UserData).toBeUndefined();
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [handle.id] }))).Reservations![0]!
      .Instances![0]!;
    const tags = Object.fromEntries(instance.Tags!.map((t) => [t.Key, t.Value]));
    expect(tags[EXECUTION_TAG]).toBe(req.executionArn);
    const uri = tags[LAUNCH_DOC_TAG]!;
    expect(uri).toBe(`s3://${bucket}/${launchDocKey(req.runId, 2)}`);
    const doc = launchDocSchema.parse(JSON.parse(new TextDecoder().decode(await readUri(uri))));
    expect(doc).toMatchObject({ runId: req.runId, attempt: 2, config: { envName: config.envName } });
    const args = doc.args.join(' ');
    for (const flag of [
      `--run-id ${req.runId}`,
      '--configs AAPL#1d,MSFT#1d',
      `--data ${req.manifestUri}`,
      '--resume',
      '--spot-watch',
      '--backend tensorflow',
      `--workers ${config.training.gpusPerInstance}`,
    ])
      expect(args).toContain(flag);
    await launcher.terminate(handle);
  });

  it('terminateRun stops every running trainer of one retrain run, found by its tags, and no other', async () => {
    const launcher = new Ec2SpotLauncher({ config, launchTemplateId, subnetIds, securityGroupIds: [] });
    const run = uniqueName('rt-run');
    const mine = [
      await launcher.launch(request({ parentRunId: run, runId: `${run}-s000` })),
      await launcher.launch(request({ parentRunId: run, runId: `${run}-s001`, shardId: 's001' })),
    ];
    const other = await launcher.launch(request());
    expect((await launcher.terminateRun(run)).sort()).toEqual(mine.map((h) => h.id).sort());
    for (const h of mine) expect((await launcher.describe(h)).state).toBe('gone');
    expect(await launcher.describe(other)).toEqual({ state: 'running' });
    expect(await launcher.terminateRun(run)).toEqual([]);
    await launcher.terminate(other);
  });

  it('falls back through instance types on capacity and price errors, starting at the requested index', async () => {
    const launcher = new Ec2SpotLauncher({
      config,
      launchTemplateId,
      subnetIds,
      securityGroupIds: [],
      client: ec2WithoutCapacityFor(['g5.12xlarge']),
    });
    const handle = await launcher.launch(request({ instanceTypeIndex: 1 }));
    expect(handle).toMatchObject({ instanceType: 'g4dn.12xlarge', instanceTypeIndex: 2 });
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [handle.id] }))).Reservations![0]!
      .Instances![0]!;
    expect(instance).toMatchObject({ InstanceType: 'g4dn.12xlarge', InstanceLifecycle: 'spot' });
    const priced = new Ec2SpotLauncher({
      config,
      launchTemplateId,
      subnetIds,
      securityGroupIds: [],
      client: ec2WithoutCapacityFor(['p3.8xlarge'], 'SpotMaxPriceTooLow'),
    });
    expect((await priced.launch(request())).instanceType).toBe('g5.12xlarge');
  });

  it('reports InsufficientCapacityError when every type in every subnet is out of capacity', async () => {
    const launcher = new Ec2SpotLauncher({
      config,
      launchTemplateId,
      subnetIds,
      securityGroupIds: [],
      client: ec2WithoutCapacityFor(config.training.instanceTypes),
    });
    const err = await launcher.launch(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientCapacityError);
    expect((err as Error).message).toContain('g4dn.12xlarge');
  });
});

describe('SageMaker launcher against moto', () => {
  it('creates a managed-spot training job with the checkpoint URI, stopping limits and tags', async () => {
    const sagemaker = new SageMakerClient(awsClientConfig());
    const launcher = new SageMakerLauncher({
      config,
      roleArn: 'arn:aws:iam::123456789012:role/trainer',
      imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/signalforge-trainer:latest',
    });
    const req = request({ attempt: 2, resume: true });
    const handle = await launcher.launch(req);
    expect(handle).toMatchObject({ backend: 'sagemaker', id: `${req.runId}-a2`, instanceType: 'ml.p3.8xlarge' });
    const job = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: handle.id }));
    expect(job.EnableManagedSpotTraining).toBe(true);
    expect(job.CheckpointConfig).toMatchObject({ S3Uri: req.checkpointUri, LocalPath: '/opt/ml/checkpoints' });
    expect(job.StoppingCondition).toMatchObject({
      MaxRuntimeInSeconds: config.training.maxRunHours * 3600,
      MaxWaitTimeInSeconds: config.training.maxRunHours * 7200,
    });
    expect(job.ResourceConfig).toMatchObject({ InstanceType: 'ml.p3.8xlarge', InstanceCount: 1 });
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: job.TrainingJobArn! }));
    expect(Object.fromEntries(tags.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({
      project: 'signalforge',
      'signalforge:trainer-run': req.runId,
      'signalforge:attempt': '2',
    });
    // moto completes jobs at once; the run record, not the job state, decides success.
    expect((await launcher.describe(handle)).state).toBe('gone');
  });
});
