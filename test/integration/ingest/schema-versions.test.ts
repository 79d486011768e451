import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { eventIdFor, marketBarEvent, type MarketBarEvent } from '../../../core/events/index.js';
import { lakeObjectKey, listLakeObjects, readLakeEvents } from '../../../core/lake/index.js';
import { loadFromManifest } from '../../../gpu-trainer/data-source.js';
import { connectEventProducer, eventMessage } from '../../../lambdas/ingest/producer.js';
import { quietLogger, startEnvSink, useIngestTestEnv } from '../../support/ingest-env.js';

const DAY = 86_400_000;
const START = Date.parse('2024-01-01T00:00:00.000Z');
const close = (i: number) => 100 * Math.exp(0.01 * Math.sin(i));

/** Day i of one AAPL daily series; versions differ only in the fields they carry. */
function v2Bar(i: number, now: string): MarketBarEvent {
  const c = close(i);
  const o = close(i - 1);
  return marketBarEvent({
    source: 'it-versions',
    synthetic: true,
    symbol: 'AAPL',
    timeframe: '1d',
    eventTime: new Date(START + i * DAY).toISOString(),
    ingestTime: now,
    o,
    h: Math.max(o, c) * 1.001,
    l: Math.min(o, c) * 0.999,
    c,
    v: 1000 + i,
    vwap: (o + c) / 2,
    trades: 50 + i,
  });
}
function v1Bar(i: number, now: string): Record<string, unknown> {
  const { vwap: _vwap, trades: _trades, ...rest } = v2Bar(i, now);
  return { ...rest, schemaVersion: 1 };
}

describe('schema versions N and N-1 side by side', () => {
  const env = useIngestTestEnv('versions');

  it('a lake holding version 1 objects, version 1 records and version 2 records builds one dataset', async () => {
    // An object the sink wrote before version 2: the old column set, no vwap/trades columns at all.
    const old = Array.from({ length: 20 }, (_, i) => v1Bar(i, '2024-02-01T00:00:00.000Z'));
    const oldKey = lakeObjectKey(env.config.ingest.lakePrefix, {
      topic: 'market-data',
      symbol: 'AAPL',
      date: '2024-02-01',
      partition: 0,
      firstOffset: 0,
      lastOffset: old.length - 1,
    });
    const col = (
      name: string,
      type: 'STRING' | 'DOUBLE' | 'INT32' | 'BOOLEAN' | 'TIMESTAMP',
      f: (e: Record<string, unknown>) => unknown,
    ) => ({ name, type, data: old.map(f) });
    const bytes = parquetWriteBuffer({
      columnData: [
        ...['eventId', 'type', 'symbol', 'source', 'timeframe'].map((n) => col(n, 'STRING', (e) => e[n])),
        col('schemaVersion', 'INT32', (e) => e.schemaVersion),
        col('eventTime', 'TIMESTAMP', (e) => new Date(e.eventTime as string)),
        col('ingestTime', 'TIMESTAMP', (e) => new Date(e.ingestTime as string)),
        col('synthetic', 'BOOLEAN', (e) => e.synthetic),
        ...['o', 'h', 'l', 'c', 'v'].map((n) => col(n, 'DOUBLE', (e) => e[n])),
        { name: 'kafkaPartition', type: 'INT32' as const, data: old.map(() => 0) },
        { name: 'kafkaOffset', type: 'INT64' as const, data: old.map((_, i) => BigInt(i)) },
      ],
    });
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: oldKey, Body: new Uint8Array(bytes) }));

    // Then an old producer (version 1) and an upgraded one (version 2) send the next days through Kafka.
    const now = new Date().toISOString();
    const v1Live = Array.from({ length: 10 }, (_, k) => v1Bar(20 + k, now));
    const v2Live = Array.from({ length: 10 }, (_, k) => v2Bar(30 + k, now));
    const sink = await startEnvSink(env, { batchSize: 100, batchWindowMs: 100, logger: quietLogger('versions-it') });
    const producer = await connectEventProducer(env.kafka);
    await producer.send(
      [...v1Live, ...v2Live].map((e) => ({
        ...eventMessage(e as MarketBarEvent, env.namespace),
        value: JSON.stringify(e),
      })),
    );
    await producer.disconnect();
    await sink.drainAndStop(60_000);

    const objects = await listLakeObjects(env.s3, env.bucket, env.config.ingest.lakePrefix, { topic: 'market-data' });
    expect(objects.length).toBeGreaterThanOrEqual(2);
    const events = await readLakeEvents(
      env.s3,
      env.bucket,
      objects.map((o) => o.key),
    );
    expect(events).toHaveLength(40);
    // Every reader sees the current shape: version 2, vwap/trades only where the producer sent them.
    expect(events.every((e) => e.type === 'market-bar' && e.schemaVersion === 2)).toBe(true);
    const byId = new Map(events.map((e) => [e.eventId, e as MarketBarEvent]));
    expect(byId.get(eventIdFor('it-versions', `AAPL|1d|${new Date(START).toISOString()}`))).not.toHaveProperty('vwap');
    expect(byId.get(v1Live[0]!.eventId as string)).not.toHaveProperty('vwap');
    expect(byId.get(v2Live[0]!.eventId)).toMatchObject({ vwap: v2Live[0]!.vwap, trades: v2Live[0]!.trades });

    // The trainer's loader turns the manifest's objects into one continuous series.
    const data = await loadFromManifest(
      {
        manifestId: 'it-versions',
        createdAt: now,
        bucket: env.bucket,
        objects: objects.map((o) => ({
          key: o.key,
          versionId: null,
          topic: 'market-data' as const,
          symbol: o.symbol ?? 'AAPL',
          size: o.size,
        })),
      },
      env.s3,
    );
    const series = data.series.get('AAPL#1d')!;
    expect(series.bars).toHaveLength(40);
    expect(series.bars.map((b) => b.t)).toEqual(Array.from({ length: 40 }, (_, i) => START + i * DAY));
    expect(series.bars.map((b) => b.c)).toEqual(Array.from({ length: 40 }, (_, i) => close(i)));
  });
});
