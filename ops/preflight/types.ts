import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SignalForgeConfig } from '../../core/config/index.js';

/**
 * `fail`: the deploy or the first retrain will break; the command exits non-zero.
 * `warn`: works, but degraded or fixable later (the fix is printed). `skip`: not used by this config.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `cdk-bootstrap`; the key in `--json` output. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do, with the exact command where there is one; absent on pass and skip. */
  fix?: string;
}

/** One client per service the checks read; all in the target region (IAM is global). */
export interface PreflightClients {
  region: string;
  sts: STSClient;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  iam: IAMClient;
  serviceQuotas: ServiceQuotasClient;
  kafka: KafkaClient;
  secretsManager: SecretsManagerClient;
}

/** What every check may need beyond the clients: the account the credentials belong to (for fix commands). */
export interface PreflightContext {
  account: string;
}

export type PreflightCheck = (
  clients: PreflightClients,
  config: SignalForgeConfig,
  context: PreflightContext,
) => Promise<CheckResult>;

/** SDK errors carry the service's error code as `name`. */
export function errorName(err: unknown): string {
  return (err as { name?: string }).name ?? 'Error';
}
