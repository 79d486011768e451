import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface SpotTrainerProps {
  /** instanceTypes (ordered fallbacks; the first goes into the template), gpusPerInstance. */
  readonly training: SignalForgeConfig['training'];
  readonly envName: string;
  readonly region: string;
  readonly vpc: IVpc;
  /** Private subnets with NAT egress (Node.js and npm downloads). */
  readonly subnets: SubnetSelection;
  /** Key of the lake and artifact buckets; also encrypts the root volume. */
  readonly dataKey: IKey;
  /** Lake prefix the trainer reads (config.ingest.lakePrefix). */
  readonly lakePrefix: string;
  /**
   * Public SSM parameter with the GPU AMI id.
   * @default the Deep Learning Base GPU AMI (Amazon Linux 2023); see docs/INFRA.md for P3 (Volta) driver notes
   */
  readonly amiParameterName?: string;
  /** Root volume size. @default 200 */
  readonly rootVolumeGiB?: number;
}
