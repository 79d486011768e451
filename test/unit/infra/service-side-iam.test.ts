import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES } from '../../../core/config/index.js';
import { deployedApp, simulateRequest, type FunctionRole, type IamRequest } from '../../support/iam/index.js';

/**
 * Permissions AWS services use with a function's role where no SDK call of ours shows them (the MSK
 * event source mapping's ENIs, EC2 encrypting a volume, PassRole through a launch template), checked
 * on the synthesized templates with the same resolver and IAM simulator as the integration harness.
 */
const { synth, app } = deployedApp();
const decide = (role: Pick<FunctionRole, 'roleArn' | 'policies'>, request: Omit<IamRequest, 'context'> & { context?: IamRequest['context'] }) => simulateRequest(app, role, { context: {}, ...request });
const ec2Arn = (type: string, id: string) => `arn:aws:ec2:${app.region}:${app.account}:${type}/${id}`;
const launch = app.functionRole(synth.stacks.training.retrain.functions.launch);
const launchTemplate = app.launchTemplate(launch.environment.TRAINER_LAUNCH_TEMPLATE_ID!)!;

describe('MSK event source mapping (runs with each sink role)', () => {
  const [cluster] = app.resourcesOfType('AWS::MSK::ServerlessCluster');
  const network = cluster!.props.VpcConfigs[0] as { SubnetIds: string[]; SecurityGroups: string[] };
  const clusterArn = app.resolve(cluster!.stack, { 'Fn::GetAtt': [cluster!.logicalId, 'Arn'] }) as string;

  it.each(TOPIC_NAMES)('the %s sink role lets the mapping create its ENIs in the cluster subnets, describe the network and the cluster', async (topic) => {
    const role = app.functionRole(synth.stacks.ingest.sinks.get(topic)!);
    const requests: Omit<IamRequest, 'context'>[] = [
      ...[ec2Arn('network-interface', 'eni-0a1b2c3d'), ...network.SubnetIds.map((s) => ec2Arn('subnet', s)), ...network.SecurityGroups.map((g) => ec2Arn('security-group', g))].map((resource) => ({ action: 'ec2:CreateNetworkInterface', resource })),
      { action: 'ec2:DeleteNetworkInterface', resource: ec2Arn('network-interface', 'eni-0a1b2c3d') },
      ...['DescribeNetworkInterfaces', 'DescribeVpcs', 'DescribeSubnets', 'DescribeSecurityGroups'].map((a) => ({ action: `ec2:${a}`, resource: '*' })),
      ...['DescribeCluster', 'DescribeClusterV2'].map((a) => ({ action: `kafka:${a}`, resource: clusterArn })),
      { action: 'kafka:GetBootstrapBrokers', resource: '*' },
    ];
    for (const r of requests) expect(await decide(role, r), `${r.action} on ${r.resource}`).toBe('Allowed');
    // Creation is pinned to the cluster's subnets and group, not any subnet of the account.
    expect(await decide(role, { action: 'ec2:CreateNetworkInterface', resource: ec2Arn('subnet', 'subnet-elsewhere') })).not.toBe('Allowed');
  });
});

describe('Kafka clients outside the mapping (producers, the topic custom resource)', () => {
  it('may look up the bootstrap brokers, which IAM authorizes only on "*"', async () => {
    const clients = [...synth.stacks.ingest.producers.values(), synth.stacks.streaming.topics.handler].map((fn) => app.functionRole(fn));
    expect(clients).toHaveLength(5);
    for (const role of clients) expect(await decide(role, { action: 'kafka:GetBootstrapBrokers', resource: '*' }), role.handler).toBe('Allowed');
  });
});

describe('EC2 launcher (retrain launch task)', () => {
  it('may have EC2 use the data key for the encrypted root volume, only through EC2 and only for a grant to an AWS resource', async () => {
    expect(launchTemplate.volumeKeys).toHaveLength(1);
    const key = launchTemplate.volumeKeys[0]!;
    const viaEc2 = { 'kms:ViaService': `ec2.${app.region}.amazonaws.com` };
    expect(await decide(launch, { action: 'kms:CreateGrant', resource: key, context: { ...viaEc2, 'kms:GrantIsForAWSResource': 'true' } })).toBe('Allowed');
    for (const action of ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']) {
      expect(await decide(launch, { action, resource: key, context: viaEc2 }), action).toBe('Allowed');
    }
    expect(await decide(launch, { action: 'kms:CreateGrant', resource: key, context: { ...viaEc2, 'kms:GrantIsForAWSResource': 'false' } })).not.toBe('Allowed');
    expect(await decide(launch, { action: 'kms:CreateGrant', resource: key, context: { 'kms:ViaService': `s3.${app.region}.amazonaws.com`, 'kms:GrantIsForAWSResource': 'true' } })).not.toBe('Allowed');
  });

  it('the data key policy lets the account\'s IAM policies grant its use (the root principal holds kms:*)', () => {
    const policy = app.keyPolicy(launchTemplate.volumeKeys[0]!)!;
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${app.account}:root` }, Action: 'kms:*', Resource: '*' }));
  });

  it('may create exactly the spot service-linked role', async () => {
    const role = `arn:aws:iam::${app.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    expect(await decide(launch, { action: 'iam:CreateServiceLinkedRole', resource: role, context: { 'iam:AWSServiceName': 'spot.amazonaws.com' } })).toBe('Allowed');
    expect(await decide(launch, { action: 'iam:CreateServiceLinkedRole', resource: role, context: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } })).not.toBe('Allowed');
    expect(await decide(launch, { action: 'iam:CreateServiceLinkedRole', resource: `arn:aws:iam::${app.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, context: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } })).not.toBe('Allowed');
  });

  it('iam:PassRole appears only on the launcher, only for the trainer instance role of the launch template', async () => {
    expect(launchTemplate.instanceRoleArns).toHaveLength(1);
    const trainerRole = launchTemplate.instanceRoleArns[0]!;
    const passRole = app.resourcesOfType('AWS::IAM::Policy').flatMap((p) =>
      (p.props.PolicyDocument.Statement as { Action: string | string[]; Resource: string | string[] }[])
        .filter((s) => [s.Action].flat().some((a) => a === 'iam:PassRole' || a === 'iam:*'))
        .map((s) => ({ policy: `${p.stack}/${p.logicalId}`, resources: [s.Resource].flat() })),
    );
    expect(passRole).toEqual([{ policy: expect.stringMatching(/RetrainLaunchTaskRoleDefaultPolicy/), resources: [trainerRole] }]);
    expect(await decide(launch, { action: 'iam:PassRole', resource: trainerRole, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } })).toBe('Allowed');
    expect(await decide(launch, { action: 'iam:PassRole', resource: launch.roleArn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } })).not.toBe('Allowed');
  });
});

describe('SageMaker backend (experimental)', () => {
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/signalforge-trainer:1';

  it('fails synth with a clear error when no trainer image is configured', () => {
    expect(() => deployedApp({ training: { backend: 'sagemaker' } })).toThrow(/training\.backend 'sagemaker' is experimental and needs training\.sagemakerImageUri/);
  });

  it('lets the execution role create job ENIs in the trainer subnets and use the volume key; the launcher may pass only that role', async () => {
    const sm = deployedApp({ training: { backend: 'sagemaker', sagemakerImageUri: image } });
    const execution = sm.app.role(sm.synth.stacks.training.sagemaker.role);
    const smLaunch = sm.app.functionRole(sm.synth.stacks.training.retrain.functions.launch);
    const subnets = smLaunch.environment.TRAINER_SUBNET_IDS!.split(',');
    const group = smLaunch.environment.TRAINER_SECURITY_GROUP_IDS!;
    const at = (type: string, id: string) => `arn:aws:ec2:${sm.app.region}:${sm.app.account}:${type}/${id}`;
    const decideSm = (request: Omit<IamRequest, 'context'> & { context?: IamRequest['context'] }) => simulateRequest(sm.app, execution, { context: {}, ...request });
    const requests: (Omit<IamRequest, 'context'> & { context?: IamRequest['context'] })[] = [
      ...[at('network-interface', 'eni-1'), ...subnets.map((s) => at('subnet', s)), at('security-group', group)].map((resource) => ({ action: 'ec2:CreateNetworkInterface', resource })),
      ...['CreateNetworkInterfacePermission', 'DeleteNetworkInterface', 'DeleteNetworkInterfacePermission'].map((a) => ({ action: `ec2:${a}`, resource: at('network-interface', 'eni-1') })),
      ...['DescribeNetworkInterfaces', 'DescribeVpcs', 'DescribeDhcpOptions', 'DescribeSubnets', 'DescribeSecurityGroups'].map((a) => ({ action: `ec2:${a}`, resource: '*' })),
    ];
    const key = JSON.parse(smLaunch.environment.SAGEMAKER_SETTINGS_JSON!).volumeKmsKeyId as string;
    requests.push({ action: 'kms:CreateGrant', resource: key, context: { 'kms:GrantIsForAWSResource': 'true' } });
    for (const action of ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']) requests.push({ action, resource: key });
    for (const r of requests) expect(await decideSm(r), `${r.action} on ${r.resource}`).toBe('Allowed');
    expect(await decideSm({ action: 'ec2:CreateNetworkInterface', resource: at('subnet', 'subnet-elsewhere') })).not.toBe('Allowed');
    expect(await decideSm({ action: 'kms:CreateGrant', resource: key, context: { 'kms:GrantIsForAWSResource': 'false' } })).not.toBe('Allowed');
    expect(await simulateRequest(sm.app, smLaunch, { action: 'iam:PassRole', resource: execution.roleArn, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).toBe('Allowed');
    expect(await simulateRequest(sm.app, smLaunch, { action: 'iam:PassRole', resource: smLaunch.roleArn, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).not.toBe('Allowed');
  });
});
