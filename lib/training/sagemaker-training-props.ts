import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface SageMakerTrainingProps {
  /** instanceTypes (as ml.<type>), maxRunHours, sagemakerImageUri. */
  readonly training: SignalForgeConfig['training'];
  readonly envName: string;
  readonly dataKey: IKey;
  readonly lakePrefix: string;
}
