import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { awsClientConfig } from '../../core/aws/clients.js';
import type { PreflightClients } from './types.js';

/** Clients for `region` (not the shell's AWS_REGION), honouring AWS_ENDPOINT_URL like the rest of the project. */
export function createPreflightClients(region: string, env: NodeJS.ProcessEnv = process.env): PreflightClients {
  // Two attempts: a throttled read is retried once, a wrong region or endpoint fails fast.
  const settings = { ...awsClientConfig(env), region, maxAttempts: 2 };
  return {
    region,
    sts: new STSClient(settings),
    cloudFormation: new CloudFormationClient(settings),
    ssm: new SSMClient(settings),
    iam: new IAMClient(settings),
    serviceQuotas: new ServiceQuotasClient(settings),
    kafka: new KafkaClient(settings),
    secretsManager: new SecretsManagerClient(settings),
  };
}
