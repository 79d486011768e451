import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import {
  maxConcurrentShards,
  modelConfigKeys,
  quotaGroupsUsed,
  SPOT_QUOTA_CODES,
  spotShardConcurrency,
  type SignalForgeConfig,
  type SpotQuotaGroup,
} from '../../../core/config/index.js';
import { errorName, type CheckResult, type PreflightCheck, type PreflightClients } from '../types.js';

/** The check's row in the report. */
export const SPOT_VCPU_QUOTAS = { id: 'spot-vcpu-quotas', title: 'EC2 spot vCPU quotas' } as const;
const { id, title } = SPOT_VCPU_QUOTAS;

/** A group's quota in the account, and whether someone changed it or it is still AWS's default. */
export interface AccountQuota {
  vcpus: number;
  source: 'applied' | 'AWS default';
}

/** An account that never changed a quota has none applied, so fall back to the AWS default. */
async function accountQuota(clients: PreflightClients, group: SpotQuotaGroup): Promise<AccountQuota> {
  const QuotaCode = SPOT_QUOTA_CODES[group];
  try {
    const res = await clients.serviceQuotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode }));
    if (res.Quota?.Value !== undefined) return { vcpus: res.Quota.Value, source: 'applied' };
  } catch (err) {
    if (errorName(err) !== 'NoSuchResourceException') throw err;
  }
  const res = await clients.serviceQuotas.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode }));
  if (res.Quota?.Value === undefined) throw new Error(`Service Quotas returned no value for ec2 ${QuotaCode}`);
  return { vcpus: res.Quota.Value, source: 'AWS default' };
}

function increaseCommand(group: SpotQuotaGroup, vcpus: number, region: string): string {
  return `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${SPOT_QUOTA_CODES[group]} --desired-value ${vcpus} --region ${region}  # "${group}"`;
}

type Training = SignalForgeConfig['training'];
export type SpotQuotaAssessment = Pick<CheckResult, 'status' | 'detail' | 'fix'>;

/**
 * Compares the account's quotas with what the deployed stack relies on. The retrain Map runs
 * maxConcurrentShards(training) shards at once, derived from training.spotVcpuQuota, and any of them
 * may land on the largest fallback of a group: an account quota below that many of them makes the
 * launches past it fail; one below a single instance means that type can never launch.
 */
export function assessSpotQuotas(
  training: Training,
  shards: number,
  quotas: ReadonlyMap<SpotQuotaGroup, AccountQuota>,
  region: string,
): SpotQuotaAssessment {
  const concurrent = maxConcurrentShards(training);
  const { limitedBy } = spotShardConcurrency(training);
  const groups: string[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  const raised: Partial<Record<SpotQuotaGroup, number>> = { ...training.spotVcpuQuota };
  for (const { group, instanceType, vcpus } of quotaGroupsUsed(training.instanceTypes)) {
    const quota = quotas.get(group);
    if (!quota) throw new Error(`no account quota read for "${group}"`);
    const configured = training.spotVcpuQuota[group] ?? 0;
    const needed = concurrent * vcpus;
    groups.push(
      `"${group}" ${quota.vcpus} vCPUs (${quota.source}), configured ${configured}, largest fallback ${instanceType} (${vcpus})`,
    );
    const lowerTo = () =>
      `or lower training.spotVcpuQuota["${group}"] to ${quota.vcpus} (the Map then runs ${maxConcurrentShards({ ...training, spotVcpuQuota: { ...training.spotVcpuQuota, [group]: quota.vcpus } })} shard(s) at once)`;
    if (quota.vcpus < vcpus) {
      failures.push(`"${group}" cannot run one ${instanceType}: nothing launches on it`);
      fixes.push(increaseCommand(group, configured, region));
    } else if (quota.vcpus < needed) {
      failures.push(
        `"${group}" holds ${Math.floor(quota.vcpus / vcpus)} ${instanceType}, the Map runs ${concurrent} shard(s) at once (${needed} vCPUs): the launches past ${Math.floor(quota.vcpus / vcpus)} fail`,
      );
      fixes.push(increaseCommand(group, configured, region), lowerTo());
    } else if (quota.vcpus < configured) {
      // The derived concurrency still fits, but the config claims vCPUs the account does not have.
      warnings.push(
        `"${group}" is ${quota.vcpus} vCPUs, below the configured ${configured} (the current ${concurrent} shard(s) at once still fit)`,
      );
      fixes.push(increaseCommand(group, configured, region), lowerTo());
    } else if (quota.vcpus > configured) {
      raised[group] = quota.vcpus;
    }
  }
  const notes = [...failures, ...warnings];
  const more = maxConcurrentShards({ ...training, spotVcpuQuota: raised }) - concurrent;
  if (more > 0) {
    const gain =
      concurrent < shards ? `fewer waves for the ${shards} shard(s)` : `no gain for today's ${shards} shard(s)`;
    notes.push(
      `${more} more shard(s) could run at once with training.spotVcpuQuota raised to the account's quotas (${gain})`,
    );
  }
  // Only worth a warning when the run actually waits: more shards than the Map runs at once.
  const raiseWorthIt = more > 0 && concurrent < shards && notes.length === 1;
  if (raiseWorthIt)
    fixes.push(
      `raise training.spotVcpuQuota to ${JSON.stringify(raised)} (cdk deploy -c config=..., and the same --config here)`,
    );
  const detail = [
    `the Map runs ${concurrent} shard(s) at once (maxConcurrentShards; ${shards} shard(s) of ${training.configsPerShard} configs), limited by "${limitedBy.group}" on ${limitedBy.instanceType}`,
    ...groups,
    ...notes,
  ].join('; ');
  const status = failures.length ? 'fail' : warnings.length || raiseWorthIt ? 'warn' : 'pass';
  return { status, detail, ...(status === 'pass' ? {} : { fix: fixes.join('\n') }) };
}

/** Can the shards the deployed Map runs at once get their spot instances within the account's vCPU quotas? */
export const checkSpotQuotas: PreflightCheck = async (clients, config) => {
  const { training } = config;
  if (training.backend !== 'ec2')
    return { id, title, status: 'skip', detail: `training.backend is ${training.backend}` };
  const shards = Math.ceil(modelConfigKeys(config).length / training.configsPerShard);
  const quotas = new Map<SpotQuotaGroup, AccountQuota>();
  for (const { group } of quotaGroupsUsed(training.instanceTypes))
    quotas.set(group, await accountQuota(clients, group));
  return { id, title, ...assessSpotQuotas(training, shards, quotas, clients.region) };
};
