import { describe, expect, it } from 'vitest';
import { judgeOutcomes, welchTTest, type PredictionOutcome, type VerdictSettings } from '../../../core/live/index.js';
import { gaussian, seededRandom as mulberry32 } from '../../../core/random/index.js';

describe("Welch's t-test", () => {
  // R 4.x: t.test(extra ~ group, data = sleep) (Student 1908, Cushny & Peebles' sleep data):
  // t = -1.8608, df = 17.776, p-value = 0.07939.
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it("matches R's t.test on the sleep data: statistic, Welch-Satterthwaite df and two-sided p", () => {
    const r = welchTTest(group1, group2);
    expect(r.statistic).toBeCloseTo(-1.8608, 4);
    expect(r.df).toBeCloseTo(17.776, 3);
    expect(r.pTwoSided).toBeCloseTo(0.07939, 5);
    // R: t.test(extra ~ group, data = sleep, alternative = "greater")$p.value = 0.9603 (1 - 0.07939 / 2).
    expect(r.pGreater).toBeCloseTo(1 - 0.07939 / 2, 4);
    expect(welchTTest(group2, group1).pGreater).toBeCloseTo(0.07939 / 2, 5);
  });

  it('gives no evidence (p = 1) with fewer than two samples a side or no variance', () => {
    expect(welchTTest([1], [0, 1, 2]).pGreater).toBe(1);
    expect(welchTTest([1, 1], [1, 1]).pTwoSided).toBe(1);
  });
});

function outcomes(
  n: number,
  variant: PredictionOutcome['variant'],
  version: number,
  noise: number,
  seed: number,
  idPrefix = 'r',
): PredictionOutcome[] {
  const rand = mulberry32(seed);
  const truthRand = mulberry32(1234);
  return Array.from({ length: n }, (_, i) => {
    const realisedReturn = 0.01 * gaussian(truthRand);
    const prediction = realisedReturn + noise * gaussian(rand);
    return {
      requestId: `${idPrefix}${i}`,
      key: 'AAPL#1d',
      version,
      variant,
      asOf: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(),
      loggedAt: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000 + 1000).toISOString(),
      targetTime: new Date(Date.UTC(2026, 0, 2) + i * 86_400_000).toISOString(),
      prediction,
      realisedReturn,
      squaredError: (prediction - realisedReturn) ** 2,
      directionHit: Math.sign(prediction) === Math.sign(realisedReturn),
      netReturn: Math.sign(prediction) * realisedReturn,
    };
  });
}

const settings: VerdictSettings = {
  mode: 'canary',
  minSamples: 30,
  alpha: 0.05,
  margin: 0.02,
  maxErrorRate: 0.02,
  maxExtensions: 2,
};
const none = { requests: 100, errors: 0, extensionsUsed: 0 };

describe('the bake verdict on realised outcomes', () => {
  it('zero traffic is insufficient evidence: the bake extends, then rejects; it never promotes', () => {
    const first = judgeOutcomes(settings, { candidate: [], production: [], requests: 0, errors: 0, extensionsUsed: 0 });
    expect(first).toMatchObject({ verdict: 'insufficient', action: 'extend', candidateSamples: 0 });
    const last = judgeOutcomes(settings, { candidate: [], production: [], requests: 0, errors: 0, extensionsUsed: 2 });
    expect(last).toMatchObject({ verdict: 'insufficient', action: 'reject' });
  });

  it('an error rate over the limit rolls back whatever the outcomes say', () => {
    const v = judgeOutcomes(settings, {
      candidate: outcomes(100, 'canary', 2, 0.001, 1),
      production: outcomes(100, 'production', 1, 0.02, 2),
      requests: 100,
      errors: 5,
      extensionsUsed: 0,
    });
    expect(v).toMatchObject({ verdict: 'rollback', action: 'rollback', errorRate: 0.05 });
  });

  it('canary mode, unpaired: a better candidate promotes, a worse one rolls back with p < alpha (Welch)', () => {
    const better = judgeOutcomes(settings, {
      candidate: outcomes(80, 'canary', 2, 0.002, 3),
      production: outcomes(300, 'production', 1, 0.01, 4),
      ...none,
    });
    expect(better).toMatchObject({
      verdict: 'promote',
      test: 'welch',
      benchmark: 'production',
      candidateSamples: 80,
      benchmarkSamples: 300,
    });
    const worse = judgeOutcomes(settings, {
      candidate: outcomes(80, 'canary', 2, 0.03, 5),
      production: outcomes(300, 'production', 1, 0.01, 6),
      ...none,
    });
    expect(worse.verdict).toBe('rollback');
    expect(worse.test).toBe('welch');
    expect(worse.pValue!).toBeLessThan(settings.alpha);
  });

  it('shadow mode pairs by request id and uses Diebold-Mariano', () => {
    const prod = outcomes(60, 'production', 1, 0.01, 7, 'q');
    const shadow = outcomes(60, 'shadow', 2, 0.02, 8, 'q');
    const v = judgeOutcomes({ ...settings, mode: 'shadow' }, { candidate: shadow, production: prod, ...none });
    expect(v).toMatchObject({
      verdict: 'rollback',
      test: 'diebold-mariano',
      candidateSamples: 60,
      benchmarkSamples: 60,
    });
    // Unmatched request ids are not pairs: no evidence.
    const unpaired = judgeOutcomes(
      { ...settings, mode: 'shadow' },
      { candidate: outcomes(60, 'shadow', 2, 0.002, 9, 'x'), production: prod, ...none },
    );
    expect(unpaired).toMatchObject({ verdict: 'insufficient', candidateSamples: 0 });
  });

  it('without a production version the candidate is judged against the naive forecast on its own requests (paired)', () => {
    const v = judgeOutcomes(settings, { candidate: outcomes(60, 'canary', 1, 0.001, 10), production: [], ...none });
    expect(v).toMatchObject({ verdict: 'promote', test: 'diebold-mariano', benchmark: 'naive' });
  });

  it('not worse but short of the margin waits for more evidence', () => {
    const same = outcomes(80, 'canary', 2, 0.01, 11);
    const v = judgeOutcomes(
      { ...settings, mode: 'shadow' },
      { candidate: same, production: same.map((o) => ({ ...o, variant: 'production' as const, version: 1 })), ...none },
    );
    expect(v).toMatchObject({ verdict: 'insufficient', action: 'extend', test: 'diebold-mariano' });
  });
});
