import { PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../../../core/aws/clients.js';
import type { Timeframe } from '../../../../core/config/index.js';
import { marketBarEvent, type MarketBarEvent } from '../../../../core/events/index.js';
import { batchObjectKey, encodeLakeFile, utcDate } from '../../../../core/lake/index.js';

export interface BarSeriesSpec {
  symbol: string;
  timeframe: Timeframe;
  bars: number;
  /** Indices whose close is NaN, to trip the quality gate. */
  nanAt?: number[];
}

const STEP_MS: Record<Timeframe, number> = { '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000, '1w': 604_800_000 };

/** A deterministic random walk of market bars, as the sink would have written them. */
export function barSeries(spec: BarSeriesSpec): MarketBarEvent[] {
  const start = Date.UTC(2025, 0, 6);
  let price = 100 + spec.symbol.charCodeAt(0);
  const out: MarketBarEvent[] = [];
  for (let i = 0; i < spec.bars; i++) {
    const eventTime = new Date(start + i * STEP_MS[spec.timeframe]).toISOString();
    const open = price;
    price = price * (1 + Math.sin(i * 1.7 + spec.symbol.length) * 0.01);
    const close = spec.nanAt?.includes(i) ? Number.NaN : price;
    out.push(
      marketBarEvent({
        source: 'test-fixture',
        synthetic: true,
        symbol: spec.symbol,
        timeframe: spec.timeframe,
        eventTime,
        ingestTime: eventTime,
        o: open,
        h: Math.max(open, price) * 1.002,
        l: Math.min(open, price) * 0.998,
        c: close,
        v: 1000 + i,
      }),
    );
  }
  return out;
}

/**
 * Writes the series as the sink does now: one batch object (one Kafka partition's slice) holding every series,
 * so readers must pick their symbol's rows out of it; in a versioned bucket.
 */
export async function writeLake(bucket: string, lakePrefix: string, series: BarSeriesSpec[]): Promise<void> {
  const s3 = new S3Client(awsClientConfig());
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  const events = series.flatMap((spec) => barSeries(spec));
  if (events.length === 0) return;
  const rows = events.map((event, i) => ({ event, kafkaPartition: 0, kafkaOffset: i }));
  const key = batchObjectKey(lakePrefix, {
    topic: 'market-data',
    date: utcDate(Math.min(...events.map((e) => Date.parse(e.ingestTime)))),
    partition: 0,
    firstOffset: 0,
    lastOffset: rows.length - 1,
  });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: encodeLakeFile(rows) }));
}
