import { CustomResource, Duration } from 'aws-cdk-lib';
import { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import type { KafkaTopicsProps } from './kafka-topics-props.js';

export type { KafkaTopicsProps } from './kafka-topics-props.js';

/**
 * The Kafka topics from config, kept by a custom resource Lambda (lambdas/topics/topics.handler.ts)
 * that uses the kafkajs admin client over MSK IAM. Create and Update only create topics and add
 * partitions; Delete removes the declared topics and is idempotent.
 */
export class KafkaTopics extends Construct {
  readonly resource: CustomResource;
  readonly handler: SignalForgeFunction;
  readonly topicNames: string[];

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    const { cluster } = props;
    this.topicNames = Object.keys(props.topics);
    const clientSg = new SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: cluster.vpc,
      description: 'Kafka topic custom resource: reaches the MSK IAM listener and AWS endpoints',
      allowAllOutbound: true,
    });
    this.handler = new SignalForgeFunction(this, 'TopicsHandler', {
      entry: 'lambdas/topics/topics.handler.ts',
      description: 'CloudFormation custom resource: create / grow / delete Kafka topics',
      timeout: Duration.minutes(5),
      vpc: cluster.vpc,
      vpcSubnets: cluster.subnets,
      securityGroups: [clientSg],
      logKey: props.logKey,
      config: props.config,
    });
    const brokerAccess = cluster.allowFrom(this.handler, 'topic custom resource');
    cluster.grantTopicAdmin(this.handler, this.topicNames);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.functionArn,
      resourceType: 'Custom::KafkaTopics',
      properties: {
        ClusterArn: cluster.clusterArn,
        DeleteTopicsOnRemoval: String(props.deleteTopicsOnRemoval ?? true),
        Topics: Object.entries(props.topics).map(([name, t]) => ({
          name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
          retentionHours: t.retentionHours,
        })),
      },
    });
    // A stack delete must keep the handler's way to the brokers until the topics' Delete has run;
    // without the dependency CloudFormation may remove the rule first and the Delete hangs to its timeout.
    if (brokerAccess.length === 0)
      throw new Error('KafkaTopics: no ingress rule lets the topic handler reach the brokers');
    this.resource.node.addDependency(...brokerAccess);
  }
}
