import type { StackProps } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { KafkaCluster } from '../streaming/kafka-cluster.js';

export interface IngestStackProps extends StackProps {
  /** Schedules, batch size, batching window, starting position and prefixes come from here. */
  readonly config: SignalForgeConfig;
  readonly cluster: KafkaCluster;
  readonly vpc: IVpc;
  /** Subnets with NAT egress: producers call external data vendors and reach MSK. */
  readonly producerSubnets: SubnetSelection;
  readonly dataKey: IKey;
  readonly logKey: IKey;
  /**
   * Provisioned pollers per sink mapping. Kafka event source mappings honour retry limits,
   * bisect-on-error and ReportBatchItemFailures only in provisioned mode.
   * @default { minimumPollers: 1, maximumPollers: <partitions of the topic> }
   */
  readonly pollers?: { minimumPollers: number; maximumPollers?: number };
}
