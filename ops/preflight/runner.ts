import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { CDK_BOOTSTRAP, checkCdkBootstrap } from './checks/cdk-bootstrap.js';
import { CONFIG_REGION, checkConfigRegion } from './checks/config-region.js';
import { GPU_AMI, checkGpuAmi } from './checks/gpu-ami.js';
import { MSK_SERVERLESS, checkMskServerless } from './checks/msk-serverless.js';
import { SPOT_VCPU_QUOTAS, checkSpotQuotas } from './checks/spot-quotas.js';
import { SPOT_SERVICE_LINKED_ROLE, checkSpotServiceLinkedRole } from './checks/spot-service-linked-role.js';
import { VENDOR_SECRETS, checkVendorSecrets } from './checks/vendor-secrets.js';
import type { CheckResult, PreflightCheck, PreflightClients } from './types.js';

/** In the order the table prints them; a check that throws is reported under its id and title. */
export const PREFLIGHT_CHECKS: readonly { id: string; title: string; run: PreflightCheck }[] = [
  { ...CONFIG_REGION, run: checkConfigRegion },
  { ...CDK_BOOTSTRAP, run: checkCdkBootstrap },
  { ...SPOT_VCPU_QUOTAS, run: checkSpotQuotas },
  { ...SPOT_SERVICE_LINKED_ROLE, run: checkSpotServiceLinkedRole },
  { ...GPU_AMI, run: checkGpuAmi },
  { ...MSK_SERVERLESS, run: checkMskServerless },
  { ...VENDOR_SECRETS, run: checkVendorSecrets },
];

export interface PreflightReport {
  account: string;
  region: string;
  envName: string;
  /** False when any check failed. */
  ok: boolean;
  results: CheckResult[];
}

/** The account or region cannot be reached at all; no check would mean anything. */
export class AccountUnreachableError extends Error {
  override readonly name = 'AccountUnreachableError';
}

function unreachable(err: unknown, region: string): AccountUnreachableError {
  const e = err as Error & { code?: string };
  const code = e.code ?? e.name;
  if (['ENOTFOUND', 'EAI_AGAIN'].includes(code) || /getaddrinfo/.test(e.message)) {
    return new AccountUnreachableError(
      `no AWS endpoint answers for region ${region} (${code}): check the region id, and that this machine can reach AWS`,
    );
  }
  if (['InvalidClientTokenId', 'UnrecognizedClientException'].includes(code)) {
    return new AccountUnreachableError(
      `the credentials were rejected in ${region} (${code}): if ${region} is an opt-in region, enable it for the account (Account settings > AWS Regions)`,
    );
  }
  if (e.name === 'CredentialsProviderError')
    return new AccountUnreachableError(
      `no AWS credentials found (${e.message}): set AWS_PROFILE or run aws configure / aws sso login`,
    );
  return new AccountUnreachableError(`sts:GetCallerIdentity failed in ${region}: ${e.name}: ${e.message}`);
}

/** Runs every check against one account and region; a check that throws is reported as failed, with the reason. */
export async function runPreflight(clients: PreflightClients, config: SignalForgeConfig): Promise<PreflightReport> {
  let account: string;
  try {
    account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account ?? 'unknown';
  } catch (err) {
    throw unreachable(err, clients.region);
  }
  const results = await Promise.all(
    PREFLIGHT_CHECKS.map(async ({ id, title, run }): Promise<CheckResult> => {
      try {
        return await run(clients, config, { account });
      } catch (err) {
        const e = err as Error;
        return {
          id,
          title,
          status: 'fail',
          detail: `could not check: ${e.name}: ${e.message}`,
          fix: 'give the preflight caller the read permissions listed in docs/DEPLOY.md, then rerun',
        };
      }
    }),
  );
  return {
    account,
    region: clients.region,
    envName: config.envName,
    ok: results.every((r) => r.status !== 'fail'),
    results,
  };
}

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

/** The human table: one row per check, its fix indented under it. */
export function formatReport(report: PreflightReport): string {
  const width = Math.max(...report.results.map((r) => r.title.length));
  const lines = [
    `SignalForge preflight: account ${report.account}, region ${report.region}, env ${report.envName}`,
    '',
  ];
  for (const r of report.results) {
    lines.push(`${LABEL[r.status]}  ${r.title.padEnd(width)}  ${r.detail}`);
    for (const fix of r.fix?.split('\n') ?? []) lines.push(`      ${' '.repeat(width)}  fix: ${fix}`);
  }
  const count = (s: CheckResult['status']) => report.results.filter((r) => r.status === s).length;
  lines.push(
    '',
    `${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped: ${report.ok ? 'ready to deploy' : 'fix the failures before cdk deploy'}`,
  );
  return lines.join('\n');
}
