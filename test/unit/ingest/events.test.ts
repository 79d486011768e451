import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { eventIdFor, eventSchema, marketBarSchema, topicForEvent } from '../../../core/events/index.js';
import { replayEvents, replayPlan, timeGrid } from '../../../local/replay/replay.js';
import { loadSp500Daily, resampleWeekly } from '../../../local/replay/vega.js';
import { V1_BAR_RECORD } from '../../support/events.js';

const config = loadConfig({ env: {} });

describe('event ids', () => {
  it('are a deterministic function of source and natural key', () => {
    expect(eventIdFor('polygon', 'AAPL|1d|2020-01-02T00:00:00.000Z')).toBe(
      eventIdFor('polygon', 'AAPL|1d|2020-01-02T00:00:00.000Z'),
    );
    expect(eventIdFor('polygon', 'AAPL|1d|2020-01-02T00:00:00.000Z')).not.toBe(
      eventIdFor('newsapi', 'AAPL|1d|2020-01-02T00:00:00.000Z'),
    );
    expect(eventIdFor('a', 'b')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('schemas', () => {
  const bar = V1_BAR_RECORD;
  it('accept a valid bar and map it to market-data', () => {
    const parsed = eventSchema.parse(bar);
    expect(topicForEvent(parsed)).toBe('market-data');
  });
  it('reject inconsistent OHLC, bad tickers, unknown versions', () => {
    expect(marketBarSchema.safeParse({ ...bar, h: 8 }).success).toBe(false);
    expect(eventSchema.safeParse({ ...bar, symbol: 'aapl' }).success).toBe(false);
    expect(eventSchema.safeParse({ ...bar, schemaVersion: 3 }).success).toBe(false);
    expect(eventSchema.safeParse({ ...bar, schemaVersion: 0 }).success).toBe(false);
    expect(eventSchema.safeParse({ ...bar, type: 'tweet' }).success).toBe(false);
  });
});

describe('replay', () => {
  it('streams real SPX daily bars from vega-datasets and weekly bars resampled from them', () => {
    const daily = loadSp500Daily();
    expect(daily[0]).toEqual({ date: '2000-01-03', o: 1469.25, h: 1478, l: 1438.359985, c: 1455.219971, v: 931800000 });
    const weekly = resampleWeekly(daily);
    // 2000-01-03 is a Monday; that week's bar spans Jan 3..7.
    const firstWeek = daily.filter((d) => d.date <= '2000-01-07');
    expect(weekly[0]).toEqual({
      date: '2000-01-03',
      o: firstWeek[0]!.o,
      h: Math.max(...firstWeek.map((d) => d.h)),
      l: Math.min(...firstWeek.map((d) => d.l)),
      c: firstWeek[firstWeek.length - 1]!.c,
      v: firstWeek.reduce((a, d) => a + d.v, 0),
    });
  });

  it('is deterministic, valid, labels synthetic data, and reports poison', () => {
    const options = { config, events: 20_000, poison: 8 };
    const first = [...replayEvents(options)];
    const second = [...replayEvents(options)];
    expect(second.map((i) => (i.kind === 'event' ? i.event.eventId : i.poison.expectedReason))).toEqual(
      first.map((i) => (i.kind === 'event' ? i.event.eventId : i.poison.expectedReason)),
    );
    const events = first.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
    const poison = first.flatMap((i) => (i.kind === 'poison' ? [i.poison] : []));
    expect(events).toHaveLength(20_000);
    expect(poison).toHaveLength(8);
    expect(new Set(poison.map((p) => p.expectedReason))).toEqual(
      new Set(['invalid-json', 'schema-violation', 'oversized', 'wrong-topic']),
    );
    expect(new Set(events.map((e) => e.eventId)).size).toBe(20_000);
    for (const e of events) expect(eventSchema.safeParse(e).success).toBe(true);
    const real = events.filter((e) => !e.synthetic);
    expect(real.length).toBe(replayPlan(options).realBars);
    expect(real.every((e) => e.symbol === 'SPX' && e.source === 'vega-datasets')).toBe(true);
    expect(events.filter((e) => e.synthetic).every((e) => e.source.startsWith('synthetic-'))).toBe(true);
    expect(new Set(events.map((e) => topicForEvent(e))).size).toBe(4);
  });

  it('places intraday bars on weekday session hours', () => {
    const grid = timeGrid('1h', 14);
    expect(grid).toHaveLength(14);
    for (const t of grid) {
      const d = new Date(t);
      expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
      expect(d.getUTCHours()).toBeGreaterThanOrEqual(14);
    }
    expect(timeGrid('1w', 3).every((t) => new Date(t).getUTCDay() === 1)).toBe(true);
  });
});
