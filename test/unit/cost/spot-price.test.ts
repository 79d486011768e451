import { describe, expect, it } from 'vitest';
import { integrateSpotPrice } from '../../../core/cost/index.js';
import { COST_SOURCES, priceRun } from '../../../lambdas/training/cost/price-run.js';
import { defaultConfig } from '../../../core/config/index.js';

const t = (iso: string) => new Date(`2026-01-01T${iso}:00Z`);

describe('spot price integration', () => {
  it('holds each price until the next change, starting from the price in effect at launch', () => {
    // 0.50 $/h in effect since before launch, 1.00 $/h from 01:00, 0.25 $/h from 02:30; instance 00:30 - 03:00.
    const history = [
      { at: t('00:00'), usdPerHour: 0.5 },
      { at: t('01:00'), usdPerHour: 1 },
      { at: t('02:30'), usdPerHour: 0.25 },
    ];
    expect(integrateSpotPrice(history, t('00:30'), t('03:00'))).toBeCloseTo(0.5 * 0.5 + 1 * 1.5 + 0.25 * 0.5, 12);
    // Order of the history does not matter; an empty lifetime costs nothing.
    expect(integrateSpotPrice([...history].reverse(), t('00:30'), t('03:00'))).toBeCloseTo(1.875, 12);
    expect(integrateSpotPrice(history, t('01:00'), t('01:00'))).toBe(0);
  });

  it('refuses to price without history rather than calling it free', () => {
    expect(() => integrateSpotPrice([], t('00:00'), t('01:00'))).toThrow(/no spot price history/);
  });

  it('labels a local run as an estimate from local seconds and the configured price', async () => {
    const cost = await priceRun(
      [
        {
          backend: 'local',
          id: '42',
          launchedAt: t('00:00').toISOString(),
          terminatedAt: t('00:30').toISOString(),
          interrupted: false,
          shardId: 's000',
          attempt: 1,
          configs: ['AAPL#1d'],
        },
      ],
      { config: defaultConfig, now: () => t('01:00') },
    );
    const price = defaultConfig.pricing.spotPerHour[defaultConfig.training.instanceTypes[0]!]!;
    expect(cost.sources).toEqual([COST_SOURCES.local]);
    expect(COST_SOURCES.local).toBe('estimate (local seconds × configured price)');
    expect(cost.totalUsd).toBeCloseTo(price / 2, 12);
    expect(cost.perConfigUsd['AAPL#1d']).toBeCloseTo(price / 2, 12);
  });
});
