import { CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerLauncher } from '../../../lambdas/training/launchers/index.js';
import { deployedApp, expectCallsAllowed, recordedCalls } from '../../support/iam/index.js';
import { uniqueName } from '../../support/aws-fixtures.js';
import { SimClock } from '../orchestration/support/fake-trainer.js';
import { createRetrainWorld, testConfig, type RetrainWorld } from '../orchestration/support/retrain-world.js';
import { interruptOnceFakeTrainer } from './support/real-launcher-fake-trainer.js';
import { retrainTaskRoles, retrainWorldNames, runRetrainAsDeployed } from './support/retrain-as-deployed.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/signalforge-trainer:1';

/**
 * moto has no StopTrainingJob (it answers 404 HTML). Its jobs complete at once, so the middleware gives
 * SageMaker's answer for a finished job; the call still goes through the client's send and is recorded.
 */
function sagemakerWithStop(): SageMakerClient {
  const client = new SageMakerClient(awsClientConfig());
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'StopTrainingJobCommand')
        throw Object.assign(new Error('The training job has already completed.'), { name: 'ValidationException' });
      return next(args);
    },
    { step: 'initialize', name: 'motoHasNoStopTrainingJob' },
  );
  return client;
}

/**
 * The experimental SageMaker route: the launcher built from the deployed launch function's environment
 * (role ARN, settings, subnets, volume key) creates, describes and stops managed-spot training jobs in
 * moto, and every task's calls are checked against the sagemaker-backend template.
 */
describe('retrain tasks run under their deployed IAM policies (SageMaker backend)', () => {
  const overrides = {
    envName: testConfig().envName,
    training: { backend: 'sagemaker' as const, sagemakerImageUri: IMAGE },
  };
  const { synth, app } = deployedApp(overrides);
  const roles = retrainTaskRoles(synth, app);
  const deployedEnv = roles.launch.environment;
  const settings = JSON.parse(deployedEnv.SAGEMAKER_SETTINGS_JSON!) as {
    roleArn: string;
    imageUri: string;
    volumeKmsKeyId: string;
  };
  let world: RetrainWorld;
  let moto: { subnetIds: string[]; securityGroupId: string };

  beforeAll(async () => {
    const ec2 = new EC2Client(awsClientConfig());
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, 2);
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: uniqueName('sm-trainer-sg'),
        Description: 'trainers',
        VpcId: subnets[0]!.VpcId,
      }),
    );
    moto = { subnetIds: subnets.map((s) => s.SubnetId!), securityGroupId: sg.GroupId! };
    const config = testConfig({ training: overrides.training });
    const clock = new SimClock();
    world = await createRetrainWorld({
      config,
      launcher: ({ artifactBucket }) =>
        interruptOnceFakeTrainer(
          // The deployed settings (role, image, volume key), with moto's network ids in place of the template's.
          new SageMakerLauncher({
            config,
            roleArn: settings.roleArn,
            imageUri: settings.imageUri,
            volumeKmsKeyId: settings.volumeKmsKeyId,
            subnetIds: moto.subnetIds,
            securityGroupIds: [moto.securityGroupId],
            client: sagemakerWithStop(),
          }),
          { artifactBucket, clock },
        ),
    });
  });

  it('runs the synthesized state machine end to end; an interrupted job is stopped and relaunched', async () => {
    const result = await runRetrainAsDeployed(world, roles);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.path).toContain('PrepareRelaunch');
    const sagemakerCalls = recordedCalls()
      .filter((c) => c.client === 'SageMakerClient')
      .map((c) => c.command);
    expect(new Set(sagemakerCalls)).toEqual(new Set(['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob']));
  });

  it('every call each task made is allowed by its role in the synthesized Training stack', async () => {
    const names = {
      exact: {
        ...retrainWorldNames(world, deployedEnv),
        [moto.securityGroupId]: deployedEnv.TRAINER_SECURITY_GROUP_IDS!,
        ...Object.fromEntries(moto.subnetIds.map((s, i) => [s, deployedEnv.TRAINER_SUBNET_IDS!.split(',')[i]!])),
      },
    };
    // PlanShards only computes; RequestApproval runs only with promotion.approval = manual and
    // StopRunTrainers only on the Map's catch path, neither of which this successful auto run takes.
    const { plan, approval, stopRun, ...callers } = roles;
    const { checked } = await expectCallsAllowed(app, Object.values(callers), names, {
      noCalls: [plan, approval, stopRun],
    });
    expect(checked).toBeGreaterThan(20);
  });
});
