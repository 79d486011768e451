import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import { secretsManagerResolver } from '../../../lambdas/ingest/sources/secrets.js';
import { PRODUCER_SOURCES } from '../../../lib/runtime-environment.js';
import {
  asHandler,
  checkRecordedCalls,
  deployedApp,
  expectCallsAllowed,
  recordedCalls,
} from '../../support/iam/index.js';

const config = loadConfig({ env: {} });
const secretIds = {
  'market-data': config.sources!.marketData.apiKeySecretId,
  news: config.sources!.news.apiKeySecretId,
  social: config.sources!.social.credentialsSecretId,
} as Record<string, string | undefined>;

/**
 * The producers' AWS calls: each reads its vendor credentials from Secrets Manager (the resolver its
 * handler builds) as its own function. Their other calls cannot run on moto, which has no
 * GetBootstrapBrokers and no MSK data plane; those are simulated on the template in
 * test/static/infra/service-side-iam.test.ts.
 */
describe('producers run under their deployed IAM policies', () => {
  const { synth, app } = deployedApp();
  const roles = PRODUCER_SOURCES.map((p) => ({
    source: p.source,
    role: app.functionRole(synth.stacks.ingest.producers.get(p.source)!),
  }));
  const withSecret = roles.filter((r) => secretIds[r.source]);

  beforeAll(async () => {
    const sm = new SecretsManagerClient(awsClientConfig());
    for (const id of Object.values(secretIds)) {
      // moto is shared by the run's test files: the secret may already be there.
      await sm
        .send(new CreateSecretCommand({ Name: id, SecretString: JSON.stringify({ key: `value-of-${id}` }) }))
        .catch((err: Error) => {
          if (err.name !== 'ResourceExistsException') throw err;
        });
    }
  });

  it('each producer with a vendor secret reads it through its own resolver', async () => {
    expect(withSecret.map((r) => r.source).sort()).toEqual(['market-data', 'news', 'social']);
    for (const { source, role } of withSecret) {
      const value = await asHandler(role.handler, () =>
        secretsManagerResolver(new SecretsManagerClient(awsClientConfig()))(secretIds[source]!),
      );
      expect(JSON.parse(value)).toEqual({ key: `value-of-${secretIds[source]}` });
    }
  });

  it("every secret read is allowed by that producer's role (and only its own secret)", async () => {
    await expectCallsAllowed(
      app,
      withSecret.map((r) => r.role),
    );
    const market = withSecret.find((r) => r.source === 'market-data')!.role;
    // The same harness denies a producer another source's secret, so the check above is not vacuous.
    await asHandler(market.handler, () =>
      secretsManagerResolver(new SecretsManagerClient(awsClientConfig()))(secretIds.news!),
    );
    const { failures } = await checkRecordedCalls({ app, roles: [market], calls: recordedCalls() });
    expect(failures.map((f) => `${f.request.action} ${f.request.resource}`)).toEqual([
      `secretsmanager:GetSecretValue arn:aws:secretsmanager:${app.region}:${app.account}:secret:${secretIds.news}-AbCdEf`,
    ]);
  });
});
