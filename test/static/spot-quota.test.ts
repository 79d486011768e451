import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { LaunchTemplate, MachineImage, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONCURRENT_SHARDS,
  INSTANCE_TYPES,
  loadConfig,
  maxConcurrentShards,
  spotShardConcurrency,
  type SignalForgeConfig,
} from '../../core/config/index.js';
import { RetrainStateMachine } from '../../lib/training/retrain-state-machine.js';

const P = 'All P4, P3 and P2 Spot Instance Requests';
const G = 'All G and VT Spot Instance Requests';

describe('spot vCPU quotas and shard concurrency', () => {
  it('bounds the default config by the largest fallback of each quota group', () => {
    const config = loadConfig({ env: {} });
    // The default fallbacks are all G: g5/g4dn.12xlarge (48 vCPUs): 192 / 48 = 4; the P quota is unused.
    expect(config.training.instanceTypes).toEqual(['g5.12xlarge', 'g4dn.12xlarge']);
    expect(spotShardConcurrency(config.training)).toEqual({
      shards: 4,
      limitedBy: { group: G, instanceType: 'g5.12xlarge', vcpus: 48, quota: 192 },
    });
    expect(maxConcurrentShards(config.training)).toBe(4);
    // With P types among the fallbacks (an explicit override), p3.16xlarge (64 vCPUs): 128 / 64 = 2 shards bounds it.
    const withP = loadConfig({
      env: {},
      overrides: { training: { instanceTypes: ['p3.8xlarge', 'p3.16xlarge', 'g5.12xlarge', 'g4dn.12xlarge'] } },
    });
    expect(spotShardConcurrency(withP.training)).toEqual({
      shards: 2,
      limitedBy: { group: P, instanceType: 'p3.16xlarge', vcpus: 64, quota: 128 },
    });
    expect(maxConcurrentShards(withP.training)).toBe(2);
  });

  it('takes the tightest group: every shard may land on the same group', () => {
    const training = { instanceTypes: ['p3.8xlarge', 'g5.12xlarge'], spotVcpuQuota: { [P]: 128, [G]: 96 } };
    expect(spotShardConcurrency(training)).toMatchObject({
      shards: 2,
      limitedBy: { group: G, instanceType: 'g5.12xlarge' },
    });
    expect(spotShardConcurrency({ ...training, spotVcpuQuota: { [P]: 32, [G]: 480 } })).toMatchObject({
      shards: 1,
      limitedBy: { group: P, instanceType: 'p3.8xlarge' },
    });
  });

  it('rejects an instance type without a vCPU entry, and quotas that cannot hold one instance on EC2', () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { training: { instanceTypes: ['p3.8xlarge', 'x9.huge'] } } }),
    ).toThrow(/training\.instanceTypes\.1: x9\.huge has no vCPU entry/);
    const short = () =>
      loadConfig({
        env: {},
        overrides: {
          training: {
            instanceTypes: ['p3.8xlarge', 'p3.16xlarge', 'g5.12xlarge', 'g4dn.12xlarge'],
            spotVcpuQuota: { [P]: 32, [G]: 192 },
          },
        },
      });
    expect(short).toThrow(ConfigError);
    expect(short).toThrow(
      /training\.spotVcpuQuota\.All P4, P3 and P2 Spot Instance Requests: 32 vCPUs cannot run one p3\.16xlarge \(64 vCPUs\)/,
    );
    // The default (all-G) fallbacks: a G quota short of one g5.12xlarge fails the same way.
    const shortG = () => loadConfig({ env: {}, overrides: { training: { spotVcpuQuota: { [P]: 128, [G]: 32 } } } });
    expect(shortG).toThrow(ConfigError);
    expect(shortG).toThrow(
      /training\.spotVcpuQuota\.All G and VT Spot Instance Requests: 32 vCPUs cannot run one g5\.12xlarge \(48 vCPUs\)/,
    );
    // The local and SageMaker backends do not use EC2 spot quotas.
    expect(
      loadConfig({ env: { SIGNALFORGE_ENV: 'local' }, overrides: { training: { spotVcpuQuota: {} } } }).training
        .backend,
    ).toBe('local');
    expect(() =>
      loadConfig({ env: {}, overrides: { training: { spotVcpuQuota: { 'All X Spot Instance Requests': 64 } } } }),
    ).toThrow(/spotVcpuQuota/);
  });

  it('knows every default fallback and gives each type a positive vCPU count', () => {
    const config = loadConfig({ env: {} });
    for (const type of config.training.instanceTypes) expect(INSTANCE_TYPES[type], type).toBeDefined();
    for (const [type, spec] of Object.entries(INSTANCE_TYPES)) expect(spec.vcpus, type).toBeGreaterThan(0);
    expect(maxConcurrentShards({ ...config.training, backend: 'sagemaker' })).toBe(DEFAULT_CONCURRENT_SHARDS);
  });
});

describe('the retrain Map', () => {
  /** The EC2-backend state machine alone; its Map bound and timeout read back from the template. */
  function mapOf(config: SignalForgeConfig) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'T', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2 });
    const role = new Role(stack, 'TrainerRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    new RetrainStateMachine(stack, 'Retrain', {
      config,
      lakeBucket: new Bucket(stack, 'Lake'),
      artifactBucket: new Bucket(stack, 'Artifacts'),
      registryTable: new Table(stack, 'Registry', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
      alertTopic: new Topic(stack, 'Alerts'),
      encryptionKey: new Key(stack, 'Key'),
      trainerLaunchTemplate: new LaunchTemplate(stack, 'Template', {
        machineImage: MachineImage.latestAmazonLinux2023(),
        role,
      }),
      trainerInstanceRole: role,
      trainerSubnets: vpc.privateSubnets,
    });
    const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine')) as {
      Properties: { DefinitionString: unknown };
    }[];
    const text = JSON.stringify(machine!.Properties.DefinitionString);
    return {
      maxConcurrency: Number(/\\"MaxConcurrency\\":(\d+)/.exec(text)![1]),
      timeout: Number(/\\"TimeoutSeconds\\":(\d+)}"\]/.exec(text)![1]),
    };
  }

  it('runs as many shards at once as the quotas allow, and stretches the timeout over the waves that leaves', () => {
    const config = loadConfig({ env: {} });
    // Default: g5/g4dn.12xlarge under 192 G vCPUs = 4; half the G quota (96) = 2.
    const four = mapOf(config);
    expect(four.maxConcurrency).toBe(4);
    const two = mapOf({ ...config, training: { ...config.training, spotVcpuQuota: { [P]: 128, [G]: 96 } } });
    expect(two.maxConcurrency).toBe(2);
    // 100 configs / 25 per shard = 4 shards: two waves at concurrency 2, one at 4.
    const window = config.training.maxRunHours * 3600 * config.training.maxAttempts;
    expect(two.timeout - four.timeout).toBe(window);
  });
});
