import type { Timeframe } from '../../../core/config/index.js';
import { seriesKey, type OnlineBarStore, type StoredBar } from '../../../core/online/index.js';

export type WindowSource = Pick<OnlineBarStore, 'trailingBars' | 'depth'>;

interface Entry {
  bars: StoredBar[];
  fetchedAt: number;
}

/**
 * A warm handler's copy of each series' stored window, reused for `ttlMs`: a hot symbol costs one store
 * read per TTL, not one per request. Concurrent misses for a series share one read. The entry's last bar
 * time is the answer's asOf, so two answers from one entry are for the same bar.
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
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.bars;
    const pending = this.inflight.get(key);
    if (pending) return pending;
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
