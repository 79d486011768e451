import type { Timeframe } from '../config/index.js';
import type { MarketBarEvent } from '../events/index.js';
import type { OnlineBarStore } from '../online/index.js';

/** What the move rule needs of a landed bar. */
export type LandedBar = Pick<MarketBarEvent, 'eventTime' | 'c'>;

/** The port the sink asks for a series' last landed bars (the move rule's history). */
export interface RecentBars {
  /** Landed bars of the series, oldest first; the rule takes the tail it needs. */
  recent(symbol: string, timeframe: Timeframe): Promise<readonly LandedBar[]>;
  /** Bars that just landed, so the cache stays current without re-reading. */
  landed(bars: readonly MarketBarEvent[]): void;
}

const seriesKey = (symbol: string, timeframe: string) => `${symbol}#${timeframe}`;

/** Inserts bars into an oldest-first list by event time, replacing a bar at the same time, and keeps the tail. */
function mergeTail(into: readonly LandedBar[], bars: readonly LandedBar[], keep: number): LandedBar[] {
  const byTime = new Map(into.map((b) => [b.eventTime, b]));
  for (const b of bars) byTime.set(b.eventTime, b);
  return [...byTime.values()].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime)).slice(-keep);
}

/**
 * Recent bars cached per warm container. A series' first miss reads its trailing bars from the online store
 * (core/online: the sink keeps it after every lake write, so it holds exactly the landed bars), after that the
 * sink's `landed` calls keep the cache current: a cold container pays one Query per series, not one per batch.
 * Without a store (a process that keeps none) the history is what this process landed. The store keeps
 * `inference.minBars` bars a series (171 by default), far more than the move rule's window (21); a config with
 * fewer gets a shorter cold history, which the rule handles as it handles a young series.
 */
export class CachedRecentBars implements RecentBars {
  private readonly cache = new Map<string, LandedBar[]>();
  private readonly loaded = new Map<string, Promise<void>>();

  constructor(
    /** Bars kept per series: the volatility window plus the last bar. */
    private readonly keep: number,
    private readonly store?: Pick<OnlineBarStore, 'trailingBars'>,
  ) {}

  async recent(symbol: string, timeframe: Timeframe): Promise<readonly LandedBar[]> {
    const key = seriesKey(symbol, timeframe);
    let loading = this.loaded.get(key);
    if (!loading) {
      loading = this.load(key, symbol, timeframe);
      this.loaded.set(key, loading);
      // A failed read is retried on the next batch rather than cached as "no history".
      loading.catch(() => this.loaded.delete(key));
    }
    await loading;
    return this.cache.get(key) ?? [];
  }

  landed(bars: readonly MarketBarEvent[]): void {
    const bySeries = new Map<string, MarketBarEvent[]>();
    for (const b of bars) {
      const key = seriesKey(b.symbol, b.timeframe);
      const list = bySeries.get(key);
      if (list) list.push(b);
      else bySeries.set(key, [b]);
    }
    for (const [key, list] of bySeries) this.cache.set(key, mergeTail(this.cache.get(key) ?? [], list, this.keep));
  }

  private async load(key: string, symbol: string, timeframe: Timeframe): Promise<void> {
    if (!this.store) return;
    const stored = await this.store.trailingBars(symbol, timeframe, this.keep);
    const bars = stored.map((b) => ({ eventTime: new Date(b.t).toISOString(), c: b.c }));
    this.cache.set(key, mergeTail(bars, this.cache.get(key) ?? [], this.keep));
  }
}
