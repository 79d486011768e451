import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClient } from '../../../core/aws/clients.js';
import type { SecretResolver } from './adapter.js';

/** Secrets Manager resolver with a per-container cache (secrets rotate rarely; a cold start refreshes). */
export function secretsManagerResolver(client = awsClient(SecretsManagerClient)): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  return (secretId) => {
    let value = cache.get(secretId);
    if (!value) {
      value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((r) => {
        if (!r.SecretString) throw new Error(`secret ${secretId} has no string value`);
        return r.SecretString;
      });
      value.catch(() => cache.delete(secretId));
      cache.set(secretId, value);
    }
    return value;
  };
}
