import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnSecurityGroupIngress, Peer, Port, SecurityGroup, type IConnectable } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnCluster, CfnServerlessCluster } from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';
import type { KafkaClusterProps } from './kafka-cluster-props.js';

export type { KafkaClusterProps } from './kafka-cluster-props.js';

/** Port of the SASL/IAM listener on MSK brokers. */
export const MSK_IAM_PORT = 9098;

/**
 * MSK with IAM client authentication: Serverless by default, provisioned when
 * `config.kafka.cluster === 'provisioned'`. Access is granted per topic and consumer group with the
 * `grant*` methods, which build kafka-cluster ARNs from the cluster ARN so no policy uses wildcards
 * across clusters.
 */
export class KafkaCluster extends Construct {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly securityGroup: SecurityGroup;
  readonly serverless: boolean;
  readonly vpc: KafkaClusterProps['vpc'];
  /** Subnets the brokers (and the event source mapping pollers) live in; clients go here too. */
  readonly subnets: KafkaClusterProps['subnets'];
  private readonly clusterUuid: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    this.vpc = props.vpc;
    this.subnets = props.subnets;
    this.serverless = props.kafka.cluster === 'serverless';
    this.securityGroup = new SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: props.vpc,
      description: `MSK ${props.clusterName}: IAM listener for SignalForge clients and the Lambda event source mapping`,
      allowAllOutbound: false,
    });
    // The event source mapping's pollers run with the cluster's own security group.
    this.securityGroup.addIngressRule(this.securityGroup, Port.tcp(MSK_IAM_PORT), 'event source mapping pollers');
    this.securityGroup.addEgressRule(this.securityGroup, Port.tcp(MSK_IAM_PORT), 'pollers to brokers');
    this.securityGroup.addEgressRule(
      Peer.ipv4(props.vpc.vpcCidrBlock),
      Port.tcp(443),
      'pollers to the Lambda and STS endpoints',
    );
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;

    if (this.serverless) {
      const cluster = new CfnServerlessCluster(this, 'Serverless', {
        clusterName: props.clusterName,
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
      });
      this.clusterArn = cluster.attrArn;
    } else {
      const p = props.kafka.provisioned;
      const brokerLogs = new LogGroup(this, 'BrokerLogs', {
        retention: RetentionDays.ONE_MONTH,
        encryptionKey: props.logKey,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const cluster = new CfnCluster(this, 'Provisioned', {
        clusterName: props.clusterName,
        kafkaVersion: p.kafkaVersion,
        numberOfBrokerNodes: p.brokersPerAz * subnetIds.length,
        brokerNodeGroupInfo: {
          instanceType: p.brokerInstanceType,
          clientSubnets: subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
          storageInfo: { ebsStorageInfo: { volumeSize: p.volumeSizeGiB } },
        },
        clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
        encryptionInfo: {
          encryptionAtRest: props.encryptionKey ? { dataVolumeKmsKeyId: props.encryptionKey.keyArn } : undefined,
          encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        },
        enhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
        loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      });
      this.clusterArn = cluster.attrArn;
    }
    // arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>
    this.clusterUuid = Fn.select(2, Fn.split('/', this.clusterArn));
  }

  private arnFor(kind: 'topic' | 'group', name: string): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:kafka:${stack.region}:${stack.account}:${kind}/${this.clusterName}/${this.clusterUuid}/${name}`;
  }

  /** ARN of a topic in this cluster, for IAM and for the event source mapping. */
  topicArn(topic: string): string {
    return this.arnFor('topic', topic);
  }

  /**
   * Let a client's security group reach the IAM listener. Returns the ingress rules, for resources
   * that must not outlive them (a custom resource whose Delete talks to the brokers).
   */
  allowFrom(client: IConnectable, description: string): CfnSecurityGroupIngress[] {
    // Called from the client's side so CDK places the ingress rule in the client's stack, which
    // already depends on this one; the other way round would make the stacks depend on each other.
    client.connections.allowTo(this.securityGroup, Port.tcp(MSK_IAM_PORT), description);
    // CDK does not hand the rules back; they are children of one of the two groups (which one
    // depends on the stacks), and are recognised by what they allow.
    const clientGroups = new Set(client.connections.securityGroups.map((sg) => sg.securityGroupId));
    return [this.securityGroup, ...client.connections.securityGroups]
      .flatMap((sg) => sg.node.children)
      .filter((c): c is CfnSecurityGroupIngress => c instanceof CfnSecurityGroupIngress)
      .filter(
        (r) =>
          r.groupId === this.securityGroup.securityGroupId &&
          clientGroups.has(r.sourceSecurityGroupId ?? '') &&
          r.fromPort === MSK_IAM_PORT,
      );
  }

  private grantCluster(grantee: IGrantable, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.clusterArn] }));
  }

  /** Bootstrap-broker lookup (control plane) for clients that resolve brokers from the cluster ARN. */
  grantBootstrap(grantee: IGrantable): void {
    this.grantCluster(grantee, ['kafka:DescribeCluster', 'kafka:DescribeClusterV2']);
    // GetBootstrapBrokers has no resource-level permissions (service authorization reference): on the
    // cluster ARN it is never allowed, so producers, the topic resource and the mapping could not start.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: ['*'] }),
    );
  }

  /** Produce to `topics`, idempotently (kafkajs idempotent producers need WriteDataIdempotently). */
  grantProduce(grantee: IGrantable, topics: string[]): void {
    this.grantBootstrap(grantee);
    this.grantCluster(grantee, ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently']);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: topics.map((t) => this.topicArn(t)),
      }),
    );
  }

  /**
   * Consume `topic` as consumer group `groupId` through a Lambda event source mapping. Grants both the
   * control-plane calls the mapping makes and the data-plane permissions that ManagedKafkaEventSource
   * leaves out (Connect, DescribeGroup, AlterGroup, DescribeTopic, ReadData,
   * DescribeClusterDynamicConfiguration).
   */
  grantConsume(grantee: IGrantable, topic: string, groupId: string): void {
    this.grantBootstrap(grantee);
    this.grantCluster(grantee, ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration']);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: [this.topicArn(topic)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: [this.arnFor('group', groupId)],
      }),
    );
    this.grantMappingNetwork(grantee);
  }

  /**
   * The event source mapping's pollers reach the brokers through ENIs that Lambda creates in the
   * cluster's subnets with the cluster's security group, using the function's role (the actions of
   * AWSLambdaMSKExecutionRole). Creation is pinned to those subnets and that group; the Describe
   * calls have no resource-level permissions, and ENI ids are only known once created.
   */
  private grantMappingNetwork(grantee: IGrantable): void {
    const stack = Stack.of(this);
    const p = grantee.grantPrincipal;
    const eni = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:network-interface/*`;
    const subnets = this.vpc
      .selectSubnets(this.subnets)
      .subnetIds.map((id) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:subnet/${id}`);
    const group = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:security-group/${this.securityGroup.securityGroupId}`;
    p.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: [eni, ...subnets, group] }),
    );
    p.addToPrincipalPolicy(new PolicyStatement({ actions: ['ec2:DeleteNetworkInterface'], resources: [eni] }));
    p.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    acknowledgeWildcardResources(
      grantee,
      [eni],
      `The MSK event source mapping creates and deletes its poller ENIs with this role; their ids exist only after creation. Creation is limited to the cluster ${this.clusterName} subnets and security group in the same statement.`,
    );
  }

  /** Create, grow and delete `topics` (the topic custom resource). */
  grantTopicAdmin(grantee: IGrantable, topics: string[]): void {
    this.grantBootstrap(grantee);
    this.grantCluster(grantee, ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster']);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'kafka-cluster:CreateTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:AlterTopic',
          'kafka-cluster:DeleteTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
          'kafka-cluster:AlterTopicDynamicConfiguration',
        ],
        resources: topics.map((t) => this.topicArn(t)),
      }),
    );
  }
}
