import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES } from '../../../core/config/index.js';
import { PRODUCER_SOURCES } from '../../../lib/runtime-environment.js';
import { deployedApp, simulateRequest, type FunctionRole, type IamRequest } from '../../support/iam/index.js';

/**
 * Permissions AWS services use with a function's role where no SDK call of ours shows them (the MSK
 * event source mapping's ENIs, EC2 encrypting a volume, PassRole through a launch template), checked
 * on the synthesized templates with the same resolver and IAM simulator as the integration harness.
 */
const { synth, app } = deployedApp();
const decide = (
  role: Pick<FunctionRole, 'roleArn' | 'policies'>,
  request: Omit<IamRequest, 'context'> & { context?: IamRequest['context'] },
) => simulateRequest(app, role, { context: {}, ...request });
const ec2Arn = (type: string, id: string) => `arn:aws:ec2:${app.region}:${app.account}:${type}/${id}`;
const launch = app.functionRole(synth.stacks.training.retrain.functions.launch);
const launchTemplate = app.launchTemplate(launch.environment.TRAINER_LAUNCH_TEMPLATE_ID!)!;
/** What EC2 or SageMaker does with an encrypted volume's key besides the grant, with the caller's permissions. */
const VOLUME_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

describe('MSK event source mapping (runs with each sink role)', () => {
  const [cluster] = app.resourcesOfType('AWS::MSK::ServerlessCluster');
  const network = cluster!.props.VpcConfigs[0] as { SubnetIds: string[]; SecurityGroups: string[] };
  const clusterArn = app.resolve(cluster!.stack, { 'Fn::GetAtt': [cluster!.logicalId, 'Arn'] }) as string;

  it.each(TOPIC_NAMES)(
    'the %s sink role lets the mapping create its ENIs in the cluster subnets, describe the network and the cluster',
    async (topic) => {
      const role = app.functionRole(synth.stacks.ingest.sinks.get(topic)!);
      const requests: Omit<IamRequest, 'context'>[] = [
        ...[
          ec2Arn('network-interface', 'eni-0a1b2c3d'),
          ...network.SubnetIds.map((s) => ec2Arn('subnet', s)),
          ...network.SecurityGroups.map((g) => ec2Arn('security-group', g)),
        ].map((resource) => ({ action: 'ec2:CreateNetworkInterface', resource })),
        { action: 'ec2:DeleteNetworkInterface', resource: ec2Arn('network-interface', 'eni-0a1b2c3d') },
        ...['DescribeNetworkInterfaces', 'DescribeVpcs', 'DescribeSubnets', 'DescribeSecurityGroups'].map((a) => ({
          action: `ec2:${a}`,
          resource: '*',
        })),
        ...['DescribeCluster', 'DescribeClusterV2'].map((a) => ({ action: `kafka:${a}`, resource: clusterArn })),
        { action: 'kafka:GetBootstrapBrokers', resource: '*' },
      ];
      for (const r of requests) expect(await decide(role, r), `${r.action} on ${r.resource}`).toBe('Allowed');
      // Creation is pinned to the cluster's subnets and group, not any subnet of the account.
      expect(
        await decide(role, { action: 'ec2:CreateNetworkInterface', resource: ec2Arn('subnet', 'subnet-elsewhere') }),
      ).not.toBe('Allowed');
    },
  );

  it.each(TOPIC_NAMES)(
    'the %s sink role lets the pollers read its topic as its group, and send failed batches to the encrypted DLQ',
    async (topic) => {
      const role = app.functionRole(synth.stacks.ingest.sinks.get(topic)!);
      const mapping = app.resourcesOfType('AWS::Lambda::EventSourceMapping').find((m) => m.props.Topics[0] === topic)!;
      const [, name, uuid] = clusterArn.split(':').at(-1)!.split('/') as [string, string, string];
      const kafka = (kind: string, id: string) =>
        `arn:aws:kafka:${app.region}:${app.account}:${kind}/${name}/${uuid}/${id}`;
      const group = mapping.props.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId as string;
      const dlq = mapping.props.DestinationConfig.OnFailure.Destination as string;
      const queueKey = app
        .resourcesOfType('AWS::SQS::Queue')
        .find((q) => app.resolve(q.stack, { 'Fn::GetAtt': [q.logicalId, 'Arn'] }) === dlq)!.props
        .KmsMasterKeyId as string;
      const viaSqs = { 'kms:ViaService': `sqs.${app.region}.amazonaws.com` };
      const requests: (Omit<IamRequest, 'context'> & { context?: IamRequest['context'] })[] = [
        { action: 'kafka-cluster:Connect', resource: clusterArn },
        { action: 'kafka-cluster:DescribeClusterDynamicConfiguration', resource: clusterArn },
        { action: 'kafka-cluster:DescribeTopic', resource: kafka('topic', topic) },
        { action: 'kafka-cluster:ReadData', resource: kafka('topic', topic) },
        { action: 'kafka-cluster:DescribeGroup', resource: kafka('group', group) },
        { action: 'kafka-cluster:AlterGroup', resource: kafka('group', group) },
        { action: 'sqs:SendMessage', resource: dlq },
        { action: 'kms:GenerateDataKey', resource: queueKey, context: viaSqs },
        { action: 'kms:Decrypt', resource: queueKey, context: viaSqs },
      ];
      for (const r of requests) expect(await decide(role, r), `${r.action} on ${r.resource}`).toBe('Allowed');
      const other = TOPIC_NAMES.find((t) => t !== topic)!;
      expect(await decide(role, { action: 'kafka-cluster:ReadData', resource: kafka('topic', other) })).not.toBe(
        'Allowed',
      );
    },
  );
});

describe('Kafka clients outside the mapping (producers, the topic custom resource)', () => {
  it('may look up the bootstrap brokers, which IAM authorizes only on "*"', async () => {
    const clients = [...synth.stacks.ingest.producers.values(), synth.stacks.streaming.topics.handler].map((fn) =>
      app.functionRole(fn),
    );
    expect(clients).toHaveLength(5);
    for (const role of clients)
      expect(await decide(role, { action: 'kafka:GetBootstrapBrokers', resource: '*' }), role.handler).toBe('Allowed');
  });

  it('each producer may write only its own topic, idempotently', async () => {
    const [cluster] = app.resourcesOfType('AWS::MSK::ServerlessCluster');
    const clusterArn = app.resolve(cluster!.stack, { 'Fn::GetAtt': [cluster!.logicalId, 'Arn'] }) as string;
    const [, name, uuid] = clusterArn.split(':').at(-1)!.split('/') as [string, string, string];
    const topicArn = (t: string) => `arn:aws:kafka:${app.region}:${app.account}:topic/${name}/${uuid}/${t}`;
    for (const p of PRODUCER_SOURCES) {
      const role = app.functionRole(synth.stacks.ingest.producers.get(p.source)!);
      for (const r of [
        { action: 'kafka-cluster:Connect', resource: clusterArn },
        { action: 'kafka-cluster:WriteDataIdempotently', resource: clusterArn },
        { action: 'kafka-cluster:DescribeTopic', resource: topicArn(p.topic) },
        { action: 'kafka-cluster:WriteData', resource: topicArn(p.topic) },
      ]) {
        expect(await decide(role, r), `${p.source}: ${r.action} on ${r.resource}`).toBe('Allowed');
      }
      const other = TOPIC_NAMES.find((t) => t !== p.topic)!;
      expect(await decide(role, { action: 'kafka-cluster:WriteData', resource: topicArn(other) })).not.toBe('Allowed');
    }
  });
});

describe('EC2 launcher (retrain launch task)', () => {
  const launchDecides = (action: string, resource: string, context: IamRequest['context']) =>
    decide(launch, { action, resource, context });
  it('may have EC2 use the data key for the encrypted root volume, only through EC2 and only for a grant to an AWS resource', async () => {
    expect(launchTemplate.volumeKeys).toHaveLength(1);
    const key = launchTemplate.volumeKeys[0]!;
    const viaEc2 = { 'kms:ViaService': `ec2.${app.region}.amazonaws.com` };
    expect(await launchDecides('kms:CreateGrant', key, { ...viaEc2, 'kms:GrantIsForAWSResource': 'true' })).toBe(
      'Allowed',
    );
    for (const action of VOLUME_KEY_ACTIONS) {
      expect(await launchDecides(action, key, viaEc2), action).toBe('Allowed');
    }
    expect(await launchDecides('kms:CreateGrant', key, { ...viaEc2, 'kms:GrantIsForAWSResource': 'false' })).not.toBe(
      'Allowed',
    );
    expect(
      await launchDecides('kms:CreateGrant', key, {
        'kms:ViaService': `s3.${app.region}.amazonaws.com`,
        'kms:GrantIsForAWSResource': 'true',
      }),
    ).not.toBe('Allowed');
  });

  it("the data key policy lets the account's IAM policies grant its use (the root principal holds kms:*)", () => {
    const policy = app.keyPolicy(launchTemplate.volumeKeys[0]!)!;
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${app.account}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
  });

  it('may create exactly the spot service-linked role', async () => {
    const role = `arn:aws:iam::${app.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    expect(
      await launchDecides('iam:CreateServiceLinkedRole', role, { 'iam:AWSServiceName': 'spot.amazonaws.com' }),
    ).toBe('Allowed');
    expect(
      await launchDecides('iam:CreateServiceLinkedRole', role, { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' }),
    ).not.toBe('Allowed');
    expect(
      await launchDecides(
        'iam:CreateServiceLinkedRole',
        `arn:aws:iam::${app.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' },
      ),
    ).not.toBe('Allowed');
  });

  it('iam:PassRole appears only on the launcher, only for the trainer instance role of the launch template', async () => {
    expect(launchTemplate.instanceRoleArns).toHaveLength(1);
    const trainerRole = launchTemplate.instanceRoleArns[0]!;
    const passRole = app
      .resourcesOfType('AWS::IAM::Policy')
      .flatMap((p) =>
        (p.props.PolicyDocument.Statement as { Action: string | string[]; Resource: string | string[] }[])
          .filter((s) => [s.Action].flat().some((a) => a === 'iam:PassRole' || a === 'iam:*'))
          .map((s) => ({ policy: `${p.stack}/${p.logicalId}`, resources: [s.Resource].flat() })),
      );
    expect(passRole).toEqual([
      { policy: expect.stringMatching(/RetrainLaunchTaskRoleDefaultPolicy/), resources: [trainerRole] },
    ]);
    expect(await launchDecides('iam:PassRole', trainerRole, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(
      'Allowed',
    );
    expect(
      await launchDecides('iam:PassRole', launch.roleArn, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
    ).not.toBe('Allowed');
  });
});

describe('SageMaker backend (experimental)', () => {
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/signalforge-trainer:1';

  it('fails synth with a clear error when no trainer image is configured', () => {
    expect(() => deployedApp({ training: { backend: 'sagemaker' } })).toThrow(
      /training\.backend 'sagemaker' is experimental and needs training\.sagemakerImageUri/,
    );
  });

  it('lets the execution role create job ENIs in the trainer subnets and use the volume key; the launcher may pass only that role', async () => {
    const sm = deployedApp({ training: { backend: 'sagemaker', sagemakerImageUri: image } });
    const execution = sm.app.role(sm.synth.stacks.training.sagemaker.role);
    const smLaunch = sm.app.functionRole(sm.synth.stacks.training.retrain.functions.launch);
    const subnets = smLaunch.environment.TRAINER_SUBNET_IDS!.split(',');
    const group = smLaunch.environment.TRAINER_SECURITY_GROUP_IDS!;
    const at = (type: string, id: string) => `arn:aws:ec2:${sm.app.region}:${sm.app.account}:${type}/${id}`;
    const decideSm = (request: Omit<IamRequest, 'context'> & { context?: IamRequest['context'] }) =>
      simulateRequest(sm.app, execution, { context: {}, ...request });
    const requests: (Omit<IamRequest, 'context'> & { context?: IamRequest['context'] })[] = [
      ...[at('network-interface', 'eni-1'), ...subnets.map((s) => at('subnet', s)), at('security-group', group)].map(
        (resource) => ({ action: 'ec2:CreateNetworkInterface', resource }),
      ),
      ...['CreateNetworkInterfacePermission', 'DeleteNetworkInterface', 'DeleteNetworkInterfacePermission'].map(
        (a) => ({ action: `ec2:${a}`, resource: at('network-interface', 'eni-1') }),
      ),
      ...[
        'DescribeNetworkInterfaces',
        'DescribeVpcs',
        'DescribeDhcpOptions',
        'DescribeSubnets',
        'DescribeSecurityGroups',
      ].map((a) => ({ action: `ec2:${a}`, resource: '*' })),
    ];
    const key = JSON.parse(smLaunch.environment.SAGEMAKER_SETTINGS_JSON!).volumeKmsKeyId as string;
    requests.push({ action: 'kms:CreateGrant', resource: key, context: { 'kms:GrantIsForAWSResource': 'true' } });
    for (const action of VOLUME_KEY_ACTIONS) requests.push({ action, resource: key });
    for (const r of requests) expect(await decideSm(r), `${r.action} on ${r.resource}`).toBe('Allowed');
    expect(
      await decideSm({ action: 'ec2:CreateNetworkInterface', resource: at('subnet', 'subnet-elsewhere') }),
    ).not.toBe('Allowed');
    expect(
      await decideSm({ action: 'kms:CreateGrant', resource: key, context: { 'kms:GrantIsForAWSResource': 'false' } }),
    ).not.toBe('Allowed');
    expect(
      await simulateRequest(sm.app, smLaunch, {
        action: 'iam:PassRole',
        resource: execution.roleArn,
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
      }),
    ).toBe('Allowed');
    expect(
      await simulateRequest(sm.app, smLaunch, {
        action: 'iam:PassRole',
        resource: smLaunch.roleArn,
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
      }),
    ).not.toBe('Allowed');
  });
});
