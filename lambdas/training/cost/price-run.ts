import { DescribeSpotPriceHistoryCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTrainingJobCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import { COST_SOURCES, integrateSpotPrice, type CostSource, type PricePoint } from '../../../core/cost/index.js';

export { COST_SOURCES, type CostSource };
import type { InstanceUsage } from './usage-ledger.js';

export interface PricedUsage extends InstanceUsage {
  usd: number;
  seconds: number;
  source: CostSource;
}

export interface RunCost {
  totalUsd: number;
  /** Each instance's cost split evenly over the configs its shard trained. */
  perConfigUsd: Record<string, number>;
  sources: CostSource[];
  interruptions: number;
  instances: PricedUsage[];
}

export type SpotPriceHistory = (query: {
  instanceType: string;
  availabilityZone: string;
  start: Date;
  end: Date;
}) => Promise<PricePoint[]>;

/** The Linux spot price history of one type in one AZ over [start, end], all pages. */
export function ec2SpotPriceHistory(client: EC2Client): SpotPriceHistory {
  return async ({ instanceType, availabilityZone, start, end }) => {
    const points: PricePoint[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new DescribeSpotPriceHistoryCommand({
          InstanceTypes: [instanceType as never],
          AvailabilityZone: availabilityZone,
          ProductDescriptions: ['Linux/UNIX'],
          StartTime: start,
          EndTime: end,
          NextToken: token,
        }),
      );
      for (const p of page.SpotPriceHistory ?? []) {
        if (p.Timestamp && p.SpotPrice && p.AvailabilityZone === availabilityZone)
          points.push({ at: p.Timestamp, usdPerHour: Number(p.SpotPrice) });
      }
      token = page.NextToken || undefined;
    } while (token);
    return points;
  };
}

/** SageMaker's BillableTimeInSeconds of a training job (managed spot bills less than the job ran). */
export function sageMakerBillableSeconds(client: SageMakerClient): (jobName: string) => Promise<number | undefined> {
  return async (jobName) =>
    (await client.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }))).BillableTimeInSeconds;
}

export interface PricingSources {
  config: Pick<SignalForgeConfig, 'pricing' | 'training'>;
  now: () => Date;
  spotPrices?: SpotPriceHistory;
  billableSeconds?: (jobName: string) => Promise<number | undefined>;
}

function configuredSpotPrice(config: PricingSources['config'], instanceType: string | undefined): number {
  const type =
    instanceType && config.pricing.spotPerHour[instanceType] !== undefined
      ? instanceType
      : config.training.instanceTypes[0]!;
  const price = config.pricing.spotPerHour[type];
  if (price === undefined) throw new Error(`config.pricing.spotPerHour has no price for ${type}`);
  return price;
}

async function priceOne(usage: InstanceUsage, sources: PricingSources): Promise<PricedUsage> {
  const start = new Date(usage.launchedAt);
  const end = usage.terminatedAt ? new Date(usage.terminatedAt) : sources.now();
  const seconds = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  if (usage.backend === 'ec2') {
    if (!sources.spotPrices || !usage.instanceType || !usage.availabilityZone)
      throw new Error(`cannot price ${usage.id}: no spot price history client, type or AZ`);
    const history = await sources.spotPrices({
      instanceType: usage.instanceType,
      availabilityZone: usage.availabilityZone,
      start,
      end,
    });
    return { ...usage, seconds, usd: integrateSpotPrice(history, start, end), source: COST_SOURCES.ec2 };
  }
  if (usage.backend === 'sagemaker') {
    const billable = (await sources.billableSeconds?.(usage.id)) ?? seconds;
    return {
      ...usage,
      seconds: billable,
      usd: (configuredSpotPrice(sources.config, usage.instanceType) * billable) / 3600,
      source: COST_SOURCES.sagemaker,
    };
  }
  return {
    ...usage,
    seconds,
    usd: (configuredSpotPrice(sources.config, undefined) * seconds) / 3600,
    source: COST_SOURCES.local,
  };
}

/** Prices every instance a run started and shares the total out over the configs. */
export async function priceRun(usages: readonly InstanceUsage[], sources: PricingSources): Promise<RunCost> {
  const instances = await Promise.all(usages.map((u) => priceOne(u, sources)));
  const perConfigUsd: Record<string, number> = {};
  for (const i of instances) {
    for (const key of i.configs) perConfigUsd[key] = (perConfigUsd[key] ?? 0) + i.usd / Math.max(1, i.configs.length);
  }
  return {
    totalUsd: instances.reduce((sum, i) => sum + i.usd, 0),
    perConfigUsd,
    sources: [...new Set(instances.map((i) => i.source))],
    interruptions: instances.filter((i) => i.interrupted).length,
    instances,
  };
}
