import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { OnlineBarStore, onlineStoreTableDefinition } from '../../../core/online/index.js';
import { describe, expect, it } from 'vitest';
import { auditLake, getObjectBytes, listKeys, listLakeObjects, readLakeObjectRows } from '../../../core/lake/index.js';
import {
  eventIdFor,
  marketBarEvent,
  type MarketBarEvent,
  type NewsEvent,
  type SignalEvent,
} from '../../../core/events/index.js';
import { listQuarantine, readQuarantineEntry } from '../../../core/quality/index.js';
import { connectEventProducer, eventMessage } from '../../../lambdas/ingest/producer.js';
import { poisonRecord, replayEvents } from '../../../local/replay/replay.js';
import { physicalTopic } from '../../../core/events/index.js';
import { runLakeCli } from '../../../ops/lake/cli.js';
import {
  envSinkHandler,
  invokeSink,
  mskRecords,
  quietLogger,
  readDeadLetters,
  startEnvSink,
  useIngestTestEnv,
  withLakePrefix,
} from '../../support/ingest-env.js';

describe('plausibility quarantine', () => {
  const env = useIngestTestEnv('quar');

  it('lands the plausible, quarantines the implausible, dead-letters the malformed: counts exact; a release lands once', async () => {
    const now = new Date().toISOString();
    const valid = [...replayEvents({ config: env.config, events: 1_500 })].flatMap((i) =>
      i.kind === 'event' ? [{ ...i.event, ingestTime: now } as SignalEvent] : [],
    );
    // The last replayed daily MSFT bar: the spike comes right after it, ten times its close.
    const msft = valid
      .filter((e): e is MarketBarEvent => e.type === 'market-bar' && e.symbol === 'MSFT' && e.timeframe === '1d')
      .sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    expect(msft.length).toBeGreaterThan(env.config.quality.marketBar.minHistoryBars);
    const last = msft[msft.length - 1]!;
    const bar = (over: Partial<MarketBarEvent>, key: string): MarketBarEvent => ({
      ...marketBarEvent({
        source: 'it-implausible',
        synthetic: true,
        symbol: 'AAPL',
        timeframe: '1d',
        eventTime: '2019-03-01T00:00:00.000Z',
        ingestTime: now,
        o: 100,
        h: 101,
        l: 99,
        c: 100,
        v: 1000,
      }),
      eventId: eventIdFor('it-implausible', key),
      ...over,
    });
    const news: NewsEvent = {
      eventId: eventIdFor('it-implausible', 'news'),
      type: 'news',
      schemaVersion: 1,
      symbol: 'AAPL',
      eventTime: '2019-03-01T00:00:00.000Z',
      ingestTime: now,
      source: 'it',
      synthetic: true,
      headline: 'AAPL files',
      publisher: 'Wire\u0007',
    };
    const spike = 10 * last.c;
    const implausible: [SignalEvent, string][] = [
      [bar({ eventTime: new Date(Date.now() + 86_400_000).toISOString() }, 'future'), 'event-time'],
      [bar({ eventTime: '1969-12-31T00:00:00.000Z' }, 'prehistoric'), 'event-time'],
      [bar({ o: 5e7, h: 5e7, l: 5e7, c: 5e7 }, 'price'), 'price-bounds'],
      [bar({ v: 1e14 }, 'volume'), 'volume-bounds'],
      [bar({ symbol: 'ZZZQ' }, 'universe'), 'universe'],
      [news, 'identifier-chars'],
      [
        bar(
          {
            symbol: 'MSFT',
            eventTime: new Date(Date.parse(last.eventTime) + 86_400_000).toISOString(),
            o: spike,
            h: spike,
            l: spike,
            c: spike,
          },
          'spike',
        ),
        'bar-move',
      ],
    ];
    const malformed = [0, 1, 2, 3].map((i) => poisonRecord(env.config, i));

    const sink = await startEnvSink(env, { batchSize: 200, batchWindowMs: 100, logger: quietLogger('quarantine-it') });
    const producer = await connectEventProducer(env.kafka);
    await producer.send(valid.map((e) => eventMessage(e, env.namespace)));
    // After the valid ones: per symbol (the message key) Kafka keeps this order, so the spike follows MSFT's history.
    await producer.send([
      ...implausible.map(([e]) => eventMessage(e, env.namespace)),
      ...malformed.map((p) => ({ topic: physicalTopic(p.topic, env.namespace), key: p.key, value: p.value })),
    ]);
    await producer.disconnect();
    await sink.drainAndStop(60_000);

    const audit = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(audit.rows).toBe(valid.length);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);
    expect(valid.every((e) => audit.countsByEventId.get(e.eventId) === 1)).toBe(true);

    const prefix = env.config.quality.quarantinePrefix;
    const listed = await listQuarantine(env.s3, env.bucket, prefix);
    const entries = await Promise.all(
      listed.map(async (l) => ({ key: l.key, entry: (await readQuarantineEntry(env.s3, env.bucket, l.key))! })),
    );
    expect(entries.map((x) => [x.entry.eventId, x.entry.rule]).sort()).toEqual(
      implausible.map(([e, rule]) => [e.eventId, rule]).sort(),
    );
    for (const { entry } of entries) {
      // The original bytes, exactly as produced.
      const original = implausible.find(([e]) => e.eventId === entry.eventId)![0];
      expect(Buffer.from(entry.valueBase64, 'base64').toString('utf8')).toBe(eventMessage(original).value);
      expect(audit.countsByEventId.has(entry.eventId)).toBe(false);
      expect(entry.detail.length).toBeGreaterThan(0);
    }
    const letters = await readDeadLetters(env);
    expect(letters.map((l) => l.reason).sort()).toEqual(malformed.map((p) => p.expectedReason).sort());

    // The operator's CLI: list by rule, release one record twice, discard another.
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      s3: env.s3,
      config: env.config,
      env: { LAKE_BUCKET: env.bucket },
    };
    expect(await runLakeCli(['quarantine', 'list', '--rule', 'price-bounds', '--json'], io)).toBe(0);
    const priceKey = (JSON.parse(out[0]!) as { key: string }).key;
    expect(out).toHaveLength(1);
    const priceEvent = implausible[2]![0];
    out.length = 0;
    expect(
      await runLakeCli(
        [
          'quarantine',
          'release',
          priceKey,
          '--reason',
          'verified against the vendor: a real 5e7 quote',
          '--who',
          'it-operator',
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    const released = JSON.parse(out[0]!) as { landedKeys: string[]; auditKey: string };
    expect(released.landedKeys).toHaveLength(1);
    expect(await runLakeCli(['quarantine', 'release', priceKey, '--reason', 'again'], io)).toBe(1);
    expect(err.join('\n')).toMatch(/no quarantined record/);

    const after = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(after.rows).toBe(valid.length + 1);
    expect(after.countsByEventId.get(priceEvent.eventId)).toBe(1);
    expect(after.duplicateEventIds).toEqual([]);
    expect(after.duplicateOffsets).toEqual([]);
    // The released row carries its original Kafka coordinates and lands in its own topic's partition of the lake.
    const rows = await readLakeObjectRows(
      env.s3,
      env.bucket,
      (
        await listLakeObjects(env.s3, env.bucket, env.config.ingest.lakePrefix, {
          topic: 'market-data',
          symbol: 'AAPL',
        })
      ).map((o) => o.key),
    );
    const row = rows.find((r) => r.event.eventId === priceEvent.eventId)!;
    const releasedEntry = entries.find((x) => x.key === priceKey)!.entry;
    expect([row.kafkaPartition, row.kafkaOffset]).toEqual([releasedEntry.partition, releasedEntry.offset]);

    const identifierKey = entries.find((x) => x.entry.rule === 'identifier-chars')!.key;
    expect(
      await runLakeCli(
        ['quarantine', 'discard', identifierKey, '--reason', 'garbage publisher', '--who', 'it-operator'],
        io,
      ),
    ).toBe(0);
    expect((await listQuarantine(env.s3, env.bucket, prefix)).length).toBe(implausible.length - 2);
    const auditKeys = (await listKeys(env.s3, env.bucket, `${prefix}/_audit/`)).map((k) => k.key);
    expect(auditKeys).toHaveLength(2);
    const auditBodies = await Promise.all(
      auditKeys.map(
        async (k) =>
          JSON.parse(Buffer.from((await getObjectBytes(env.s3, env.bucket, k))!).toString('utf8')) as {
            action: string;
            who: string;
            reason: string;
            entry: { valueBase64: string };
          },
      ),
    );
    expect(auditBodies.map((a) => [a.action, a.who]).sort()).toEqual([
      ['discard', 'it-operator'],
      ['release', 'it-operator'],
    ]);
    expect(auditBodies.every((a) => a.entry.valueBase64.length > 0)).toBe(true);
  });

  it('a cold sink judges a bar against the series history in the online store (the RecentBars port)', async () => {
    const ddb = new DynamoDBClient(awsClientConfig());
    const tableName = `sf-quar-online-${env.namespace}`;
    await ddb.send(new CreateTableCommand(onlineStoreTableDefinition(tableName)));
    const cold = withLakePrefix(env.config, 'cold');
    const config = { ...cold, quality: { ...cold.quality, quarantinePrefix: 'cold-quarantine' } };
    const now = new Date().toISOString();
    const day = (i: number) => new Date(Date.parse('2024-03-01T00:00:00.000Z') + i * 86_400_000).toISOString();
    const mk = (i: number, price: number) =>
      marketBarEvent({
        source: 'it-cold',
        synthetic: true,
        symbol: 'JPM',
        timeframe: '1d',
        eventTime: day(i),
        ingestTime: now,
        o: price,
        h: price * 1.01,
        l: price * 0.99,
        c: price,
        v: 1000,
      });
    const history = Array.from({ length: 25 }, (_, i) => mk(i, 100 * (1 + 0.01 * (i % 2))));
    const sink = () =>
      envSinkHandler(env, config, {
        logger: quietLogger('quarantine-it'),
        onlineStore: new OnlineBarStore({ tableName, config, client: ddb }),
      });
    const invoke = (h: ReturnType<typeof sink>, events: MarketBarEvent[], firstOffset: number) =>
      invokeSink(h, mskRecords(events, { partition: 0, firstOffset, namespace: env.namespace }));
    expect((await invoke(sink(), history, 0)).batchItemFailures).toEqual([]);
    // A fresh handler (a cold container): nothing cached, the history is only in the lake and the online store.
    const spike = mk(25, 1_000);
    const normal = mk(26, 101);
    expect((await invoke(sink(), [spike], 100)).batchItemFailures).toEqual([]);
    expect((await invoke(sink(), [normal], 101)).batchItemFailures).toEqual([]);
    const quarantined = await listQuarantine(env.s3, env.bucket, 'cold-quarantine');
    expect(quarantined).toHaveLength(1);
    expect(await readQuarantineEntry(env.s3, env.bucket, quarantined[0]!.key)).toMatchObject({
      rule: 'bar-move',
      eventId: spike.eventId,
      values: { lastClose: history[24]!.c },
    });
    const audit = await auditLake(env.s3, env.bucket, 'cold-lake');
    expect(audit.rows).toBe(26);
    expect(audit.countsByEventId.get(normal.eventId)).toBe(1);
    expect(audit.countsByEventId.has(spike.eventId)).toBe(false);
  });
});
