import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { modelConfigKeys } from '../../../core/config/index.js';
import { DEFAULT_MAX_CONCURRENT_SHARDS } from '../../../lib/training/retrain-state-machine-props.js';
import { GPU_INSTANCE_VCPUS, placeConcurrentTrainers, SPOT_QUOTA_FAMILIES, spotQuotaFamily, type SpotQuotaFamily, type SpotType } from '../spot-capacity.js';
import { errorName, type PreflightCheck, type PreflightClients } from '../types.js';

/** The check's row in the report. */
export const SPOT_VCPU_QUOTAS = { id: 'spot-vcpu-quotas', title: 'EC2 spot vCPU quotas' } as const;
const { id, title } = SPOT_VCPU_QUOTAS;

/** The applied quota; an account that never changed it has none applied, so fall back to the AWS default. */
async function spotQuota(clients: PreflightClients, family: SpotQuotaFamily): Promise<number> {
  const QuotaCode = SPOT_QUOTA_FAMILIES[family].quotaCode;
  try {
    const res = await clients.serviceQuotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode }));
    if (res.Quota?.Value !== undefined) return res.Quota.Value;
  } catch (err) {
    if (errorName(err) !== 'NoSuchResourceException') throw err;
  }
  const res = await clients.serviceQuotas.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode }));
  if (res.Quota?.Value === undefined) throw new Error(`Service Quotas returned no value for ec2 ${QuotaCode}`);
  return res.Quota.Value;
}

function increaseCommand(family: SpotQuotaFamily, vcpus: number, region: string): string {
  return `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${SPOT_QUOTA_FAMILIES[family].quotaCode} --desired-value ${vcpus} --region ${region}  # "${SPOT_QUOTA_FAMILIES[family].quotaName}"`;
}

/**
 * Can every shard the Map runs at once get a spot instance within the account's vCPU quotas? Shards
 * that cannot fail after the launch retries, so a run would lose their models.
 */
export const checkSpotQuotas: PreflightCheck = async (clients, config) => {
  const { training } = config;
  if (training.backend !== 'ec2') return { id, title, status: 'skip', detail: `training.backend is ${training.backend}` };
  const configs = modelConfigKeys(config).length;
  const shards = Math.ceil(configs / training.configsPerShard);
  const concurrent = Math.min(shards, DEFAULT_MAX_CONCURRENT_SHARDS);
  const known: SpotType[] = [];
  const unknown: string[] = [];
  for (const type of training.instanceTypes) {
    const family = spotQuotaFamily(type);
    const vcpus = GPU_INSTANCE_VCPUS[type];
    if (family && vcpus) known.push({ type, family, vcpus });
    else unknown.push(type);
  }
  const primary = known[0];
  if (!primary) {
    return { id, title, status: 'fail', detail: `no vCPU figure or spot quota for ${unknown.join(', ')}`, fix: 'add the types to GPU_INSTANCE_VCPUS / spotQuotaFamily in ops/preflight/spot-capacity.ts, or use P or G types in training.instanceTypes' };
  }
  const families = [...new Set(known.map((t) => t.family))];
  const quotas: Partial<Record<SpotQuotaFamily, number>> = {};
  for (const family of families) quotas[family] = await spotQuota(clients, family);

  const { placed, unplaced } = placeConcurrentTrainers(known, concurrent, quotas);
  const needPrimary = concurrent * primary.vcpus;
  const quotaText = families.map((f) => `${f} ${quotas[f]}`).join(', ');
  const placedText = placed.length ? placed.map((p) => `${p.count} x ${p.type}`).join(' + ') : 'none';
  const detail = `${shards} shard(s) (${configs} configs / ${training.configsPerShard}), ${concurrent} at once; spot vCPU quotas ${quotaText}; fits ${placedText}${unknown.length ? `; not counted (no vCPU figure or quota): ${unknown.join(', ')}` : ''}`;
  const fix = increaseCommand(primary.family, needPrimary, clients.region);
  if (unplaced > 0) {
    return { id, title, status: 'fail', detail: `${detail}; ${unplaced} shard(s) would get no instance and fail`, fix };
  }
  const onPrimary = placed.find((p) => p.type === primary.type)?.count ?? 0;
  if (onPrimary < concurrent) {
    return { id, title, status: 'warn', detail: `${detail}; ${concurrent - onPrimary} shard(s) fall back from ${primary.type}`, fix };
  }
  return { id, title, status: 'pass', detail };
};
