import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { errorName, type PreflightCheck, type PreflightClients } from '../types.js';

/** The check's row in the report. */
export const VENDOR_SECRETS = { id: 'vendor-secrets', title: 'Vendor secrets' } as const;
const { id, title } = VENDOR_SECRETS;

interface SecretNeed {
  secretId: string;
  /** What the producer expects in SecretString. */
  shape: string;
}

/** Metadata only (DescribeSecret): a value is never read. */
async function problem(
  clients: PreflightClients,
  need: SecretNeed,
): Promise<{ issue: string; fix: string } | undefined> {
  const r = clients.region;
  try {
    const secret = await clients.secretsManager.send(new DescribeSecretCommand({ SecretId: need.secretId }));
    if (secret.DeletedDate)
      return {
        issue: `${need.secretId} is scheduled for deletion`,
        fix: `aws secretsmanager restore-secret --secret-id ${need.secretId} --region ${r}`,
      };
    const current = Object.values(secret.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSCURRENT'));
    if (!current)
      return {
        issue: `${need.secretId} has no current value`,
        fix: `aws secretsmanager put-secret-value --secret-id ${need.secretId} --secret-string '${need.shape}' --region ${r}`,
      };
    return undefined;
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    return {
      issue: `${need.secretId} is missing`,
      fix: `aws secretsmanager create-secret --name ${need.secretId} --secret-string '${need.shape}' --region ${r}`,
    };
  }
}

/** The Secrets Manager entries the producers read (config.sources.*); without them every scheduled poll fails. */
export const checkVendorSecrets: PreflightCheck = async (clients, config) => {
  const { sources } = config;
  if (!sources) return { id, title, status: 'skip', detail: 'config.sources is not set (no vendor producers)' };
  const needs: SecretNeed[] = [
    { secretId: sources.marketData.apiKeySecretId, shape: '<polygon api key>' },
    { secretId: sources.news.apiKeySecretId, shape: '<newsapi key>' },
    {
      secretId: sources.social.credentialsSecretId,
      shape: '{"clientId":"<reddit client id>","clientSecret":"<reddit client secret>"}',
    },
  ];
  const problems = (await Promise.all(needs.map((n) => problem(clients, n)))).filter((p) => p !== undefined);
  if (problems.length === 0)
    return {
      id,
      title,
      status: 'pass',
      detail: `${needs.map((n) => n.secretId).join(', ')} exist with a current value`,
    };
  return {
    id,
    title,
    status: 'fail',
    detail: problems.map((p) => p.issue).join('; '),
    fix: problems.map((p) => p.fix).join('\n'),
  };
};
