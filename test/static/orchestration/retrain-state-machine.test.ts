import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { LaunchTemplate, MachineImage, SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { defaultConfig, deepMerge, type SignalForgeConfig } from '../../../core/config/index.js';
import { RETRAIN_TASK_NAMES, TASK_METADATA_KEY } from '../../../lambdas/training/task-catalog.js';
import { RetrainStateMachine } from '../../../lib/training/retrain-state-machine.js';
import { synthesizeRetrainDefinition } from '../../../local/stepfunctions/index.js';

// asl-validator ships no type declarations.
const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

type State = {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimeoutSeconds?: number;
  ItemProcessor?: { States: Record<string, State>; ProcessorConfig?: { Mode: string } };
  Seconds?: number;
  SecondsPath?: string;
};

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : []),
  ]);
}

function ec2Stack(config: SignalForgeConfig): { stack: Stack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'T', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2 });
  const role = new Role(stack, 'TrainerRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
  const template = new LaunchTemplate(stack, 'Template', { machineImage: MachineImage.latestAmazonLinux2023(), role });
  new RetrainStateMachine(stack, 'Retrain', {
    config,
    lakeBucket: new Bucket(stack, 'Lake'),
    artifactBucket: new Bucket(stack, 'Artifacts'),
    registryTable: new Table(stack, 'Registry', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    }),
    alertTopic: new Topic(stack, 'Alerts'),
    encryptionKey: new Key(stack, 'Key'),
    trainerLaunchTemplate: template,
    trainerInstanceRole: role,
    trainerSubnets: vpc.privateSubnets,
    trainerSecurityGroup: new SecurityGroup(stack, 'Sg', { vpc }),
  });
  return { stack, template: Template.fromStack(stack) };
}

describe('RetrainStateMachine construct', () => {
  const { definition, taskByArn } = synthesizeRetrainDefinition(defaultConfig);
  const states = allStates((definition as { States: Record<string, State> }).States);

  it('synthesises a definition that asl-validator accepts, with one Lambda per task', () => {
    const { isValid, errorsText } = validator(definition);
    expect(isValid, errorsText()).toBe(true);
    expect(Object.values(taskByArn).sort()).toEqual([...RETRAIN_TASK_NAMES].sort());
  });

  it('gives every Task a timeout, retries for transient errors and a Catch', () => {
    const taskStates = states.filter(([, s]) => s.Type === 'Task');
    expect(taskStates.length).toBeGreaterThanOrEqual(14);
    for (const [name, s] of taskStates) {
      expect(s.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(
        s.Retry?.some((r) => r.ErrorEquals.includes('States.TaskFailed') && (r.MaxAttempts ?? 3) > 0),
        name,
      ).toBe(true);
      expect(s.Catch?.length, name).toBeGreaterThan(0);
    }
    // Failures in the main flow go to the failure notification; inside the Map they mark the shard failed.
    const main = Object.entries((definition as { States: Record<string, State> }).States).filter(
      ([n, s]) => s.Type === 'Task' && n !== 'NotifyFailure',
    );
    for (const [name, s] of main) expect(s.Catch![0]!.Next, name).toBe('NotifyFailure');
  });

  it('uses only what aws-local-stepfunctions runs: Lambda ARNs as resources, an inline Map, no task tokens or JSONata', () => {
    const json = JSON.stringify(definition);
    expect(json).not.toContain('waitForTaskToken');
    expect(json).not.toContain('JSONata');
    expect(json).not.toContain('"ResultPath":"$"');
    const map = states.find(([n]) => n === 'TrainShards')![1];
    expect(map.ItemProcessor?.ProcessorConfig?.Mode ?? 'INLINE').toBe('INLINE');
    for (const [, s] of states.filter(([, x]) => x.Type === 'Task')) expect(s.Resource).toMatch(/^arn:aws:lambda:/);
  });

  it('ends every shard through StopTrainer and sends the Map catch through StopRunTrainers before notifying', () => {
    type Flow = State & {
      Next?: string;
      End?: boolean;
      ResultPath?: string;
      OutputPath?: string;
      Parameters?: Record<string, unknown>;
    };
    const top = (definition as { States: Record<string, Flow> }).States;
    const iteration = top.TrainShards!.ItemProcessor!.States as Record<string, Flow>;
    for (const name of ['ShardSucceeded', 'ShardGaveUp', 'ShardFailed'])
      expect(iteration[name], name).toMatchObject({ Type: 'Pass', ResultPath: '$.outcome', Next: 'StopTrainer' });
    expect(iteration.StopTrainer).toMatchObject({ Type: 'Task', End: true });
    expect(iteration.StopTrainer!.Catch![0]!.Next).toBe('StopTrainerFailed');
    expect(iteration.StopTrainerFailed).toMatchObject({ Type: 'Pass', OutputPath: '$.outcome', End: true });
    expect(top.TrainShards!.Catch![0]!.Next).toBe('StopRunTrainers');
    expect(top.StopRunTrainers).toMatchObject({ Type: 'Task', Next: 'NotifyFailure' });
    // Trainers are tagged with the execution, so the sweeper can tell when it is over.
    expect(JSON.stringify(top.TrainShards)).toContain('"executionArn.$":"$$.Execution.Id"');
  });

  it('polls the trainer in a Wait + check loop and relaunches only below maxAttempts', () => {
    const iteration = states.find(([n]) => n === 'TrainShards')![1].ItemProcessor!.States;
    expect(iteration.WaitForTrainer).toMatchObject({ Type: 'Wait', Seconds: 120, Next: 'CheckTrainer' });
    const choice = JSON.stringify(iteration.TrainerStatus);
    expect(choice).toContain(`"NumericLessThan":${defaultConfig.training.maxAttempts}`);
    expect(iteration.PrepareRelaunch).toMatchObject({ Next: 'LaunchTrainer' });
    expect(states.find(([n]) => n === 'BakeCanary')![1]).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.run.bakeSeconds',
    });
  });

  it('with the EC2 backend, lets the launcher run spot instances from the one template and terminate only tagged ones', () => {
    const { template } = ec2Stack(defaultConfig);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('ec2:RunInstances');
    expect(policies).toContain('"ec2:CreateAction":"RunInstances"');
    expect(policies).toContain('"aws:ResourceTag/signalforge:env":"dev"');
    expect(policies).toContain('iam:PassRole');
    const fns = template.findResources('AWS::Lambda::Function');
    const launch = Object.values(fns).find(
      (f) => (f as { Metadata?: Record<string, string> }).Metadata?.[TASK_METADATA_KEY] === 'launch',
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(Object.keys(launch.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([
        'TRAINER_LAUNCH_TEMPLATE_ID',
        'TRAINER_SUBNET_IDS',
        'TRAINER_SECURITY_GROUP_IDS',
        'REGISTRY_TABLE',
        'ARTIFACT_BUCKET',
        'SIGNALFORGE_CONFIG_FILE',
      ]),
    );
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
  });

  it('refuses the EC2 backend without a launch template', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'T');
    expect(
      () =>
        new RetrainStateMachine(stack, 'Retrain', {
          config: deepMerge(defaultConfig, { training: { backend: 'ec2' } }),
          lakeBucket: new Bucket(stack, 'Lake'),
          artifactBucket: new Bucket(stack, 'Artifacts'),
          registryTable: new Table(stack, 'Registry', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
          alertTopic: new Topic(stack, 'Alerts'),
          encryptionKey: new Key(stack, 'Key'),
        }),
    ).toThrow(/needs trainerLaunchTemplate/);
  });
});
