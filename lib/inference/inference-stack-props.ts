import type { StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface InferenceStackProps extends StackProps {
  /** inference.* (limits, throttling, provisioned concurrency) and schedules.batchInference / driftCheck. */
  readonly config: SignalForgeConfig;
  readonly dataKey: IKey;
  readonly logKey: IKey;
  /** Started by the drift check when PSI crosses config.thresholds.driftPsi. */
  readonly retrainStateMachine: IStateMachine;
}
