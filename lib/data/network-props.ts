import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface NetworkProps {
  /** @default 2 (MSK Serverless needs subnets in at least two AZs) */
  readonly maxAzs?: number;
  /**
   * NAT gateways for the `compute` subnets, where GPU trainers fetch Node.js and npm packages.
   * Lambdas and MSK sit in isolated subnets and reach AWS only through VPC endpoints.
   * @default 1
   */
  readonly natGateways?: number;
  /** Key for the VPC flow log group. */
  readonly logKey: IKey;
}
