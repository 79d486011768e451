import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface KafkaClusterProps {
  /** `config.kafka`: `cluster` picks MSK Serverless (default) or provisioned MSK; `provisioned` sizes the latter. */
  readonly kafka: SignalForgeConfig['kafka'];
  /** Cluster name; also part of every topic and group ARN. */
  readonly clusterName: string;
  readonly vpc: IVpc;
  /** Subnets in at least two AZs. */
  readonly subnets: SubnetSelection;
  /** Provisioned MSK only: key for data at rest (Serverless always encrypts with an AWS key). */
  readonly encryptionKey?: IKey;
  /** Provisioned MSK only: key for the broker log group. */
  readonly logKey?: IKey;
}

/** Security group of a client that talks to the brokers. */
export interface KafkaClient {
  readonly connections: { readonly securityGroups: ISecurityGroup[] };
}
