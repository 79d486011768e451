// The reference the online store must equal: the last N bars of a series read from the lake through its
// public read API, a bar that landed twice counted once (the later ingest, then the larger event id).
import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import type { MarketBarEvent } from '../../../core/events/index.js';
import { listLakeObjects, readLakeEvents } from '../../../core/lake/index.js';
import type { StoredBar } from '../../../core/online/index.js';

export async function lastLakeBars(
  s3: S3Client,
  bucket: string,
  config: SignalForgeConfig,
  symbol: string,
  timeframe: Timeframe,
  n: number,
): Promise<StoredBar[]> {
  const objects = await listLakeObjects(s3, bucket, config.ingest.lakePrefix, { topic: 'market-data', symbol });
  const events = (
    await readLakeEvents(
      s3,
      bucket,
      objects.map((o) => o.key),
    )
  ).filter((e): e is MarketBarEvent => e.type === 'market-bar' && e.timeframe === timeframe);
  const byTime = new Map<number, MarketBarEvent>();
  for (const e of events) {
    const t = Date.parse(e.eventTime);
    const seen = byTime.get(t);
    const later =
      !seen || e.ingestTime > seen.ingestTime || (e.ingestTime === seen.ingestTime && e.eventId > seen.eventId);
    if (later) byTime.set(t, e);
  }
  return [...byTime.entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(-n)
    .map(([t, e]) => ({ t, o: e.o, h: e.h, l: e.l, c: e.c, v: e.v }));
}
