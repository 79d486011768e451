import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { defaultPricedInstanceType, estimateCost } from '../../../local/report/cost.js';

const config = loadConfig({ env: {} });

describe('estimateCost', () => {
  it('prices every configured instance type from config.pricing', () => {
    for (const instanceType of Object.keys(config.pricing.spotPerHour)) {
      const cost = estimateCost({ pricing: config.pricing, instanceType, seconds: 5400, instances: 2 });
      const spot = config.pricing.spotPerHour[instanceType]!;
      const onDemand = config.pricing.onDemandPerHour[instanceType]!;
      expect(cost).toEqual({
        instanceType,
        spotPerHour: spot,
        onDemandPerHour: onDemand,
        hours: 1.5,
        spotUsd: Math.round(spot * 1.5 * 2 * 100) / 100,
        onDemandUsd: Math.round(onDemand * 1.5 * 2 * 100) / 100,
        instances: 2,
        source: 'estimate (local seconds × configured price)',
      });
      expect(cost.spotUsd).toBeLessThan(cost.onDemandUsd);
    }
  });

  it('follows overridden prices and refuses unpriced instance types', () => {
    const pricing = { spotPerHour: { 'x.large': 2 }, onDemandPerHour: { 'x.large': 5 } };
    expect(estimateCost({ pricing, instanceType: 'x.large', seconds: 1800 }).spotUsd).toBe(1);
    expect(() => estimateCost({ pricing, instanceType: 'p9.huge', seconds: 60 })).toThrow(/p9\.huge.*x\.large/);
    expect(() => estimateCost({ pricing, instanceType: 'x.large', seconds: -1 })).toThrow(/non-negative/);
  });

  it('picks the first training instance type that has prices', () => {
    expect(defaultPricedInstanceType(config)).toBe(config.training.instanceTypes[0]);
    const partial = {
      training: { ...config.training, instanceTypes: ['unpriced.large', 'g5.12xlarge'] },
      pricing: config.pricing,
    };
    expect(defaultPricedInstanceType(partial)).toBe('g5.12xlarge');
  });
});
