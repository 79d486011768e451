import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { physicalTopic, type MarketBarEvent } from '../../../core/events/index.js';
import { OnlineBarStore, onlineStoreTableDefinition, readTrailingBars } from '../../../core/online/index.js';
import { connectEventProducer, eventMessage } from '../../../lambdas/ingest/producer.js';
import { loadSp500Daily, resampleWeekly, type DailyBar } from '../../../local/replay/vega.js';
import {
  envSinkHandler,
  invokeSink,
  mskRecords,
  quietLogger,
  startEnvSink,
  useIngestTestEnv,
} from '../../support/ingest-env.js';
import { lastLakeBars } from './lake-reference.js';
import { barEvent } from '../../support/bars.js';

const DEPTH = 40;

// Real S&P 500 bars: daily, and weekly resampled from them, as the sandbox replays them.
const daily = loadSp500Daily().slice(0, 400);
const weekly = resampleWeekly(daily);

function bar(b: DailyBar, timeframe: Timeframe, ingestTime: string): MarketBarEvent {
  return barEvent('SPX', timeframe, b, { source: 'vega-datasets', synthetic: false, ingestTime });
}

/** Deterministic shuffle (xorshift), so a failure replays the same order. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('online bar store fed by the sink', () => {
  const env = useIngestTestEnv('online');
  let config: SignalForgeConfig;
  let ddb: DynamoDBClient;

  async function newStore(): Promise<OnlineBarStore> {
    const tableName = `online-${randomBytes(4).toString('hex')}`;
    await ddb.send(new CreateTableCommand(onlineStoreTableDefinition(tableName)));
    return new OnlineBarStore({ tableName, config, client: ddb });
  }

  async function expectWindowsEqualLake(store: OnlineBarStore, prefix: string): Promise<void> {
    const cfg = { ...config, ingest: { ...config.ingest, lakePrefix: prefix } };
    for (const tf of ['1d', '1w'] as const) {
      const lake = await lastLakeBars(env.s3, env.bucket, cfg, 'SPX', tf, DEPTH);
      expect(lake.length, `lake holds a full ${tf} window`).toBe(DEPTH);
      expect(await readTrailingBars(store, 'SPX', tf)).toEqual(lake);
    }
  }

  beforeAll(async () => {
    config = { ...env.config, inference: { ...env.config.inference, minBars: DEPTH } };
    ddb = new DynamoDBClient(awsClientConfig());
  });

  it('under replay, duplicates and out-of-order bars through Kafka, the window equals the last N lake bars after every round', async () => {
    const store = await newStore();
    const prefix = 'replay-lake';
    const cfg = { ...config, ingest: { ...config.ingest, lakePrefix: prefix } };
    const sink = await startEnvSink(env, {
      config: cfg,
      groupId: `${env.namespace}-online`,
      batchSize: 100,
      batchWindowMs: 50,
      logger: quietLogger('online-it'),
      onlineStore: store,
    });
    const producer = await connectEventProducer(env.kafka);
    const send = async (events: MarketBarEvent[]) => {
      await producer.send(events.map((e) => eventMessage(e, env.namespace)));
      await sink.drain(60_000);
    };
    try {
      const t1 = '2026-01-01T00:00:00.000Z';
      const t2 = '2026-01-02T00:00:00.000Z';
      const t3 = '2026-01-03T00:00:00.000Z';
      const late = daily[380]!;
      // Round 1: the first 250 days and their weeks, shuffled.
      await send(
        shuffled(
          [...daily.slice(0, 250).map((b) => bar(b, '1d', t1)), ...weekly.slice(0, 50).map((b) => bar(b, '1w', t1))],
          7,
        ),
      );
      await expectWindowsEqualLake(store, prefix);
      // Round 2: newer days newest first, one held back; 60 round-1 bars again with a later ingest; weeks out of order.
      const round2 = [
        ...daily
          .slice(250)
          .filter((b) => b !== late)
          .reverse()
          .map((b) => bar(b, '1d', t2)),
        ...shuffled(daily.slice(150, 250), 3)
          .slice(0, 60)
          .map((b) => bar(b, '1d', t2)),
      ];
      await send(shuffled([...round2, ...weekly.slice(50).map((b) => bar(b, '1w', t2))], 11));
      const beforeLate = await store.trailingBars('SPX', '1d');
      expect(beforeLate.some((b) => b.t === Date.parse(`${late.date}T00:00:00Z`))).toBe(false);
      await expectWindowsEqualLake(store, prefix);
      // Round 3: the late bar lands in its place; a full replay of old history (below the window) and exact
      // duplicates of the newest bars change nothing else.
      await send([
        bar(late, '1d', t3),
        ...daily.slice(0, 200).map((b) => bar(b, '1d', t3)),
        ...daily.slice(-10).map((b) => bar(b, '1d', t2)),
        ...weekly.slice(-5).map((b) => bar(b, '1w', t2)),
      ]);
      const afterLate = await store.trailingBars('SPX', '1d');
      expect(afterLate.map((b) => b.t)).toContain(Date.parse(`${late.date}T00:00:00Z`));
      expect(afterLate.at(-1)!.t).toBe(beforeLate.at(-1)!.t);
      await expectWindowsEqualLake(store, prefix);
      expect(afterLate.at(-1)!.t).toBe(Date.parse(`${daily.at(-1)!.date}T00:00:00Z`));
    } finally {
      await producer.disconnect();
      await sink.stop();
    }
  });

  it('a sink crash between the lake write and the store update, then the retry: the store ends equal to the lake', async () => {
    const store = await newStore();
    const prefix = 'crash-lake';
    const cfg = { ...config, ingest: { ...config.ingest, lakePrefix: prefix } };
    // The crash point: after the partition's lake write, part-way through the store update.
    let crash = true;
    const crashing = {
      trailingBars: store.trailingBars.bind(store),
      update: async (events: Parameters<OnlineBarStore['update']>[0]) => {
        if (!crash) return store.update(events);
        await store.update(events.slice(0, 7));
        throw new Error('sink crashed during the online store update');
      },
    };
    const handler = envSinkHandler(env, cfg, { logger: quietLogger('online-it'), onlineStore: crashing });
    const topic = physicalTopic('market-data', env.namespace);
    const events = [
      ...daily.slice(0, 120).map((b) => bar(b, '1d', '2026-02-01T00:00:00.000Z')),
      ...weekly.slice(0, 60).map((b) => bar(b, '1w', '2026-02-01T00:00:00.000Z')),
    ];
    const records = mskRecords(shuffled(events, 5), { partition: 0, firstOffset: 1000, topic });

    const first = await invokeSink(handler, records);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: { 'topic-partition': `${topic}-0`, offset: 1000 } }]);
    // The lake has the batch; the store holds only what it wrote before the crash.
    const lakeDaily = await lastLakeBars(env.s3, env.bucket, cfg, 'SPX', '1d', DEPTH);
    expect(lakeDaily).toHaveLength(DEPTH);
    expect(await store.trailingBars('SPX', '1d')).not.toEqual(lakeDaily);

    crash = false;
    const retry = await invokeSink(handler, records);
    expect(retry.batchItemFailures).toEqual([]);
    await expectWindowsEqualLake(store, prefix);
    // And a redelivery of the same batch after success changes nothing.
    await invokeSink(handler, records);
    await expectWindowsEqualLake(store, prefix);
  });

  it('a short series reads back as far as it goes; an older copy of a stored bar is refused', async () => {
    const store = await newStore();
    const stats = await store.update(daily.slice(0, 12).map((b) => bar(b, '1d', '2026-03-01T00:00:00.000Z')));
    expect(stats).toMatchObject({ offered: 12, written: 12, belowWindow: 0 });
    expect(await store.trailingBars('SPX', '1d')).toHaveLength(12);
    expect(await store.trailingBars('SPX', '1w')).toEqual([]);
    // A copy with an older ingest than the stored one is refused; the stored values stay.
    const older = await store.update([{ ...bar(daily[0]!, '1d', '2025-01-01T00:00:00.000Z'), c: 1 }]);
    expect(older.supersededCopies).toBe(1);
    expect((await store.trailingBars('SPX', '1d'))[0]!.c).toBe(daily[0]!.c);
  });
});
