import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Timeframe } from '../config/index.js';
import type { MarketBarEvent } from '../events/index.js';
import { getObjectBytes, readLakeObject, utcDate } from '../lake/index.js';

/**
 * The port the sink asks for a series' last landed bars (the move rule's history). Implementations: the lake
 * (below) now; the online store of trailing bars per (symbol, timeframe) once it exists.
 */
export interface RecentBars {
  /** Landed bars of the series, oldest first; the rule takes the tail it needs. */
  recent(symbol: string, timeframe: Timeframe): Promise<readonly MarketBarEvent[]>;
  /** Bars that just landed, so an implementation with a cache stays current without re-reading. */
  landed(bars: readonly MarketBarEvent[]): void;
}

export interface LakeRecentBarsOptions {
  s3: S3Client;
  bucket: string;
  lakePrefix: string;
  /** Ingest days to look back for a series' newest objects. */
  lookbackDays: number;
  /** Bars kept per series (the volatility window plus the last bar). */
  keep: number;
  now?: () => number;
}

const seriesKey = (symbol: string, timeframe: string) => `${symbol}#${timeframe}`;

/** Inserts bars into an oldest-first list by event time, replacing a bar at the same time, and keeps the tail. */
function mergeTail(into: MarketBarEvent[], bars: readonly MarketBarEvent[], keep: number): MarketBarEvent[] {
  const byTime = new Map(into.map((b) => [b.eventTime, b]));
  for (const b of bars) byTime.set(b.eventTime, b);
  return [...byTime.values()].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime)).slice(-keep);
}

/**
 * Recent bars from the lake, cached per warm container: on a symbol's first miss it walks back from today's
 * ingest-date partition, reading the newest objects (by LastModified) until each of the symbol's series has
 * `keep` bars or the look-back runs out; after that the sink's `landed` calls keep the cache current. A cold
 * container therefore pays a few LIST/GETs per symbol once, not per batch.
 */
export class LakeRecentBars implements RecentBars {
  private readonly cache = new Map<string, MarketBarEvent[]>();
  private readonly loaded = new Map<string, Promise<void>>();

  constructor(private readonly options: LakeRecentBarsOptions) {}

  async recent(symbol: string, timeframe: Timeframe): Promise<readonly MarketBarEvent[]> {
    let loading = this.loaded.get(symbol);
    if (!loading) {
      loading = this.load(symbol, timeframe);
      this.loaded.set(symbol, loading);
      // A failed read is retried on the next batch rather than cached as "no history".
      loading.catch(() => this.loaded.delete(symbol));
    }
    await loading;
    return this.cache.get(seriesKey(symbol, timeframe)) ?? [];
  }

  landed(bars: readonly MarketBarEvent[]): void {
    const bySeries = new Map<string, MarketBarEvent[]>();
    for (const b of bars) {
      const key = seriesKey(b.symbol, b.timeframe);
      const list = bySeries.get(key);
      if (list) list.push(b);
      else bySeries.set(key, [b]);
    }
    for (const [key, list] of bySeries)
      this.cache.set(key, mergeTail(this.cache.get(key) ?? [], list, this.options.keep));
  }

  private async load(symbol: string, timeframe: Timeframe): Promise<void> {
    const { s3, bucket, lakePrefix, lookbackDays, keep } = this.options;
    const now = this.options.now?.() ?? Date.now();
    for (let day = 0; day <= lookbackDays; day++) {
      const prefix = `${lakePrefix}/topic=market-data/symbol=${symbol}/date=${utcDate(now - day * 86_400_000)}/`;
      const objects: { key: string; modified: number }[] = [];
      let token: string | undefined;
      do {
        const res = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of res.Contents ?? [])
          if (o.Key?.endsWith('.parquet')) objects.push({ key: o.Key, modified: o.LastModified?.getTime() ?? 0 });
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      objects.sort((a, b) => b.modified - a.modified);
      for (const o of objects) {
        const bytes = await getObjectBytes(s3, bucket, o.key);
        if (!bytes) continue;
        const bars = (await readLakeObject(bytes)).filter((e): e is MarketBarEvent => e.type === 'market-bar');
        this.landed(bars);
        if ((this.cache.get(seriesKey(symbol, timeframe))?.length ?? 0) >= keep) return;
      }
    }
  }
}
