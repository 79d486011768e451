import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { Ec2SpotLauncher } from '../../../lambdas/training/launchers/index.js';
import { deployedApp, expectCallsAllowed, recordedCalls } from '../../support/iam/index.js';
import { interruptOnceFakeTrainer } from './support/real-launcher-fake-trainer.js';
import { retrainTaskRoles, retrainWorldNames, runRetrainAsDeployed } from './support/retrain-as-deployed.js';
import { createTrainerLaunchTemplate, uniqueName } from '../../support/aws-fixtures.js';
import { SimClock } from '../orchestration/support/fake-trainer.js';
import { createRetrainWorld, testConfig, type RetrainWorld } from '../orchestration/support/retrain-world.js';

/**
 * The real EC2 spot launcher against moto's EC2 (RunInstances, DescribeInstances, TerminateInstances,
 * and IAM's CreateServiceLinkedRole), with the fake trainer standing in for what runs on the instance.
 */
describe('retrain tasks run under their deployed IAM policies (EC2 backend)', () => {
  // Deployed under the test world's env name, so the signalforge:env tag the launcher sets matches the policy.
  const { synth, app } = deployedApp({ envName: testConfig().envName });
  const roles = retrainTaskRoles(synth, app);
  const deployedEnv = roles.launch.environment;
  const ec2 = new EC2Client(awsClientConfig());
  let world: RetrainWorld;
  let moto: { launchTemplateId: string; subnetIds: string[]; securityGroupId: string };

  beforeAll(async () => {
    const { launchTemplateId, subnetIds, vpcId } = await createTrainerLaunchTemplate({
      subnets: 2,
      terminateOnShutdown: true,
    });
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: uniqueName('trainer-sg'), Description: 'trainers', VpcId: vpcId }),
    );
    moto = { launchTemplateId, subnetIds, securityGroupId: sg.GroupId! };
    const config = testConfig({ training: { backend: 'ec2' } });
    const clock = new SimClock();
    world = await createRetrainWorld({
      config,
      // The first attempt of shard s000 is interrupted, so PrepareRelaunch terminates its instance and the shard
      // relaunches.
      launcher: ({ artifactBucket }) =>
        interruptOnceFakeTrainer(
          new Ec2SpotLauncher({
            config,
            launchTemplateId: moto.launchTemplateId,
            subnetIds: moto.subnetIds,
            securityGroupIds: [moto.securityGroupId],
          }),
          { artifactBucket, clock },
        ),
    });
  });

  it('runs the synthesized state machine end to end with every task as its own function', async () => {
    const result = await runRetrainAsDeployed(world, roles);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.path).toContain('PrepareRelaunch');
    const ec2Calls = recordedCalls()
      .filter((c) => c.client === 'EC2Client' || c.client === 'IAMClient')
      .map((c) => c.command);
    expect(new Set(ec2Calls)).toEqual(
      new Set(['CreateServiceLinkedRole', 'RunInstances', 'DescribeInstances', 'TerminateInstances']),
    );
    // The registry goes through @aws-sdk/lib-dynamodb: its document commands are seen, with their table names.
    const documentCalls = recordedCalls().filter((c) => c.client === 'DynamoDBDocumentClient');
    expect(documentCalls.map((c) => c.command)).toEqual(expect.arrayContaining(['TransactWrite', 'Get']));
    expect(
      documentCalls
        .filter((c) => c.command === 'TransactWrite')
        .flatMap((c) =>
          (c.input.TransactItems ?? []).map(
            (i: Record<string, { TableName: string }>) => Object.values(i)[0]!.TableName,
          ),
        ),
    ).toContain(world.registry.tableName);
  });

  it('every call each task made is allowed by its role in the synthesized Training stack', async () => {
    const names = {
      exact: {
        ...retrainWorldNames(world, deployedEnv),
        [moto.launchTemplateId]: deployedEnv.TRAINER_LAUNCH_TEMPLATE_ID!,
        [moto.securityGroupId]: deployedEnv.TRAINER_SECURITY_GROUP_IDS!,
        ...Object.fromEntries(moto.subnetIds.map((s, i) => [s, deployedEnv.TRAINER_SUBNET_IDS!.split(',')[i]!])),
      },
    };
    // PlanShards only computes the shard plan from its input.
    // PlanShards only computes; RequestApproval runs only with promotion.approval = manual and
    // StopRunTrainers only on the Map's catch path, neither of which this successful auto run takes.
    const { plan, approval, stopRun, ...callers } = roles;
    const { checked } = await expectCallsAllowed(app, Object.values(callers), names, {
      noCalls: [plan, approval, stopRun],
    });
    expect(checked).toBeGreaterThan(20);
  });
});
