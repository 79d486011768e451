import type { SignalForgeConfig } from '../../core/config/index.js';
import { COST_SOURCES } from '../../core/cost/index.js';
import type { CostEstimate } from './report-data.js';

export interface CostEstimateOptions {
  /** `config.pricing`; prices are never hard-coded in the report. */
  pricing: SignalForgeConfig['pricing'];
  /** An instance type priced in config.pricing; `defaultPricedInstanceType(config)` picks one. */
  instanceType: string;
  /** Wall-clock seconds the AWS equivalent would hold the instances (the training stage). */
  seconds: number;
  instances?: number;
}

const roundCents = (usd: number): number => Math.round(usd * 100) / 100;

/** Spot and on-demand cost of running `instances` of `instanceType` for `seconds`, priced from config. */
export function estimateCost({ pricing, instanceType, seconds, instances = 1 }: CostEstimateOptions): CostEstimate {
  const spotPerHour = pricing.spotPerHour[instanceType];
  const onDemandPerHour = pricing.onDemandPerHour[instanceType];
  if (spotPerHour === undefined || onDemandPerHour === undefined) {
    const known = Object.keys(pricing.spotPerHour).join(', ') || 'none';
    throw new Error(`config.pricing has no spot and on-demand price for ${instanceType} (priced: ${known})`);
  }
  if (!(seconds >= 0)) throw new Error(`cost estimate needs a non-negative duration, got ${seconds}`);
  const hours = seconds / 3600;
  return {
    instanceType,
    spotPerHour,
    onDemandPerHour,
    hours,
    spotUsd: roundCents(spotPerHour * hours * instances),
    onDemandUsd: roundCents(onDemandPerHour * hours * instances),
    instances,
    source: COST_SOURCES.local,
  };
}

/** The first configured training instance type that config.pricing prices. */
export function defaultPricedInstanceType(config: Pick<SignalForgeConfig, 'pricing' | 'training'>): string {
  const priced = config.training.instanceTypes.find(
    (t) => config.pricing.spotPerHour[t] !== undefined && config.pricing.onDemandPerHour[t] !== undefined,
  );
  if (!priced) throw new Error('none of config.training.instanceTypes has a price in config.pricing');
  return priced;
}
