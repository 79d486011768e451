/**
 * GPU instance types the trainer may run on, with what EC2 counts against spot quotas: vCPUs, and
 * the quota each type's family falls under. Spot quotas are vCPU totals per family group (EC2 User
 * Guide, "Spot Instance quotas"); a fresh account starts at 0 for every GPU group.
 */
export const SPOT_QUOTA_GROUPS = [
  'All P4, P3 and P2 Spot Instance Requests',
  'All P5 Spot Instance Requests',
  'All G and VT Spot Instance Requests',
] as const;
export type SpotQuotaGroup = (typeof SPOT_QUOTA_GROUPS)[number];

const [P4_P3_P2, P5, G_VT] = SPOT_QUOTA_GROUPS;

/**
 * Service Quotas codes (service `ec2`) of the groups, for GetServiceQuota and increase requests. P5's
 * code is the one the EC2 User Guide's quota table links to (servicequotas/.../ec2/quotas/L-C4BD4855).
 */
export const SPOT_QUOTA_CODES: Readonly<Record<SpotQuotaGroup, string>> = {
  [P4_P3_P2]: 'L-7212CCBC',
  [P5]: 'L-C4BD4855',
  [G_VT]: 'L-3819A6DF',
};

export interface InstanceTypeSpec {
  readonly vcpus: number;
  readonly spotQuota: SpotQuotaGroup;
}

const sized = (
  family: string,
  quota: SpotQuotaGroup,
  vcpusBySize: Record<string, number>,
): [string, InstanceTypeSpec][] =>
  Object.entries(vcpusBySize).map(([size, vcpus]) => [`${family}.${size}`, { vcpus, spotQuota: quota }]);

/** The G families' sizes: 4 vCPUs per xlarge step up to 16xlarge; g5 and g6 also come as 24xlarge and 48xlarge. */
const G_SIZES = { xlarge: 4, '2xlarge': 8, '4xlarge': 16, '8xlarge': 32, '12xlarge': 48, '16xlarge': 64 };
const G5_G6_SIZES = { ...G_SIZES, '24xlarge': 96, '48xlarge': 192 };

/** vCPUs per supported instance type (AWS instance type specifications). */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeSpec>> = Object.fromEntries([
  ...sized('p3', P4_P3_P2, { '2xlarge': 8, '8xlarge': 32, '16xlarge': 64 }),
  ...sized('p3dn', P4_P3_P2, { '24xlarge': 96 }),
  ...sized('p4d', P4_P3_P2, { '24xlarge': 96 }),
  ...sized('p5', P5, { '48xlarge': 192 }),
  ...sized('g4dn', G_VT, { ...G_SIZES, metal: 96 }),
  ...sized('g5', G_VT, G5_G6_SIZES),
  ...sized('g6', G_VT, G5_G6_SIZES),
]);

/**
 * Shards a non-EC2 backend trains at once (SageMaker counts its quotas in instances per type; local is one machine).
 */
export const DEFAULT_CONCURRENT_SHARDS = 10;

export interface ShardConcurrency {
  /** Shards that may train at once; 0 when a quota cannot hold even one instance of some fallback. */
  readonly shards: number;
  /** The quota group, and its largest fallback type, that set the bound. */
  readonly limitedBy: { group: SpotQuotaGroup; instanceType: string; vcpus: number; quota: number };
}

/** A quota group the fallbacks use, with its largest fallback: the type a shard may need the most vCPUs for. */
export interface QuotaGroupUse {
  readonly group: SpotQuotaGroup;
  readonly instanceType: string;
  readonly vcpus: number;
}

/** The quota groups `instanceTypes` launch under, in the order first used, each with its largest type. */
export function quotaGroupsUsed(instanceTypes: readonly string[]): QuotaGroupUse[] {
  const byGroup = new Map<SpotQuotaGroup, QuotaGroupUse>();
  for (const type of instanceTypes) {
    const spec = INSTANCE_TYPES[type];
    if (!spec) throw new Error(`no vCPU entry for instance type ${type} (core/config/instance-types.ts)`);
    const current = byGroup.get(spec.spotQuota);
    if (!current || spec.vcpus > current.vcpus)
      byGroup.set(spec.spotQuota, { group: spec.spotQuota, instanceType: type, vcpus: spec.vcpus });
  }
  return [...byGroup.values()];
}

/**
 * How many shards may run at once on EC2 spot so that, whichever fallbacks they land on, the running
 * trainers' vCPUs stay within each quota group: every shard may end up on the largest fallback of
 * any one group, so the bound is the smallest floor(quota / largest vCPUs) over the groups used.
 */
export function spotShardConcurrency(training: {
  instanceTypes: readonly string[];
  spotVcpuQuota: Readonly<Record<string, number>>;
}): ShardConcurrency {
  let best: ShardConcurrency | undefined;
  for (const { group, instanceType, vcpus } of quotaGroupsUsed(training.instanceTypes)) {
    const quota = training.spotVcpuQuota[group] ?? 0;
    const shards = Math.floor(quota / vcpus);
    if (!best || shards < best.shards || (shards === best.shards && vcpus > best.limitedBy.vcpus)) {
      best = { shards, limitedBy: { group, instanceType, vcpus, quota } };
    }
  }
  if (!best) throw new Error('training.instanceTypes is empty');
  return best;
}

/** The retrain Map's MaxConcurrency for this training config. */
export function maxConcurrentShards(
  training: Parameters<typeof spotShardConcurrency>[0] & { backend: string },
): number {
  return training.backend === 'ec2' ? spotShardConcurrency(training).shards : DEFAULT_CONCURRENT_SHARDS;
}
