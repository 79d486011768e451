import type { StackProps } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface StreamingStackProps extends StackProps {
  readonly config: SignalForgeConfig;
  readonly vpc: IVpc;
  /** Isolated subnets for the brokers. */
  readonly subnets: SubnetSelection;
  readonly dataKey: IKey;
  readonly logKey: IKey;
}
