import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KafkaCluster } from './kafka-cluster.js';
import { KafkaTopics } from './kafka-topics.js';
import type { StreamingStackProps } from './streaming-stack-props.js';

export type { StreamingStackProps } from './streaming-stack-props.js';

/** The MSK cluster and its topics. */
export class StreamingStack extends Stack {
  readonly cluster: KafkaCluster;
  readonly topics: KafkaTopics;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.cluster = new KafkaCluster(this, 'Kafka', {
      kafka: config.kafka,
      clusterName: `signalforge-${config.envName}`,
      vpc: props.vpc,
      subnets: props.subnets,
      encryptionKey: props.dataKey,
      logKey: props.logKey,
    });
    this.topics = new KafkaTopics(this, 'Topics', {
      cluster: this.cluster,
      topics: config.kafka.topics,
      config,
      logKey: props.logKey,
    });
  }
}
