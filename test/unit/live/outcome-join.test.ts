import { describe, expect, it } from 'vitest';
import { signBacktest } from '../../../core/evaluation/index.js';
import {
  dedupePredictions,
  featureSpecHash,
  joinOutcomes,
  parsePredictionLines,
  rollingQuality,
  type PredictionRecord,
} from '../../../core/live/index.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2026, 0, 5);
const bars = [100, 101, 99, 102, 102].map((c, i) => ({ t: t0 + i * DAY, c }));

function record(i: number, prediction: number, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    kind: 'prediction',
    requestId: `req-${i}`,
    key: 'AAPL#1d',
    version: 3,
    variant: 'production',
    asOf: new Date(t0 + i * DAY).toISOString(),
    targetTime: new Date(t0 + (i + 1) * DAY).toISOString(),
    prediction,
    featureSpecHash: featureSpecHash({ returns: [1, 5] }),
    loggedAt: new Date(t0 + i * DAY + 1000).toISOString(),
    ...extra,
  };
}

describe('prediction log records', () => {
  it('dedupes by request id and variant (a redelivered record), keeping a shadow beside its production twin', () => {
    const a = record(0, 0.01);
    const shadow = record(0, -0.02, { variant: 'shadow', version: 4 });
    expect(dedupePredictions([a, { ...a, loggedAt: new Date(t0 + 5000).toISOString() }, shadow])).toEqual([a, shadow]);
  });

  it('parses JSON lines, counting lines that are not prediction records', () => {
    const text = `${JSON.stringify(record(0, 0.01))}\nnot json\n${JSON.stringify({ kind: 'other' })}\n\n`;
    const { records, invalid } = parsePredictionLines(text);
    expect(records).toHaveLength(1);
    expect(invalid).toBe(2);
  });
});

describe('outcome join', () => {
  const predictions = [record(0, 0.005), record(1, 0.01), record(2, 0.02), record(3, -0.01), record(4, 0.01)];

  it('realises next-bar returns, squared errors, direction hits and the trainer backtest net returns; the last bar is pending', () => {
    const { outcomes, pending, unmatched } = joinOutcomes(predictions, bars, { costBps: 5, timeframe: '1d' });
    expect(pending).toBe(1);
    expect(unmatched).toBe(0);
    const realised = [101 / 100 - 1, 99 / 101 - 1, 102 / 99 - 1, 0];
    expect(outcomes.map((o) => o.realisedReturn)).toEqual(realised);
    expect(outcomes.map((o) => o.directionHit)).toEqual([true, false, true, false]);
    expect(outcomes[1]!.squaredError).toBeCloseTo((0.01 - realised[1]!) ** 2, 15);
    const expected = signBacktest([0.005, 0.01, 0.02, -0.01], realised, 5, 252).returns;
    expect(outcomes.map((o) => o.netReturn)).toEqual([...expected]);
  });

  it('is deterministic whatever the input order: running it twice over the same data gives the same outcomes', () => {
    const once = joinOutcomes(predictions, bars, { costBps: 5, timeframe: '1d' });
    const twice = joinOutcomes([...predictions].reverse(), [...bars].reverse(), { costBps: 5, timeframe: '1d' });
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
  });

  it('counts predictions whose asOf bar is not in the lake', () => {
    const off = record(9, 0.01, { asOf: new Date(t0 + 0.5 * DAY).toISOString() });
    expect(joinOutcomes([off], bars, { costBps: 5, timeframe: '1d' }).unmatched).toBe(1);
  });

  it('rolls quality up per version over the latest window', () => {
    const { outcomes } = joinOutcomes(predictions, bars, { costBps: 0, timeframe: '1d' });
    const [q] = rollingQuality(outcomes, 2);
    expect(q).toMatchObject({ version: 3, variant: 'production', samples: 2, directionalAccuracy: 0.5 });
    expect(q!.netPnl).toBeCloseTo(outcomes[2]!.netReturn + outcomes[3]!.netReturn, 15);
  });
});
