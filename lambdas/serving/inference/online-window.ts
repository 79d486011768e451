import type { Timeframe } from '../../../core/config/index.js';
import { seriesKey, type OnlineBarStore, type StoredBar } from '../../../core/online/index.js';

export type WindowSource = Pick<OnlineBarStore, 'trailingBars' | 'depth'> &
  Partial<Pick<OnlineBarStore, 'changeToken'>>;

interface Entry {
  bars: StoredBar[];
  /** When the read that produced `bars` started: every bar landed before then is in them. */
  readAt: number;
  lastUsedAt: number;
  /** The series' change token read just before `bars`, where the source has tokens. */
  token?: string;
}

export interface OnlineWindowCacheOptions {
  /** How long after a series' last request it is still read ahead; 0 reads only for requests. */
  keepWarmMs?: number;
  /** Draws the refresh point within the TTL; injectable so tests can pin it. */
  random?: () => number;
}

/**
 * A warm handler's copy of each series' stored window, reused for `ttlMs`: a hot symbol costs one store
 * read per TTL, not one per request. Concurrent misses for a series share one read.
 *
 * Staleness bound: an answer's window comes from a read that started at most 2 x `ttlMs` before the
 * request, so it holds every bar landed before that. Younger than one TTL the entry is served as is;
 * between one and two it is still served while one background read refreshes it; older than that the
 * request waits for a read.
 *
 * Read-ahead: a series asked for within the last `keepWarmMs` is reread in the background before its
 * entry turns one TTL old, so a series that is hot, or pauses for less than `keepWarmMs`, never waits
 * on the store (a request that waits on a full window Query was the short form's p99 in the bench). The
 * refresh point is drawn between 0.5 and 0.9 TTL after the last read started, so series first read
 * together (a batch call) do not keep refreshing in the same instant.
 *
 * A refresh first reads the series' change token (one item); the window Query (`depth` items) runs only
 * when the token moved, so keeping an unchanged series warm costs one small read per TTL.
 */
export class OnlineWindowCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, { readAt: number; bars: Promise<StoredBar[]> }>();
  /** At most one pending read-ahead per series, whichever read scheduled it last. */
  private readonly readAhead = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly keepWarmMs: number;
  private readonly random: () => number;

  constructor(
    private readonly source: WindowSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    options: OnlineWindowCacheOptions = {},
  ) {
    this.keepWarmMs = ttlMs > 0 ? (options.keepWarmMs ?? 0) : 0;
    this.random = options.random ?? Math.random;
  }

  get depth(): number {
    return this.source.depth;
  }

  async window(symbol: string, timeframe: Timeframe): Promise<StoredBar[]> {
    const key = seriesKey(symbol, timeframe);
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached) cached.lastUsedAt = now;
    const age = cached ? now - cached.readAt : Infinity;
    if (age < this.ttlMs) return cached!.bars;
    const pending = this.inflight.get(key);
    if (age < 2 * this.ttlMs) {
      (pending?.bars ?? this.read(key, symbol, timeframe, now)).catch(() => undefined);
      return cached!.bars;
    }
    // Waiting on a read that started more than two TTLs ago (a slow store) would break the bound: start one.
    if (pending && now - pending.readAt <= 2 * this.ttlMs) return pending.bars;
    return this.read(key, symbol, timeframe, now);
  }

  private read(key: string, symbol: string, timeframe: Timeframe, usedAt: number): Promise<StoredBar[]> {
    const readAt = this.now();
    let ok = false;
    const bars = this.fetch(key, symbol, timeframe)
      .then(({ bars: read, token }) => {
        ok = true;
        const current = this.entries.get(key);
        // A slow read that a later one overtook must not put older bars back.
        if (!current || current.readAt <= readAt)
          this.entries.set(key, {
            bars: read,
            readAt,
            lastUsedAt: Math.max(usedAt, current?.lastUsedAt ?? usedAt),
            token,
          });
        return read;
      })
      .finally(() => {
        if (this.inflight.get(key)?.bars === bars) this.inflight.delete(key);
        // After a failure the next try is a fraction of a TTL from now, so a store that is down is not hammered.
        this.scheduleReadAhead(key, symbol, timeframe, ok ? readAt : this.now());
      });
    this.inflight.set(key, { readAt, bars });
    return bars;
  }

  /** The series' window: the held one while the change token has not moved since it was read, else a fresh Query. */
  private async fetch(
    key: string,
    symbol: string,
    timeframe: Timeframe,
  ): Promise<{ bars: StoredBar[]; token?: string }> {
    const source = this.source;
    if (!source.changeToken) return { bars: await source.trailingBars(symbol, timeframe) };
    const held = this.entries.get(key);
    // Token first, window second: a write landing between the two is read again next time, never missed.
    const token = await source.changeToken(symbol, timeframe);
    if (token !== undefined && held?.token === token) return { bars: held.bars, token };
    return { bars: await source.trailingBars(symbol, timeframe), token };
  }

  private scheduleReadAhead(key: string, symbol: string, timeframe: Timeframe, from: number): void {
    clearTimeout(this.readAhead.get(key));
    this.readAhead.delete(key);
    const entry = this.entries.get(key);
    if (!entry || this.keepWarmMs <= 0 || this.now() - entry.lastUsedAt > this.keepWarmMs) return;
    const dueIn = from + this.ttlMs * (0.5 + 0.4 * this.random()) - this.now();
    const timer = setTimeout(
      () => {
        this.readAhead.delete(key);
        const current = this.entries.get(key);
        if (!current || this.inflight.has(key) || this.now() - current.lastUsedAt > this.keepWarmMs) return;
        // A failure leaves the entry as it was (the stale path or a waiting request reads again).
        this.read(key, symbol, timeframe, current.lastUsedAt).catch(() => undefined);
      },
      Math.max(0, dueIn),
    );
    // A handler with nothing else to do may exit (and a Lambda freeze) without waiting for it.
    timer.unref?.();
    this.readAhead.set(key, timer);
  }
}
