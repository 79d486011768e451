import { eventIdFor } from './ids.js';
import { MARKET_BAR_SCHEMA_VERSION, type MarketBarEvent } from './schemas.js';

export interface MarketBarFields {
  source: string;
  synthetic: boolean;
  symbol: string;
  timeframe: MarketBarEvent['timeframe'];
  eventTime: string;
  ingestTime: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vwap?: number;
  trades?: number;
}

/** A market-bar event whose id is derived from its source and natural key (symbol, timeframe, bar time). */
export function marketBarEvent(f: MarketBarFields): MarketBarEvent {
  return {
    eventId: eventIdFor(f.source, `${f.symbol}|${f.timeframe}|${f.eventTime}`),
    type: 'market-bar',
    schemaVersion: MARKET_BAR_SCHEMA_VERSION,
    symbol: f.symbol,
    timeframe: f.timeframe,
    eventTime: f.eventTime,
    ingestTime: f.ingestTime,
    source: f.source,
    synthetic: f.synthetic,
    o: f.o,
    h: f.h,
    l: f.l,
    c: f.c,
    v: f.v,
    ...(f.vwap === undefined ? {} : { vwap: f.vwap }),
    ...(f.trades === undefined ? {} : { trades: f.trades }),
  };
}
