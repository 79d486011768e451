import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface SageMakerTrainingProps {
  /** instanceTypes (as ml.<type>), maxRunHours, sagemakerImageUri. */
  readonly training: SignalForgeConfig['training'];
  readonly envName: string;
  readonly dataKey: IKey;
  readonly lakePrefix: string;
  /** Where training jobs run (the launcher's VpcConfig): their ENIs may be created only there. */
  readonly network: { readonly subnetIds: string[]; readonly securityGroupId: string };
}
