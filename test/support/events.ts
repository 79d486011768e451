import { eventIdFor } from '../../core/events/index.js';

/** A raw market-bar record as a version-1 producer sent it (no vwap/trades), before any schema parsed it. */
export const V1_BAR_RECORD = {
  eventId: eventIdFor('x', 'y'),
  type: 'market-bar',
  schemaVersion: 1,
  symbol: 'AAPL',
  timeframe: '1d',
  eventTime: '2020-01-02T00:00:00.000Z',
  ingestTime: '2020-01-02T00:00:01.000Z',
  source: 'test',
  synthetic: false,
  o: 10,
  h: 12,
  l: 9,
  c: 11,
  v: 1000,
} as const;
