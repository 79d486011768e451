import { describe, expect, it } from 'vitest';
import { readRunDoc } from '../../../lambdas/training/tasks/run-docs.js';
import { retrainWorldPerTest, runRetrain, testConfig, type RetrainWorld } from './support/retrain-world.js';

const SYMBOLS = ['AAPL', 'MSFT', 'JPM', 'IBM'];
const worlds = retrainWorldPerTest();

const run = (w: RetrainWorld) => runRetrain(w, 'per-config gating');
const config = () =>
  testConfig({
    universe: { symbols: SYMBOLS, timeframes: ['1d'] },
    training: { configsPerShard: 2 },
    quality: { maxFailingConfigShare: 0.25 },
  });

/** The four daily series, 40 bars each unless `short` says fewer; JPM has NaN closes: the one bad config. */
const lake = (short: Record<string, number> = {}) =>
  SYMBOLS.map((symbol) => ({
    symbol,
    timeframe: '1d' as const,
    bars: short[symbol] ?? 40,
    ...(symbol === 'JPM' ? { nanAt: [3, 9] } : {}),
  }));

describe('per-config data-quality gate (synthesised ASL, run locally against moto)', () => {
  it('one bad config of four is skipped with its report; the other three train and the notification says why', async () => {
    const world = await worlds.create({
      config: config(),
      lake: lake(),
    });
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.path).toContain('PlanShards');
    const trained = world.fake!.launches.flatMap((l) => l.configs).sort();
    expect(trained).toEqual(['AAPL#1d', 'IBM#1d', 'MSFT#1d']);
    expect(result.output!.promoted.map((p) => p.key).sort()).toEqual(['AAPL#1d', 'IBM#1d', 'MSFT#1d']);
    expect(result.output!.skippedConfigs).toEqual([{ key: 'JPM#1d', issues: ['NaN fraction 0.0500 > 0.01 (2 rows)'] }]);
    const messages = await world.alerts.read();
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.message).skippedConfigs).toEqual([
      { key: 'JPM#1d', issues: ['NaN fraction 0.0500 > 0.01 (2 rows)'] },
    ]);
    const report = await readRunDoc<{
      passed: boolean;
      skipped: { key: string; issues: string[] }[];
      configs: { key: string }[];
    }>(world.deps, result.output!.runId!, 'quality-report');
    expect(report.passed).toBe(true);
    expect(report.skipped.map((s) => s.key)).toEqual(['JPM#1d']);
    expect(report.configs).toHaveLength(4);
  });

  it('two bad configs of four exceed the 25% share: the run fails and nothing trains', async () => {
    const world = await worlds.create({
      config: config(),
      lake: lake({ IBM: 12 }),
    });
    const result = await run(world);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DataQualityGateFailed');
    expect(result.cause).toMatch(/2\/4 configs fail \(share 0\.500 > 0\.25\)/);
    expect(world.fake!.launches).toHaveLength(0);
  });
});
