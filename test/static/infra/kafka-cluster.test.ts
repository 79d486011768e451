import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { KafkaCluster, MSK_IAM_PORT } from '../../../lib/streaming/kafka-cluster.js';
import { KafkaTopics } from '../../../lib/streaming/kafka-topics.js';
import type { CfnProperties } from './template-helpers.js';

/** The construct alone in a bare stack (no Lambda bundling), so each variant synthesizes in well under a second. */
function clusterStack(cluster: 'serverless' | 'provisioned', options: { nag?: boolean } = {}) {
  const app = new App();
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Kafka', { env: { region: 'us-east-1', account: '111111111111' } });
  const vpc = new Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED }],
  });
  const config = loadConfig({ env: {}, overrides: { kafka: { cluster } } });
  const kafka = new KafkaCluster(stack, 'Cluster', {
    kafka: config.kafka,
    clusterName: 'sf-test',
    vpc,
    subnets: { subnetGroupName: 'data' },
    encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
  });
  const consumer = new Role(stack, 'Consumer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  kafka.grantConsume(consumer, 'market-data', 'sf-test-sink-market-data');
  const producer = new Role(stack, 'Producer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  kafka.grantProduce(producer, ['news']);
  // Template.fromStack synthesizes the app, so the nag variant leaves that to the caller.
  return { app, stack, template: options.nag ? undefined : Template.fromStack(stack) };
}

const policyOf = (template: Template | undefined, rolePrefix: string) => {
  if (!template) throw new Error('no template');
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(rolePrefix))
    .flatMap(([, p]) => (p as { Properties: CfnProperties }).Properties.PolicyDocument.Statement);
};

describe('KafkaCluster', () => {
  it('provisioned MSK uses IAM auth only, TLS in transit, the KMS key at rest and broker logs', () => {
    const { template } = clusterStack('provisioned');
    template!.hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: Match.anyValue() },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: Match.anyValue() } } },
      NumberOfBrokerNodes: 2,
    });
    template!.resourceCountIs('AWS::MSK::ServerlessCluster', 0);
  });

  it('grantConsume scopes the data-plane actions to the topic and the consumer group', () => {
    const { template } = clusterStack('serverless');
    const statements = policyOf(template, 'ConsumerDefaultPolicy');
    const byAction = (action: string) => statements.find((s) => [s.Action].flat().includes(action));
    expect(JSON.stringify(byAction('kafka-cluster:ReadData')!.Resource)).toMatch(/topic\/sf-test\/.*market-data/);
    expect(JSON.stringify(byAction('kafka-cluster:AlterGroup')!.Resource)).toMatch(
      /group\/sf-test\/.*sf-test-sink-market-data/,
    );
    for (const a of [
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka-cluster:DescribeGroup',
      'kafka-cluster:DescribeTopic',
      'kafka:GetBootstrapBrokers',
    ])
      expect(byAction(a), a).toBeDefined();
    const produce = policyOf(template, 'ProducerDefaultPolicy');
    expect(produce.some((s) => [s.Action].flat().includes('kafka-cluster:WriteData'))).toBe(true);
    expect(produce.some((s) => [s.Action].flat().includes('kafka-cluster:ReadData'))).toBe(false);
  });

  it('passes cdk-nag AwsSolutions for both cluster kinds without any acknowledgement', () => {
    for (const kind of ['serverless', 'provisioned'] as const) {
      const { app } = clusterStack(kind, { nag: true });
      const mskErrors = () => {
        try {
          app.synth();
          return '';
        } catch (err) {
          return String((err as Error).message);
        }
      };
      // Only findings on the cluster and its security group count here; the test VPC's own are not ours.
      const report = mskErrors();
      // The bare test VPC has no flow logs, so nag must have reported VPC7: proof that it ran.
      expect(report).toMatch(/AwsSolutions-VPC7/);
      expect(
        report.split('\n').filter((l) => /Kafka\/Cluster\//.test(l)),
        kind,
      ).toEqual([]);
    }
  });
});

describe('KafkaTopics', () => {
  it('keeps the handler-to-broker ingress rule until the topics custom resource is deleted (DependsOn)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Streaming', { env: { region: 'us-east-1', account: '111111111111' } });
    const vpc = new Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED }],
    });
    const config = loadConfig({ env: {} });
    const cluster = new KafkaCluster(stack, 'Cluster', {
      kafka: config.kafka,
      clusterName: 'sf-test',
      vpc,
      subnets: { subnetGroupName: 'data' },
    });
    new KafkaTopics(stack, 'Topics', { cluster, topics: config.kafka.topics, config });
    const template = Template.fromStack(stack);
    const handlerSg = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(([id]) =>
      id.startsWith('TopicsClientSecurityGroup'),
    )![0];
    const brokerSg = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(([id]) =>
      id.startsWith('ClusterBrokerSecurityGroup'),
    )![0];
    const rules = Object.entries(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: {
          GroupId: { 'Fn::GetAtt': [brokerSg, 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': [handlerSg, 'GroupId'] },
          FromPort: MSK_IAM_PORT,
        },
      }),
    );
    expect(rules.length).toBe(1);
    const [topics] = Object.values(template.findResources('Custom::KafkaTopics')) as { DependsOn?: string[] }[];
    expect(topics!.DependsOn).toContain(rules[0]![0]);
  });
});
