import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config/index.js';
import { assessBars, gapThresholdMs, gateVerdict, type BarRow } from '../../../lambdas/training/tasks/quality-gate.js';

const thresholds = { ...defaultConfig.thresholds, minRowsPerConfig: 10, maxNanFraction: 0.05, maxGapFraction: 0.1 };
const DAY = 86_400_000;

function bars(times: number[], nanAt: number[] = []): BarRow[] {
  return times.map((t, i) => {
    const c = nanAt.includes(i) ? Number.NaN : 101;
    const event = {
      eventId: 'a'.repeat(32),
      type: 'market-bar',
      schemaVersion: 1,
      symbol: 'AAPL',
      timeframe: '1d',
      eventTime: new Date(t).toISOString(),
      ingestTime: new Date(t).toISOString(),
      source: 'test',
      synthetic: true,
      o: 100,
      h: 102,
      l: 99,
      c,
      v: 10,
    };
    return { eventTime: event.eventTime, values: { o: 100, h: 102, l: 99, c, v: 10 }, event };
  });
}

const start = Date.UTC(2025, 0, 6);
const daily = (n: number) => Array.from({ length: n }, (_, i) => start + i * DAY);

describe('data-quality assessment', () => {
  it('passes a clean, long enough series', () => {
    expect(assessBars('AAPL#1d', bars(daily(20)), thresholds)).toMatchObject({
      rows: 20,
      nanRows: 0,
      gaps: 0,
      schemaErrors: 0,
      issues: [],
    });
  });

  it('reports too few rows', () => {
    expect(assessBars('AAPL#1d', bars(daily(5)), thresholds).issues).toEqual(['too few rows: 5 < 10']);
  });

  it('reports NaN rows over the allowed fraction', () => {
    const q = assessBars('AAPL#1d', bars(daily(20), [1, 2]), thresholds);
    expect(q).toMatchObject({ nanRows: 2, nanFraction: 0.1, rows: 18 });
    expect(q.issues).toEqual(['NaN fraction 0.1000 > 0.05 (2 rows)']);
  });

  it('reports schema violations (high below low)', () => {
    const rows = bars(daily(20));
    rows[3]!.event.h = 50;
    const q = assessBars('AAPL#1d', rows, thresholds);
    expect(q.schemaErrors).toBe(1);
    expect(q.issues[0]).toMatch(/^schema: 1 rows fail the market-bar schema \(h: high must be/);
  });

  it('counts missing trading days as gaps but not weekends', () => {
    expect(gapThresholdMs('1d')).toBe(4 * DAY);
    const weekends = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14].map((d) => start + d * DAY);
    expect(assessBars('AAPL#1d', bars(weekends), thresholds).gaps).toBe(0);
    const holes = [...daily(10), start + 20 * DAY, start + 30 * DAY];
    const q = assessBars('AAPL#1d', bars(holes), thresholds);
    expect(q.gaps).toBe(2);
    expect(q.issues).toEqual(['gap fraction 0.1818 > 0.1 (2 gaps)']);
  });

  it('counts duplicate bars once', () => {
    expect(assessBars('AAPL#1d', bars([...daily(12), start]), thresholds)).toMatchObject({
      rows: 12,
      duplicateBars: 1,
    });
  });
});

describe('per-config gate verdict', () => {
  const q = (key: string, bad: boolean) => assessBars(key, bars(daily(bad ? 5 : 20)), thresholds);
  it('skips failing configs up to the allowed share and fails the run beyond it', () => {
    const four = [q('A#1d', false), q('B#1d', true), q('C#1d', false), q('D#1d', false)];
    expect(gateVerdict(four, 0.25)).toEqual({
      passed: true,
      failing: [{ key: 'B#1d', issues: ['too few rows: 5 < 10'] }],
      failingShare: 0.25,
    });
    expect(gateVerdict(four, 0.24).passed).toBe(false);
    expect(gateVerdict([q('A#1d', false)], 0).passed).toBe(true);
  });
  it('fails when nothing is left to train, whatever the share allows', () => {
    expect(gateVerdict([q('A#1d', true)], 1).passed).toBe(false);
    expect(gateVerdict([], 1).passed).toBe(false);
  });
});
