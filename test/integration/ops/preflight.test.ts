import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig } from '../../../core/config/index.js';
import { checkCdkBootstrap } from '../../../ops/preflight/checks/cdk-bootstrap.js';
import { checkConfigRegion } from '../../../ops/preflight/checks/config-region.js';
import { checkGpuAmi } from '../../../ops/preflight/checks/gpu-ami.js';
import { checkMskServerless } from '../../../ops/preflight/checks/msk-serverless.js';
import { checkSpotQuotas } from '../../../ops/preflight/checks/spot-quotas.js';
import { checkSpotServiceLinkedRole } from '../../../ops/preflight/checks/spot-service-linked-role.js';
import { checkVendorSecrets } from '../../../ops/preflight/checks/vendor-secrets.js';
import { bootstrapRequirement } from '../../../ops/preflight/bootstrap-requirement.js';
import { runPreflightCli } from '../../../ops/preflight/cli.js';
import { runPreflight, type PreflightReport } from '../../../ops/preflight/runner.js';
import type { PreflightClients } from '../../../ops/preflight/types.js';
import {
  bootstrapAtVersion,
  bootstrapWithCdkTemplate,
  createSecret,
  createSpotServiceLinkedRole,
  freshAccount,
  withPublishedGpuAmi,
  withSpotQuotas,
} from './preflight-fixtures.js';

const P = 'All P4, P3 and P2 Spot Instance Requests';
const G = 'All G and VT Spot Instance Requests';
const defaults = loadConfig({ env: {} });
/**
 * G types only (the defaults, spelled out): the default AMI's open driver does not run p3 (checked separately below).
 */
const gFirst = loadConfig({ env: {}, overrides: { training: { instanceTypes: ['g5.12xlarge', 'g4dn.12xlarge'] } } });
/** P fallbacks by explicit override (the defaults before they went all-G): two quota groups, p3 first. */
const withP = loadConfig({
  env: {},
  overrides: { training: { instanceTypes: ['p3.8xlarge', 'p3.16xlarge', 'g5.12xlarge', 'g4dn.12xlarge'] } },
});
const secretIds = (c: SignalForgeConfig) => [
  c.sources!.marketData.apiKeySecretId,
  c.sources!.news.apiKeySecretId,
  c.sources!.social.credentialsSecretId,
];

async function readyAccount(): Promise<{ account: string; clients: PreflightClients }> {
  const acct = freshAccount();
  await bootstrapWithCdkTemplate(acct.clients);
  await createSpotServiceLinkedRole(acct.clients);
  await createSecret(acct.clients, gFirst.sources!.marketData.apiKeySecretId, 'pk-test');
  await createSecret(acct.clients, gFirst.sources!.news.apiKeySecretId, 'na-test');
  await createSecret(
    acct.clients,
    gFirst.sources!.social.credentialsSecretId,
    JSON.stringify({ clientId: 'id', clientSecret: 'secret' }),
  );
  // The configured G quota (default 192) holds 192 / 48 = 4 of the largest G fallback: all 4 shards at once.
  withSpotQuotas(acct.clients, { [P]: 0, [G]: 192 });
  withPublishedGpuAmi(acct.clients);
  return acct;
}

async function cli(args: string[], clients: PreflightClients, config: SignalForgeConfig) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPreflightCli(
    [...args, '--config', JSON.stringify({ training: { instanceTypes: config.training.instanceTypes } })],
    {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      clients: () => clients,
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const byId = (report: PreflightReport) => Object.fromEntries(report.results.map((r) => [r.id, r]));

describe('preflight against moto: whole accounts', () => {
  it('a ready account passes every check and the command exits 0', async () => {
    const { account, clients } = await readyAccount();
    const { code, out } = await cli(['--region', 'us-east-1', '--json'], clients, gFirst);
    const report = JSON.parse(out) as PreflightReport;
    expect(report).toMatchObject({ account, region: 'us-east-1', envName: 'dev', ok: true });
    expect(report.results.map((r) => [r.id, r.status])).toEqual([
      ['config-region', 'pass'],
      ['cdk-bootstrap', 'pass'],
      ['spot-vcpu-quotas', 'pass'],
      ['spot-service-linked-role', 'pass'],
      ['gpu-ami', 'pass'],
      ['msk-serverless', 'pass'],
      ['vendor-secrets', 'pass'],
    ]);
    expect(byId(report)['spot-vcpu-quotas']!.detail).toBe(
      `the Map runs 4 shard(s) at once (maxConcurrentShards; 4 shard(s) of 25 configs), limited by "${G}" on g5.12xlarge; "${G}" 192 vCPUs (applied), configured 192, largest fallback g5.12xlarge (48)`,
    );
    expect(code).toBe(0);
  });

  it('a fresh account fails with a fix for each gap and the command exits 1', async () => {
    const { account, clients } = freshAccount();
    withSpotQuotas(clients, { [P]: 0, [G]: 0 });
    const { code, out } = await cli(['--region', 'us-east-1', '--json'], clients, defaults);
    expect(code).toBe(1);
    const report = JSON.parse(out) as PreflightReport;
    const r = byId(report);
    expect(report.ok).toBe(false);
    expect(r['cdk-bootstrap']).toMatchObject({ status: 'fail', fix: `npx cdk bootstrap aws://${account}/us-east-1` });
    expect(r['spot-vcpu-quotas']).toMatchObject({ status: 'fail' });
    // The default fallbacks are all G: only the G group is checked, and the P quota is not asked for.
    expect(r['spot-vcpu-quotas']!.detail).toContain(`"${G}" cannot run one g5.12xlarge: nothing launches on it`);
    expect(r['spot-vcpu-quotas']!.detail).not.toContain(P);
    // The increase asked for is what the deployed stack assumes: the configured 192.
    expect(r['spot-vcpu-quotas']!.fix).toBe(
      `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-3819A6DF --desired-value 192 --region us-east-1  # "${G}"`,
    );
    // With P fallbacks (explicit override) a fresh account gets a fix for each group: the configured 128 and 192.
    const both = byId(
      JSON.parse((await cli(['--region', 'us-east-1', '--json'], clients, withP)).out) as PreflightReport,
    )['spot-vcpu-quotas']!;
    expect(both.status).toBe('fail');
    expect(both.detail).toContain(
      `"${P}" cannot run one p3.16xlarge: nothing launches on it; "${G}" cannot run one g5.12xlarge`,
    );
    expect(both.fix).toBe(
      [
        `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-7212CCBC --desired-value 128 --region us-east-1  # "${P}"`,
        `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-3819A6DF --desired-value 192 --region us-east-1  # "${G}"`,
      ].join('\n'),
    );
    expect(r['spot-service-linked-role']).toMatchObject({
      status: 'warn',
      fix: 'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
    });
    expect(r['gpu-ami']).toMatchObject({ status: 'fail' });
    expect(r['gpu-ami']!.detail).toContain('is not published in us-east-1');
    expect(r['msk-serverless']).toMatchObject({ status: 'pass' });
    expect(r['vendor-secrets']).toMatchObject({ status: 'fail' });
    for (const id of secretIds(defaults))
      expect(r['vendor-secrets']!.fix).toContain(`aws secretsmanager create-secret --name ${id} `);
  });

  it('prints a table with a fix under each failing row', async () => {
    const { account, clients } = freshAccount();
    withSpotQuotas(clients, { [P]: 0, [G]: 0 });
    const { code, out } = await cli(['--region', 'us-east-1'], clients, defaults);
    expect(code).toBe(1);
    expect(out).toContain(`account ${account}, region us-east-1, env dev`);
    expect(out).toMatch(/^FAIL {2}CDK bootstrap stack +no CDKToolkit stack in us-east-1$/m);
    expect(out).toMatch(/^ +fix: npx cdk bootstrap aws:\/\/\d{12}\/us-east-1$/m);
    expect(out).toMatch(/^WARN {2}EC2 spot service-linked role/m);
    expect(out).toContain('2 passed, 1 warning(s), 4 failed, 0 skipped: fix the failures before cdk deploy');
  });

  it('a check that cannot read its data fails with the reason instead of passing (moto has no EC2 quotas)', async () => {
    const { clients } = freshAccount();
    const report = await runPreflight(clients, gFirst);
    const quotas = byId(report)['spot-vcpu-quotas']!;
    expect(quotas.status).toBe('fail');
    expect(quotas.detail).toMatch(/^could not check: /);
  });
});

describe('preflight checks one by one', () => {
  const ctx = (account: string) => ({ account });

  it('config-region: the config must name the region the stacks deploy to', async () => {
    const { account, clients } = freshAccount('eu-west-1');
    const wrong = await checkConfigRegion(clients, defaults, ctx(account));
    expect(wrong).toMatchObject({
      status: 'fail',
      detail: 'config.region is us-east-1 but the deploy targets eu-west-1: trainers would call AWS in us-east-1',
    });
    expect(wrong.fix).toContain(`npx cdk deploy --all -c config='{"region":"eu-west-1"}'`);
    const right = loadConfig({ env: {}, overrides: { region: 'eu-west-1' } });
    expect((await checkConfigRegion(clients, right, ctx(account))).status).toBe('pass');
  });

  it('cdk-bootstrap: the real bootstrap template passes; an old version and a missing parameter fail', async () => {
    const ready = freshAccount();
    await bootstrapWithCdkTemplate(ready.clients);
    const pass = await checkCdkBootstrap(ready.clients, defaults, ctx(ready.account));
    expect(pass.status).toBe('pass');
    expect(pass.detail).toMatch(
      new RegExp(
        `CDKToolkit CREATE_COMPLETE, /cdk-bootstrap/hnb659fds/version = \\d+ \\(app needs >= ${bootstrapRequirement().minVersion}\\)`,
      ),
    );

    const old = freshAccount();
    await bootstrapAtVersion(old.clients, bootstrapRequirement().minVersion - 1);
    const tooOld = await checkCdkBootstrap(old.clients, defaults, ctx(old.account));
    expect(tooOld).toMatchObject({
      status: 'fail',
      fix: `npx cdk bootstrap aws://${old.account}/us-east-1 (upgrades the toolkit stack in place)`,
    });
    expect(tooOld.detail).toContain(`the app needs >= ${bootstrapRequirement().minVersion}`);

    const noParam = freshAccount();
    await bootstrapAtVersion(noParam.clients, 30, false);
    const missing = await checkCdkBootstrap(noParam.clients, defaults, ctx(noParam.account));
    expect(missing.status).toBe('fail');
    expect(missing.detail).toContain('/cdk-bootstrap/hnb659fds/version is missing');
  });

  it('spot-vcpu-quotas: quotas as configured pass; short of the Map concurrency or one instance fail; more than configured warns when it would save waves', async () => {
    // P fallbacks (explicit override), configured P 128 / G 192, largest fallbacks p3.16xlarge (64) and g5.12xlarge
    // (48): the Map runs 2 of 4 shards at once.
    const head = `the Map runs 2 shard(s) at once (maxConcurrentShards; 4 shard(s) of 25 configs), limited by "${P}" on p3.16xlarge`;
    const group = (g: string, vcpus: number, configured: number, type: string, largest: number) =>
      `"${g}" ${vcpus} vCPUs (applied), configured ${configured}, largest fallback ${type} (${largest})`;
    const increase = (code: string, vcpus: number, g: string) =>
      `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${code} --desired-value ${vcpus} --region us-east-1  # "${g}"`;
    const cases: [Partial<Record<string, number>>, string, string, string | undefined][] = [
      [
        { [P]: 128, [G]: 192 },
        'pass',
        `${head}; ${group(P, 128, 128, 'p3.16xlarge', 64)}; ${group(G, 192, 192, 'g5.12xlarge', 48)}`,
        undefined,
      ],
      // Only G raised: P still bounds the Map at 2, so nothing to gain.
      [
        { [P]: 128, [G]: 384 },
        'pass',
        `${head}; ${group(P, 128, 128, 'p3.16xlarge', 64)}; ${group(G, 384, 192, 'g5.12xlarge', 48)}`,
        undefined,
      ],
      // P 256: 256 / 64 = 4 and 192 / 48 = 4, so 2 more at once and all 4 shards in one wave.
      [
        { [P]: 256, [G]: 192 },
        'warn',
        `${head}; ${group(P, 256, 128, 'p3.16xlarge', 64)}; ${group(G, 192, 192, 'g5.12xlarge', 48)}; 2 more shard(s) could run at once with training.spotVcpuQuota raised to the account's quotas (fewer waves for the 4 shard(s))`,
        `raise training.spotVcpuQuota to {"${P}":256,"${G}":192} (cdk deploy -c config=..., and the same --config here)`,
      ],
      // G 96 holds two g5.12xlarge: exactly the 2 at once, but below the configured 192.
      [
        { [P]: 128, [G]: 96 },
        'warn',
        `${head}; ${group(P, 128, 128, 'p3.16xlarge', 64)}; ${group(G, 96, 192, 'g5.12xlarge', 48)}; "${G}" is 96 vCPUs, below the configured 192 (the current 2 shard(s) at once still fit)`,
        `${increase('L-3819A6DF', 192, G)}\nor lower training.spotVcpuQuota["${G}"] to 96 (the Map then runs 2 shard(s) at once)`,
      ],
      // P 100 holds one p3.16xlarge; 2 at once need 128.
      [
        { [P]: 100, [G]: 192 },
        'fail',
        `${head}; ${group(P, 100, 128, 'p3.16xlarge', 64)}; ${group(G, 192, 192, 'g5.12xlarge', 48)}; "${P}" holds 1 p3.16xlarge, the Map runs 2 shard(s) at once (128 vCPUs): the launches past 1 fail`,
        `${increase('L-7212CCBC', 128, P)}\nor lower training.spotVcpuQuota["${P}"] to 100 (the Map then runs 1 shard(s) at once)`,
      ],
      // G 32 cannot hold one g5.12xlarge (48).
      [
        { [P]: 128, [G]: 32 },
        'fail',
        `${head}; ${group(P, 128, 128, 'p3.16xlarge', 64)}; ${group(G, 32, 192, 'g5.12xlarge', 48)}; "${G}" cannot run one g5.12xlarge: nothing launches on it`,
        increase('L-3819A6DF', 192, G),
      ],
    ];
    for (const [quotas, status, detail, fix] of cases) {
      const { account, clients } = freshAccount();
      withSpotQuotas(clients, quotas);
      const result = await checkSpotQuotas(clients, withP, ctx(account));
      expect(result, JSON.stringify(quotas)).toEqual({
        id: 'spot-vcpu-quotas',
        title: 'EC2 spot vCPU quotas',
        status,
        detail,
        ...(fix ? { fix } : {}),
      });
    }
    const { account, clients } = freshAccount();
    const sagemaker = loadConfig({ env: {}, overrides: { training: { backend: 'sagemaker' } } });
    expect((await checkSpotQuotas(clients, sagemaker, ctx(account))).status).toBe('skip');
  });

  it('spot-service-linked-role: present passes, missing warns with the create command', async () => {
    const with_ = freshAccount();
    await createSpotServiceLinkedRole(with_.clients);
    const pass = await checkSpotServiceLinkedRole(with_.clients, defaults, ctx(with_.account));
    expect(pass.status).toBe('pass');
    expect(pass.detail).toContain(
      `arn:aws:iam::${with_.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`,
    );
    const without = freshAccount();
    expect(await checkSpotServiceLinkedRole(without.clients, defaults, ctx(without.account))).toMatchObject({
      status: 'warn',
      fix: 'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
    });
  });

  it('gpu-ami: published passes for G types; p3 first fails and p3 as fallback warns (open driver); unpublished fails', async () => {
    const { account, clients } = freshAccount();
    withPublishedGpuAmi(clients, 'ami-0123456789abcdef0');
    expect(await checkGpuAmi(clients, gFirst, ctx(account))).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('= ami-0123456789abcdef0'),
    });
    expect((await checkGpuAmi(clients, defaults, ctx(account))).status).toBe('pass');
    expect((await checkGpuAmi(clients, withP, ctx(account))).status).toBe('fail');
    const p3Fallback = loadConfig({
      env: {},
      overrides: { training: { instanceTypes: ['g5.12xlarge', 'p3.8xlarge'] } },
    });
    expect((await checkGpuAmi(clients, p3Fallback, ctx(account))).status).toBe('warn');
    const bare = freshAccount();
    expect((await checkGpuAmi(bare.clients, gFirst, ctx(bare.account))).status).toBe('fail');
  });

  it('msk-serverless: a documented region passes, an undocumented one warns, an unreachable endpoint fails, provisioned skips', async () => {
    const east = freshAccount('us-east-1');
    expect((await checkMskServerless(east.clients, defaults, ctx(east.account))).status).toBe('pass');
    const saoPaulo = freshAccount('sa-east-1');
    const warn = await checkMskServerless(saoPaulo.clients, defaults, ctx(saoPaulo.account));
    expect(warn.status).toBe('warn');
    expect(warn.detail).toContain('MSK API answers in sa-east-1');
    // A name under .invalid never resolves (RFC 6761): the same error as a region without an MSK endpoint.
    const nowhere = freshAccount('us-east-1');
    nowhere.clients.kafka = new KafkaClient({
      ...awsClientConfig(),
      region: 'us-east-1',
      endpoint: 'http://kafka.preflight.invalid',
      maxAttempts: 1,
    });
    const fail = await checkMskServerless(nowhere.clients, defaults, ctx(nowhere.account));
    expect(fail.status).toBe('fail');
    expect(fail.detail).toMatch(/kafka:ListClustersV2 failed in us-east-1: .*(ENOTFOUND|EAI_AGAIN)/);
    const provisioned = loadConfig({ env: {}, overrides: { kafka: { cluster: 'provisioned' } } });
    expect((await checkMskServerless(east.clients, provisioned, ctx(east.account))).status).toBe('skip');
  });

  it('vendor-secrets: all present passes; missing, valueless and deleted secrets fail with their own fix; no sources skips', async () => {
    const { account, clients } = freshAccount();
    const [market, news, social] = secretIds(defaults) as [string, string, string];
    await createSecret(clients, market, 'pk');
    await createSecret(clients, news);
    await createSecret(clients, social, '{}');
    await clients.secretsManager.send(new DeleteSecretCommand({ SecretId: social, RecoveryWindowInDays: 7 }));
    const result = await checkVendorSecrets(clients, defaults, ctx(account));
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(`${news} has no current value; ${social} is scheduled for deletion`);
    expect(result.fix).toBe(
      [
        `aws secretsmanager put-secret-value --secret-id ${news} --secret-string '<newsapi key>' --region us-east-1`,
        `aws secretsmanager restore-secret --secret-id ${social} --region us-east-1`,
      ].join('\n'),
    );
    const ready = await readyAccount();
    expect((await checkVendorSecrets(ready.clients, defaults, ctx(ready.account))).status).toBe('pass');
    expect((await checkVendorSecrets(clients, { ...defaults, sources: undefined }, ctx(account))).status).toBe('skip');
  });
});
