/**
 * EC2 spot vCPU quotas and how many trainers they hold at once. The vCPU counts are EC2's published
 * figures for the GPU types the trainer runs on; a type missing here is reported, not guessed.
 */
export const SPOT_QUOTA_FAMILIES = {
  P: { quotaCode: 'L-7212CCBC', quotaName: 'All P4, P3 and P2 Spot Instance Requests' },
  G: { quotaCode: 'L-3819A6DF', quotaName: 'All G and VT Spot Instance Requests' },
} as const;
export type SpotQuotaFamily = keyof typeof SPOT_QUOTA_FAMILIES;

export const GPU_INSTANCE_VCPUS: Readonly<Record<string, number>> = {
  'p2.xlarge': 4, 'p2.8xlarge': 32, 'p2.16xlarge': 64,
  'p3.2xlarge': 8, 'p3.8xlarge': 32, 'p3.16xlarge': 64, 'p3dn.24xlarge': 96,
  'p4d.24xlarge': 96, 'p4de.24xlarge': 96,
  'g4dn.xlarge': 4, 'g4dn.2xlarge': 8, 'g4dn.4xlarge': 16, 'g4dn.8xlarge': 32, 'g4dn.12xlarge': 48, 'g4dn.16xlarge': 64, 'g4dn.metal': 96,
  'g5.xlarge': 4, 'g5.2xlarge': 8, 'g5.4xlarge': 16, 'g5.8xlarge': 32, 'g5.12xlarge': 48, 'g5.16xlarge': 64, 'g5.24xlarge': 96, 'g5.48xlarge': 192,
  'g6.xlarge': 4, 'g6.2xlarge': 8, 'g6.4xlarge': 16, 'g6.8xlarge': 32, 'g6.12xlarge': 48, 'g6.16xlarge': 64, 'g6.24xlarge': 96, 'g6.48xlarge': 192,
  'g6e.xlarge': 4, 'g6e.2xlarge': 8, 'g6e.4xlarge': 16, 'g6e.8xlarge': 32, 'g6e.12xlarge': 48, 'g6e.16xlarge': 64, 'g6e.24xlarge': 96, 'g6e.48xlarge': 192,
};

/** Which spot quota an instance type counts against; undefined for families with their own quota (p5, p6, ...). */
export function spotQuotaFamily(instanceType: string): SpotQuotaFamily | undefined {
  const family = instanceType.split('.')[0]!;
  if (/^p[234][a-z]*$/.test(family)) return 'P';
  if (/^(g\d+[a-z]*|vt\d+[a-z]*)$/.test(family)) return 'G';
  return undefined;
}

export interface SpotType {
  type: string;
  family: SpotQuotaFamily;
  vcpus: number;
}

export interface SpotPlacement {
  /** Trainers per type when every shard launches at once, in the launcher's order. */
  placed: { type: string; count: number }[];
  /** Shards that get no instance: their launches fail with a quota error on every type. */
  unplaced: number;
}

/**
 * Every Map iteration's first launch walks `types` in order and takes the first type whose family
 * still has room (a quota error counts as a capacity error and moves it on), so filling quotas
 * greedily in that order is what concurrent launches end up with.
 */
export function placeConcurrentTrainers(types: readonly SpotType[], concurrent: number, quotaVcpus: Partial<Record<SpotQuotaFamily, number>>): SpotPlacement {
  const left: Partial<Record<SpotQuotaFamily, number>> = { ...quotaVcpus };
  let remaining = concurrent;
  const placed: { type: string; count: number }[] = [];
  for (const t of types) {
    const fit = Math.min(remaining, Math.floor((left[t.family] ?? 0) / t.vcpus));
    if (fit <= 0) continue;
    placed.push({ type: t.type, count: fit });
    left[t.family] = (left[t.family] ?? 0) - fit * t.vcpus;
    remaining -= fit;
  }
  return { placed, unplaced: remaining };
}
