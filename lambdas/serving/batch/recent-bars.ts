import type { S3Client } from '@aws-sdk/client-s3';
import type { Bar } from '../../../core/api/index.js';
import type { Timeframe } from '../../../core/config/index.js';
import type { MarketBarEvent } from '../../../core/events/index.js';
import {
  barCopy,
  isNewerCopy,
  listLakeObjects,
  readLakeEvents,
  type LakeObjectInfo,
} from '../../../core/lake/index.js';

export interface RecentBarsOptions {
  s3: S3Client;
  bucket: string;
  lakePrefix: string;
  symbol: string;
  timeframes: readonly Timeframe[];
  /** Bars wanted per timeframe, newest last. */
  limit: number;
}

/**
 * The most recent bars of one symbol from the lake, per timeframe. Lake objects are partitioned by
 * ingest date, so it reads day partitions newest first and stops once every timeframe has `limit`
 * bars (or the lake runs out). A bar replayed into the lake twice keeps its latest ingest.
 */
export async function readRecentBars(options: RecentBarsOptions): Promise<Map<Timeframe, Bar[]>> {
  const { s3, bucket, lakePrefix, symbol, timeframes, limit } = options;
  const objects = await listLakeObjects(s3, bucket, lakePrefix, { topic: 'market-data', symbol });
  const byDate = new Map<string, LakeObjectInfo[]>();
  for (const o of objects) byDate.set(o.date, [...(byDate.get(o.date) ?? []), o]);
  const dates = [...byDate.keys()].sort().reverse();

  const latest = new Map<Timeframe, Map<string, MarketBarEvent>>(timeframes.map((tf) => [tf, new Map()]));
  const enough = () => [...latest.values()].every((m) => m.size >= limit);
  for (const date of dates) {
    if (enough()) break;
    const events = await readLakeEvents(
      s3,
      bucket,
      byDate.get(date)!.map((o) => o.key),
      8,
      { symbol },
    );
    for (const e of events) {
      if (e.type !== 'market-bar') continue;
      const series = latest.get(e.timeframe);
      if (!series) continue;
      const seen = series.get(e.eventTime);
      if (!seen || isNewerCopy(barCopy(e), barCopy(seen))) series.set(e.eventTime, e);
    }
  }

  const out = new Map<Timeframe, Bar[]>();
  for (const [tf, series] of latest) {
    const bars = [...series.values()]
      .map((e) => ({ t: Date.parse(e.eventTime), o: e.o, h: e.h, l: e.l, c: e.c, v: e.v }))
      .sort((a, b) => a.t - b.t)
      .slice(-limit);
    out.set(tf, bars);
  }
  return out;
}
