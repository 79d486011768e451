import type { Timeframe } from '../../core/config/index.js';
import { marketBarEvent, type MarketBarEvent } from '../../core/events/index.js';
import type { OhlcvBar } from '../../core/features/index.js';
import type { DailyBar } from '../../local/replay/vega.js';

/** A vega-datasets daily bar (dated, as the CSV has it) as the feature code's OHLCV bar, opening at 00:00 UTC. */
export function dailyOhlcv(d: DailyBar): OhlcvBar & { t: number } {
  return { t: Date.parse(`${d.date}T00:00:00.000Z`), o: d.o, h: d.h, l: d.l, c: d.c, v: d.v };
}

/** Where a fixture's bars come from, and when they were ingested (default: at the bar's own time). */
export interface BarStamp {
  source: string;
  /** Default true: made-up bars; vega-datasets bars are real. */
  synthetic?: boolean;
  ingestTime?: string;
}

/** One bar of a fixture series as the market-bar event producers send and the sink lands. */
export function barEvent(
  symbol: string,
  timeframe: Timeframe,
  bar: OhlcvBar | DailyBar,
  stamp: BarStamp,
): MarketBarEvent {
  const eventTime = 'date' in bar ? `${bar.date}T00:00:00.000Z` : new Date(bar.t).toISOString();
  const { o, h, l, c, v } = bar;
  return marketBarEvent({
    source: stamp.source,
    synthetic: stamp.synthetic ?? true,
    symbol,
    timeframe,
    eventTime,
    ingestTime: stamp.ingestTime ?? eventTime,
    o,
    h,
    l,
    c,
    v,
  });
}
