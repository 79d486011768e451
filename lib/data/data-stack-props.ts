import type { StackProps } from 'aws-cdk-lib';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface DataStackProps extends StackProps {
  /** Validated SignalForge config; names, prefixes and retention come from it. */
  readonly config: SignalForgeConfig;
  /** NAT gateways for the trainer subnets. @default 1 */
  readonly natGateways?: number;
}
