import type { KafkaMessage } from 'kafkajs';
import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecords } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { eventIdFor } from '../../../core/events/index.js';
import { decodeRecord } from '../../../lambdas/ingest/decode.js';
import { firstFailedOffset } from '../../../local/event-source/runner.js';
import { toMskEvent, toMskRecord } from '../../../local/event-source/msk-event.js';

const config = loadConfig({ env: {} });
const source = {
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/x',
  bootstrapServers: '127.0.0.1:9092',
};
const bar = {
  eventId: eventIdFor('t', '1'),
  type: 'market-bar',
  schemaVersion: 1,
  symbol: 'IBM',
  timeframe: '1h',
  eventTime: '2020-01-02T15:00:00.000Z',
  ingestTime: '2020-01-02T15:00:01.000Z',
  source: 't',
  synthetic: true,
  o: 1,
  h: 2,
  l: 0.5,
  c: 1.5,
  v: 10,
};
const message = (offset: number, value: string | Buffer | null, key = 'IBM'): KafkaMessage =>
  ({
    key: Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: '1700000000000',
    attributes: 0,
    offset: String(offset),
    headers: { 'event-type': 'market-bar' },
  }) as KafkaMessage;

async function decodeAll(
  values: (string | null)[],
  topic = 'market-data',
  patch?: (e: ReturnType<typeof toMskEvent>) => void,
) {
  const event = toMskEvent(
    source,
    values.map((v, i) => toMskRecord(topic, 1, message(10 + i, v))),
  );
  patch?.(event);
  let out: ReturnType<typeof decodeRecord>[] = [];
  await kafkaConsumer<unknown, unknown>(async (e: ConsumerRecords<unknown, unknown>) => {
    out = e.records.map((r) => decodeRecord(r, config.ingest.maxRecordBytes));
    return e.records.map((r) => ({ offset: r.offset, headers: r.headers }));
  })(event, {} as Context);
  return out;
}

describe('MSK event shape', () => {
  it('groups by topic-partition with base64 keys/values and byte-array headers, as Lambda does', () => {
    const event = toMskEvent(source, [toMskRecord('market-data', 1, message(10, JSON.stringify(bar)))]);
    expect(event.eventSource).toBe('aws:kafka');
    const record = event.records['market-data-1']![0]!;
    expect(record).toMatchObject({
      topic: 'market-data',
      partition: 1,
      offset: 10,
      timestamp: 1700000000000,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('IBM').toString('base64'),
    });
    expect(record.headers).toEqual([{ 'event-type': [...Buffer.from('market-bar')] }]);
    expect(JSON.parse(Buffer.from(record.value!, 'base64').toString())).toEqual(bar);
  });

  it('decodes through Powertools kafkaConsumer and classifies every kind of poison', async () => {
    const results = await decodeAll([
      JSON.stringify(bar),
      '{"broken',
      JSON.stringify({ ...bar, h: 0.1 }),
      'x'.repeat(config.ingest.maxRecordBytes + 10),
      null,
      JSON.stringify({ ...bar, type: 'news', headline: 'h' }),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'invalid-json',
      'schema-violation',
      'oversized',
      'empty-value',
      'wrong-topic',
    ]);
    const bad = results[2]!;
    expect(!bad.ok && bad.detail).toMatch(/^h: high must be/);
  });

  it('rejects a value that is not valid base64', async () => {
    const results = await decodeAll([JSON.stringify(bar)], 'market-data', (e) => {
      e.records['market-data-1']![0]!.value = '%%%not-base64%%%';
    });
    expect(results[0]).toMatchObject({ ok: false, reason: 'bad-base64' });
  });

  it('reads the lowest failed offset for a partition from batchItemFailures', () => {
    const response = {
      batchItemFailures: [
        { itemIdentifier: { 'topic-partition': 'market-data-1', offset: 17 } },
        { itemIdentifier: { 'topic-partition': 'market-data-1', offset: 12 } },
        { itemIdentifier: { 'topic-partition': 'market-data-2', offset: 3 } },
      ],
    };
    expect(firstFailedOffset(response, 'market-data-1')).toBe(12);
    expect(firstFailedOffset({ batchItemFailures: [] }, 'market-data-1')).toBeUndefined();
    expect(firstFailedOffset(undefined, 'market-data-1')).toBeUndefined();
  });
});
