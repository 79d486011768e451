import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config/index.js';
import {
  eventIdFor,
  eventSchema,
  marketBarEvent,
  marketBarSchema,
  upcastEvent,
  type MarketBarEvent,
  type NewsEvent,
} from '../../../core/events/index.js';
import {
  checkBarMove,
  checkEventTime,
  checkIdentifiers,
  checkPriceBounds,
  checkStateless,
  checkUniverse,
  checkVolumeBounds,
  screenEvents,
} from '../../../core/quality/index.js';
import { V1_BAR_RECORD } from '../../support/events.js';

const q = defaultConfig.quality;
const DAY = 86_400_000;
const NOW = Date.parse('2026-01-10T12:00:00.000Z');

function bar(over: Partial<MarketBarEvent> = {}, t = '2026-01-09T00:00:00.000Z'): MarketBarEvent {
  return {
    ...marketBarEvent({
      source: 'test',
      synthetic: true,
      symbol: 'AAPL',
      timeframe: '1d',
      eventTime: t,
      ingestTime: '2026-01-10T11:59:00.000Z',
      o: 100,
      h: 101,
      l: 99,
      c: 100,
      v: 1000,
    }),
    ...over,
  };
}

function news(over: Partial<NewsEvent> = {}): NewsEvent {
  return {
    eventId: eventIdFor('n', '1'),
    type: 'news',
    schemaVersion: 1,
    symbol: 'AAPL',
    eventTime: '2026-01-09T00:00:00.000Z',
    ingestTime: '2026-01-10T11:59:00.000Z',
    source: 'test',
    synthetic: true,
    headline: 'AAPL beats',
    ...over,
  };
}

/** Daily closes with log returns alternating +-r: sample volatility of the window is r (to within the mean). */
function series(n: number, r: number, start = Date.parse('2025-06-02T00:00:00.000Z')): MarketBarEvent[] {
  let c = 100;
  return Array.from({ length: n }, (_, i) => {
    if (i > 0) c *= Math.exp(i % 2 ? r : -r);
    const p = Math.round(c * 1e6) / 1e6;
    return bar({ o: p, h: p, l: p, c: p }, new Date(start + i * DAY).toISOString());
  });
}

describe('event-time rule', () => {
  it('accepts the history start itself and rejects a millisecond before', () => {
    expect(checkEventTime(bar({}, q.historyStart), NOW, q)).toBeUndefined();
    const before = new Date(Date.parse(q.historyStart) - 1).toISOString();
    expect(checkEventTime(bar({}, before), NOW, q)).toMatchObject({
      rule: 'event-time',
      values: { eventTime: before },
    });
  });
  it('takes a per-symbol history start', () => {
    const cfg = { ...q, historyStartBySymbol: { AAPL: '1980-12-12T00:00:00.000Z' } };
    expect(checkEventTime(bar({}, '1980-12-12T00:00:00.000Z'), NOW, cfg)).toBeUndefined();
    expect(checkEventTime(bar({}, '1980-12-11T23:59:59.999Z'), NOW, cfg)?.rule).toBe('event-time');
  });
  it('allows the clock skew past the arrival time and not a millisecond more', () => {
    const ingest = '2026-01-10T11:00:00.000Z';
    const edge = new Date(Date.parse(ingest) + q.clockSkewSeconds * 1000).toISOString();
    expect(checkEventTime(bar({ ingestTime: ingest }, edge), NOW, q)).toBeUndefined();
    expect(
      checkEventTime(bar({ ingestTime: ingest }, new Date(Date.parse(edge) + 1).toISOString()), NOW, q)?.rule,
    ).toBe('event-time');
  });
  it('bounds by the sink clock when the producer stamps a future ingest time', () => {
    const future = new Date(NOW + DAY).toISOString();
    expect(checkEventTime(bar({ ingestTime: future }, future), NOW, q)?.detail).toMatch(/after its arrival/);
    const justAhead = new Date(NOW + q.clockSkewSeconds * 1000 + 1).toISOString();
    expect(checkEventTime(bar({ ingestTime: justAhead }, '2026-01-09T00:00:00.000Z'), NOW, q)?.detail).toMatch(
      /ingest time .* is in the future/,
    );
    expect(
      checkEventTime(
        bar({ ingestTime: new Date(NOW + q.clockSkewSeconds * 1000).toISOString() }, '2026-01-09T00:00:00.000Z'),
        NOW,
        q,
      ),
    ).toBeUndefined();
  });
});

describe('price and volume bounds', () => {
  const { minPrice, maxPrice, maxVolume } = q.marketBar;
  it('accepts prices at both bounds and rejects just outside', () => {
    expect(checkPriceBounds(bar({ o: minPrice, l: minPrice, c: minPrice, h: minPrice }), q)).toBeUndefined();
    expect(checkPriceBounds(bar({ o: maxPrice, h: maxPrice, l: maxPrice, c: maxPrice }), q)).toBeUndefined();
    expect(checkPriceBounds(bar({ l: minPrice / 2 }), q)).toMatchObject({
      rule: 'price-bounds',
      values: { field: 'l', value: minPrice / 2 },
    });
    expect(checkPriceBounds(bar({ h: maxPrice * 1.000001 }), q)).toMatchObject({
      rule: 'price-bounds',
      values: { field: 'h' },
    });
    expect(checkPriceBounds(bar({ vwap: maxPrice * 2 }), q)?.values.field).toBe('vwap');
  });
  it('accepts volume at the bound and rejects above', () => {
    expect(checkVolumeBounds(bar({ v: maxVolume }), q)).toBeUndefined();
    expect(checkVolumeBounds(bar({ v: maxVolume * 1.01 }), q)).toMatchObject({
      rule: 'volume-bounds',
      values: { field: 'v' },
    });
    expect(checkVolumeBounds(bar({ trades: maxVolume + 1 }), q)?.values.field).toBe('trades');
  });
});

describe('universe rule', () => {
  const universe = defaultConfig.universe.symbols;
  it('accepts a universe symbol and rejects another for bars, even one on the text allow-list', () => {
    expect(checkUniverse(bar(), universe, q.textSymbolAllowList)).toBeUndefined();
    expect(checkUniverse(bar({ symbol: 'ZZZZ' }), universe, q.textSymbolAllowList)).toMatchObject({
      rule: 'universe',
      values: { symbol: 'ZZZZ' },
    });
    expect(checkUniverse(bar({ symbol: 'SPY' }), universe, ['SPY'])?.rule).toBe('universe');
  });
  it('lets text events name an allow-listed symbol', () => {
    expect(checkUniverse(news({ symbol: 'SPY' }), universe, ['SPY'])).toBeUndefined();
    expect(checkUniverse(news({ symbol: 'SPY' }), universe, [])?.rule).toBe('universe');
  });
});

describe('identifier rule', () => {
  it('accepts printable identifiers and rejects control, zero-width and bidi characters', () => {
    expect(checkIdentifiers(news({ publisher: 'Reuters – Wire', headline: 'line one\nline two' }))).toBeUndefined();
    expect(checkIdentifiers(news({ publisher: 'Reut\u0007ers' }))).toMatchObject({
      rule: 'identifier-chars',
      values: { field: 'publisher', character: 'U+0007' },
    });
    expect(checkIdentifiers(news({ source: 'wire\u200b' }))?.values.character).toBe('U+200B');
    expect(checkIdentifiers(news({ url: 'https://x.test/\u202egnp.exe' }))?.values.field).toBe('url');
    expect(checkIdentifiers(news({ sentiment: { score: 0, model: 'm\u0000' } }))?.values.field).toBe('sentiment.model');
  });
});

describe('bar-move rule', () => {
  const m = q.marketBar;
  it('does not judge without minHistoryBars of history', () => {
    const history = series(m.minHistoryBars - 1, 0.01);
    expect(
      checkBarMove(bar({ o: 1000, h: 1000, l: 1000, c: 1000 }, '2026-01-01T00:00:00.000Z'), history, q),
    ).toBeUndefined();
  });
  it('accepts a move at the sigma bound and rejects one just beyond', () => {
    // Volatility 4% a bar: 10 sigma = 40% > the 25% floor, so the sigma bound decides.
    const history = series(m.volatilityWindowBars + 1, 0.04);
    const last = history[history.length - 1]!;
    const next = new Date(Date.parse(last.eventTime) + DAY).toISOString();
    const returns = history.slice(1).map((b, i) => Math.log(b.c / history[i]!.c));
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sigma = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1));
    const bound = m.maxMoveSigmas * sigma;
    expect(bound).toBeGreaterThan(m.minMoveBound);
    const at = last.c * Math.exp(bound * 0.9999);
    expect(checkBarMove(bar({ o: last.c, h: at, l: last.c, c: at }, next), history, q)).toBeUndefined();
    const beyond = last.c * Math.exp(bound * 1.0001);
    expect(checkBarMove(bar({ o: last.c, h: beyond, l: last.c, c: beyond }, next), history, q)).toMatchObject({
      rule: 'bar-move',
      values: { field: 'h', lastClose: last.c },
    });
  });
  it('never rejects a move within the floor, however calm the series', () => {
    const history = series(m.volatilityWindowBars + 1, 0.0001);
    const last = history[history.length - 1]!;
    const next = new Date(Date.parse(last.eventTime) + DAY).toISOString();
    const inside = last.c * Math.exp(m.minMoveBound * 0.999);
    expect(checkBarMove(bar({ o: inside, h: inside, l: inside, c: inside }, next), history, q)).toBeUndefined();
    const outside = last.c * Math.exp(-m.minMoveBound * 1.001);
    expect(checkBarMove(bar({ o: outside, h: outside, l: outside, c: outside }, next), history, q)?.values.field).toBe(
      'o',
    );
  });
  it('widens the bound with the bars elapsed since the last landed bar', () => {
    const history = series(m.volatilityWindowBars + 1, 0.04);
    const last = history[history.length - 1]!;
    const price = last.c * Math.exp(0.6);
    const move = { o: price, h: price, l: price, c: price };
    expect(checkBarMove(bar(move, new Date(Date.parse(last.eventTime) + DAY).toISOString()), history, q)?.rule).toBe(
      'bar-move',
    );
    expect(
      checkBarMove(bar(move, new Date(Date.parse(last.eventTime) + 9 * DAY).toISOString()), history, q),
    ).toBeUndefined();
  });
  it('a rejected bar is not the reference for the next bar of the batch', async () => {
    const history = series(m.volatilityWindowBars + 1, 0.01);
    const last = history[history.length - 1]!;
    const t = (d: number) => new Date(Date.parse(last.eventTime) + d * DAY).toISOString();
    const spike = bar({ o: last.c * 10, h: last.c * 10, l: last.c * 10, c: last.c * 10 }, t(1));
    const normal = bar({ o: last.c, h: last.c * 1.01, l: last.c * 0.99, c: last.c }, t(2));
    const recentBars = { recent: async () => history, landed: () => undefined };
    const { accepted, quarantined } = await screenEvents([normal, spike], (e) => e, defaultConfig, NOW, recentBars);
    expect(accepted).toEqual([normal]);
    expect(quarantined.map((x) => [x.item, x.violation.rule])).toEqual([[spike, 'bar-move']]);
  });
});

describe('the stateless rules together', () => {
  it('name the first rule a record fails', () => {
    expect(checkStateless(bar(), NOW, defaultConfig)).toBeUndefined();
    expect(checkStateless(bar({ symbol: 'ZZZZ', c: 1e9 }), NOW, defaultConfig)?.rule).toBe('universe');
    expect(checkStateless(bar({ h: 1e9 }), NOW, defaultConfig)?.rule).toBe('price-bounds');
  });
});

describe('schema versions', () => {
  const v1 = V1_BAR_RECORD;
  it('reads version 1 bars as the current version 2 shape', () => {
    expect(eventSchema.parse(v1)).toEqual({ ...v1, schemaVersion: 2 });
    expect(eventSchema.parse({ ...v1, schemaVersion: 2, vwap: 10.5, trades: 42 })).toMatchObject({
      schemaVersion: 2,
      vwap: 10.5,
      trades: 42,
    });
  });
  it('drops fields version 1 never had instead of trusting them', () => {
    expect(upcastEvent({ ...v1, vwap: 11 })).toEqual({ ...v1, schemaVersion: 2 });
  });
  it('rejects a vwap outside the bar and unknown versions', () => {
    expect(marketBarSchema.safeParse({ ...v1, schemaVersion: 2, vwap: 13 }).success).toBe(false);
    expect(eventSchema.safeParse({ ...v1, schemaVersion: 3 }).success).toBe(false);
    expect(marketBarSchema.safeParse(v1).success).toBe(false);
  });
});
