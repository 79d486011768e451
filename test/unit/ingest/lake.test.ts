import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { eventSchema } from '../../../core/events/index.js';
import { encodeLakeFile, lakeObjectKey, parseLakeKey, readLakeObject, readLakeRows } from '../../../core/lake/index.js';
import { replayEvents } from '../../../local/replay/replay.js';
import type { SignalEvent } from '../../../core/events/index.js';

const config = loadConfig({ env: {} });

describe('lake keys', () => {
  it('round-trip through parseLakeKey', () => {
    const loc = { topic: 'market-data', symbol: 'AAPL', date: '2024-05-01', partition: 3, firstOffset: 100, lastOffset: 599 };
    const key = lakeObjectKey('lake', loc);
    expect(key).toBe('lake/topic=market-data/symbol=AAPL/date=2024-05-01/part-3-100-599.parquet');
    expect(parseLakeKey(key)).toEqual(loc);
    expect(parseLakeKey('lake/_batches/topic=x/partition=1/5.json')).toBeUndefined();
  });
});

describe('parquet lake files', () => {
  const events = [...replayEvents({ config, events: 4_000 })].flatMap((i) => (i.kind === 'event' ? [{ ...i.event, ingestTime: '2024-05-01T12:00:00.123Z' }] : []));
  const byType = new Map<string, SignalEvent[]>();
  for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);

  it.each(['market-bar', 'news', 'social-post', 'filing'])('round-trip %s events exactly, with Kafka coordinates', async (type) => {
    const list = byType.get(type)!.map((e, i) =>
      e.type === 'news' ? { ...e, sentiment: { score: i % 2 ? 0.5 : -0.25, model: 'm' } } : e,
    ) as SignalEvent[];
    const rows = list.map((event, i) => ({ event, kafkaPartition: 2, kafkaOffset: 2 ** 40 + i }));
    const bytes = encodeLakeFile(rows);
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
    const back = await readLakeRows(bytes);
    expect(back.map((r) => r.event)).toEqual(list.map((e) => eventSchema.parse(e)));
    expect(back.map((r) => r.kafkaOffset)).toEqual(rows.map((r) => r.kafkaOffset));
    expect(await readLakeObject(bytes)).toHaveLength(list.length);
  });

  it('refuses to mix event types in one file', () => {
    const bar = byType.get('market-bar')![0]!;
    const news = byType.get('news')![0]!;
    expect(() => encodeLakeFile([bar, news].map((event, i) => ({ event, kafkaPartition: 0, kafkaOffset: i })))).toThrow(/mixed/);
  });
});
