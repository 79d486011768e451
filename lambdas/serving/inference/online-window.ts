import type { Timeframe } from '../../../core/config/index.js';
import { seriesKey, type OnlineBarStore, type StoredBar } from '../../../core/online/index.js';

export type WindowSource = Pick<OnlineBarStore, 'trailingBars' | 'depth'>;

interface Entry {
  bars: StoredBar[];
  fetchedAt: number;
}

/**
 * A warm handler's copy of each series' stored window, reused for `ttlMs`: a hot symbol costs one store
 * read per TTL, not one per request. Concurrent misses for a series share one read. Between one and two
 * TTLs an entry is still answered while one background read refreshes it, so a hot series never waits on
 * the store; older than that, the request waits for the read. The entry's last bar time is the answer's
 * asOf, so two answers from one entry are for the same bar.
 */
export class OnlineWindowCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<StoredBar[]>>();

  constructor(
    private readonly source: WindowSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get depth(): number {
    return this.source.depth;
  }

  async window(symbol: string, timeframe: Timeframe): Promise<StoredBar[]> {
    const key = seriesKey(symbol, timeframe);
    const cached = this.entries.get(key);
    const age = cached ? this.now() - cached.fetchedAt : Infinity;
    if (age < this.ttlMs) return cached!.bars;
    const read = this.inflight.get(key) ?? this.read(key, symbol, timeframe);
    if (age < 2 * this.ttlMs) {
      read.catch(() => undefined);
      return cached!.bars;
    }
    return read;
  }

  private read(key: string, symbol: string, timeframe: Timeframe): Promise<StoredBar[]> {
    const read = this.source
      .trailingBars(symbol, timeframe)
      .then((bars) => {
        this.entries.set(key, { bars, fetchedAt: this.now() });
        return bars;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, read);
    return read;
  }
}
