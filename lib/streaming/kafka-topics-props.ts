import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { KafkaCluster } from './kafka-cluster.js';

export interface KafkaTopicsProps {
  readonly cluster: KafkaCluster;
  /** `config.kafka.topics`: name -> partitions, replication factor, retention. */
  readonly topics: SignalForgeConfig['kafka']['topics'];
  /** Whole config, bundled with the handler so it builds the same kafkajs client. */
  readonly config: SignalForgeConfig;
  /** Delete the topics when the resource is removed from the stack. Updates never delete. @default true */
  readonly deleteTopicsOnRemoval?: boolean;
  readonly logKey?: IKey;
}
