import type { StackProps } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface TrainingStackProps extends StackProps {
  /** training.* (instance types, backend, limits) and schedules.retrain. */
  readonly config: SignalForgeConfig;
  readonly vpc: IVpc;
  /** Subnets with NAT egress for trainers. */
  readonly trainerSubnets: SubnetSelection;
  readonly dataKey: IKey;
  readonly logKey: IKey;
  /** Run summaries and failures of the retrain state machine. */
  readonly alertTopic: ITopic;
  /** @see SpotTrainerProps.amiParameterName */
  readonly amiParameterName?: string;
}
