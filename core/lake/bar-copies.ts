import type { MarketBarEvent, SignalEvent } from '../events/index.js';

/**
 * Which of two copies of the same bar (series and open time) counts: the later ingest, and on a tie the larger
 * event id. The online store and the lake's readers resolve duplicates this one way, so they agree on "the bar".
 */
export function isNewerCopy(
  a: { ingestMs: number; eventId: string },
  b: { ingestMs: number; eventId: string },
): boolean {
  return a.ingestMs > b.ingestMs || (a.ingestMs === b.ingestMs && a.eventId > b.eventId);
}

/** A landed bar as isNewerCopy compares it. */
export const barCopy = (e: MarketBarEvent) => ({ ingestMs: Date.parse(e.ingestTime), eventId: e.eventId });

/** The bars of one series among lake events, one per bar time (isNewerCopy decides), oldest first. */
export function seriesBars(events: readonly SignalEvent[], symbol: string, timeframe: string): MarketBarEvent[] {
  const byTime = new Map<number, MarketBarEvent>();
  for (const e of events) {
    if (e.type !== 'market-bar' || e.symbol !== symbol || e.timeframe !== timeframe) continue;
    const t = Date.parse(e.eventTime);
    const held = byTime.get(t);
    if (!held || isNewerCopy(barCopy(e), barCopy(held))) byTime.set(t, e);
  }
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
}
