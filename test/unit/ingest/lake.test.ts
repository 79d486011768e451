import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { eventSchema } from '../../../core/events/index.js';
import {
  encodeLakeFile,
  lakeObjectKey,
  parseLakeKey,
  readLakeObject,
  readLakeRows,
  batchObjectKey,
  dayObjectKey,
  lastClosedDate,
} from '../../../core/lake/index.js';
import { replayEvents } from '../../../local/replay/replay.js';
import type { SignalEvent } from '../../../core/events/index.js';

const config = loadConfig({ env: {} });

describe('lake keys', () => {
  const date = '2024-05-01';
  const slice = { partition: 3, firstOffset: 100, lastOffset: 599 };
  const noSlice = { partition: null, firstOffset: null, lastOffset: null };
  it.each([
    {
      key: batchObjectKey('lake', { topic: 'market-data', date, ...slice }),
      path: 'lake/topic=market-data/date=2024-05-01/part-3-100-599.parquet',
      parsed: { layout: 'batch', topic: 'market-data', symbol: null, date, ...slice },
    },
    {
      key: dayObjectKey('lake', { topic: 'news', symbol: 'AAPL', date }),
      path: 'lake/topic=news/symbol=AAPL/date=2024-05-01/day.parquet',
      parsed: { layout: 'day', topic: 'news', symbol: 'AAPL', date, ...noSlice },
    },
    {
      key: lakeObjectKey('lake', { topic: 'market-data', symbol: 'AAPL', date, ...slice }),
      path: 'lake/topic=market-data/symbol=AAPL/date=2024-05-01/part-3-100-599.parquet',
      parsed: { layout: 'symbol-slice', topic: 'market-data', symbol: 'AAPL', date, ...slice },
    },
  ])('round-trips the $parsed.layout layout through parseLakeKey', ({ key, path, parsed }) => {
    expect(key).toBe(path);
    expect(parseLakeKey(key)).toEqual(parsed);
  });

  it('parses no key outside the data layouts', () => {
    expect(parseLakeKey('lake/_batches/topic=x/partition=1/5.json')).toBeUndefined();
  });

  it('lastClosedDate leaves the grace after midnight', () => {
    expect(lastClosedDate(new Date('2024-05-02T01:59:00Z'), 2)).toBe('2024-04-30');
    expect(lastClosedDate(new Date('2024-05-02T02:00:00Z'), 2)).toBe('2024-05-01');
  });
});

describe('parquet lake files', () => {
  const events = [...replayEvents({ config, events: 4_000 })].flatMap((i) =>
    i.kind === 'event' ? [{ ...i.event, ingestTime: '2024-05-01T12:00:00.123Z' }] : [],
  );
  const byType = new Map<string, SignalEvent[]>();
  for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);

  it.each(['market-bar', 'news', 'social-post', 'filing'])(
    'round-trip %s events exactly, with Kafka coordinates',
    async (type) => {
      const list = byType
        .get(type)!
        .map((e, i) =>
          e.type === 'news' ? { ...e, sentiment: { score: i % 2 ? 0.5 : -0.25, model: 'm' } } : e,
        ) as SignalEvent[];
      const rows = list.map((event, i) => ({ event, kafkaPartition: 2, kafkaOffset: 2 ** 40 + i }));
      const bytes = encodeLakeFile(rows);
      expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
      const back = await readLakeRows(bytes);
      // Stored sorted by symbol, then event time, then offset.
      const expected = [...rows].sort(
        (a, b) =>
          a.event.symbol.localeCompare(b.event.symbol) ||
          a.event.eventTime.localeCompare(b.event.eventTime) ||
          a.kafkaOffset - b.kafkaOffset,
      );
      expect(back.map((r) => r.event)).toEqual(expected.map((r) => eventSchema.parse(r.event)));
      expect(back.map((r) => r.kafkaOffset)).toEqual(expected.map((r) => r.kafkaOffset));
      expect(await readLakeObject(bytes)).toHaveLength(list.length);
    },
  );

  it('refuses to mix event types in one file', () => {
    const bar = byType.get('market-bar')![0]!;
    const news = byType.get('news')![0]!;
    expect(() => encodeLakeFile([bar, news].map((event, i) => ({ event, kafkaPartition: 0, kafkaOffset: i })))).toThrow(
      /mixed/,
    );
  });

  it('writes one row group per symbol with symbol statistics, and a symbol read returns exactly its rows', async () => {
    const bars = byType.get('market-bar')!;
    const rows = bars.map((event, i) => ({ event, kafkaPartition: 1, kafkaOffset: i }));
    const bytes = encodeLakeFile(rows);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(file);
    const symbols = [...new Set(bars.map((e) => e.symbol))].sort();
    expect(meta.row_groups).toHaveLength(symbols.length);
    const symbolColumn = meta.schema.slice(1).findIndex((c) => c.name === 'symbol');
    expect(
      meta.row_groups.map((g) => [
        g.columns[symbolColumn]!.meta_data!.statistics!.min_value,
        g.columns[symbolColumn]!.meta_data!.statistics!.max_value,
      ]),
    ).toEqual(symbols.map((s) => [s, s]));
    const aapl = await readLakeRows(bytes, { symbol: 'AAPL' });
    expect(aapl.map((r) => r.kafkaOffset).sort((a, b) => a - b)).toEqual(
      rows.filter((r) => r.event.symbol === 'AAPL').map((r) => r.kafkaOffset),
    );
    expect(await readLakeRows(bytes, { symbol: 'NOPE' })).toEqual([]);
  });
});
