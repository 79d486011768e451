import { PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetManifestSchema, readUri, type DatasetManifest } from '../../../core/artifacts/index.js';
import { TOPIC_NAMES } from '../../../core/config/index.js';
import { marketBarEvent, topicForEvent, type SignalEvent } from '../../../core/events/index.js';
import {
  auditLake,
  compactLake,
  encodeLakeFile,
  lakeObjectKey,
  listLakeObjects,
  putObjectBytes,
  readLakeEvents,
  readLakeRefs,
  readLiveLakeEvents,
  type LakeRow,
} from '../../../core/lake/index.js';
import { loadFromManifest } from '../../../gpu-trainer/data-source.js';
import { eventMessage } from '../../../lambdas/ingest/producer.js';
import { replayEvents } from '../../../local/replay/replay.js';
import type { TrainingDeps } from '../../../lambdas/training/deps.js';
import { snapshotDataset } from '../../../lambdas/training/tasks/snapshot.js';
import type { MskRecord } from '../../../local/event-source/index.js';
import {
  envSinkHandler,
  invokeSink,
  mskRecord,
  mskRecords,
  useIngestTestEnv,
  withLakePrefix,
} from '../../support/ingest-env.js';

const CLOSED_DAY = '2024-05-01';
const OPEN_DAY = '2024-05-02';
/** Compaction's clock: the closed day ended 12 h ago (grace 2 h), the open day is today. */
const NOW = new Date(`${OPEN_DAY}T12:00:00.000Z`);

describe('lake compaction under a concurrent reader', () => {
  const env = useIngestTestEnv('compact');
  beforeAll(async () => {
    // The lake bucket is versioned in every deployment (lib/data); dataset manifests pin versions.
    await env.s3.send(
      new PutBucketVersioningCommand({ Bucket: env.bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });

  it('rewrites a closed day into one object per topic/symbol/day; pinned manifests, live readers and the audit see every row once', async () => {
    const config = withLakePrefix(env.config, 'compact');
    const prefix = config.ingest.lakePrefix;
    const handler = envSinkHandler(env, config);

    // 3,000 events of every type: two thirds ingested on the closed day, the rest today.
    const events = [...replayEvents({ config, events: 3_000, seed: 11 })].flatMap((i) =>
      i.kind === 'event' ? [i.event] : [],
    );
    const stamped: SignalEvent[] = events.map((e, i) => ({
      ...e,
      ingestTime: `${i < 2_000 ? CLOSED_DAY : OPEN_DAY}T${String(10 + Math.floor(i / 1_000)).padStart(2, '0')}:00:00.000Z`,
    }));
    const nextOffset = new Map<string, number>();
    const records: MskRecord[] = stamped.map((e) => {
      const m = eventMessage(e, env.namespace);
      const partitions = config.kafka.topics[topicForEvent(e)].partitions;
      const partition = [...e.symbol].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % partitions;
      const id = `${m.topic}/${partition}`;
      const offset = nextOffset.get(id) ?? 0;
      nextOffset.set(id, offset + 1);
      return mskRecord(e, { partition, offset, namespace: env.namespace });
    });
    const batches: MskRecord[][] = [];
    for (let i = 0; i < records.length; i += 250) batches.push(records.slice(i, i + 250));
    const invoke = (slice: MskRecord[]) => invokeSink(handler, slice);
    for (const batch of batches) expect((await invoke(batch)).batchItemFailures).toEqual([]);

    // A lake written before the batch layout: per-symbol objects at offsets no batch above used.
    const olderBars = Array.from({ length: 20 }, (_, i) =>
      marketBarEvent({
        source: 'vega-datasets',
        synthetic: true,
        symbol: 'AAPL',
        timeframe: '1d',
        eventTime: new Date(Date.UTC(2031, 0, 1 + i)).toISOString(),
        ingestTime: `${CLOSED_DAY}T08:00:00.000Z`,
        o: 100 + i,
        h: 101 + i,
        l: 99 + i,
        c: 100.5 + i,
        v: 1_000,
      }),
    );
    const olderRows: LakeRow[] = olderBars.map((event, i) => ({
      event,
      kafkaPartition: 0,
      kafkaOffset: 1_000_000 + i,
    }));
    await putObjectBytes(
      env.s3,
      env.bucket,
      lakeObjectKey(prefix, {
        topic: 'market-data',
        symbol: 'AAPL',
        date: CLOSED_DAY,
        partition: 0,
        firstOffset: 1_000_000,
        lastOffset: 1_000_019,
      }),
      encodeLakeFile(olderRows),
      'application/vnd.apache.parquet',
    );
    const all = [...stamped, ...olderBars];

    const before = await listLakeObjects(env.s3, env.bucket, prefix);
    // One object per (batch, partition, ingest date), every symbol in it.
    const slices = batches.reduce(
      (n, batch) =>
        n +
        new Set(
          batch.map(
            (r) =>
              `${r.topic}/${r.partition}/${JSON.parse(Buffer.from(r.value!, 'base64').toString('utf8')).ingestTime.slice(0, 10)}`,
          ),
        ).size,
      0,
    );
    expect(before.filter((o) => o.layout === 'batch')).toHaveLength(slices);
    expect(before.filter((o) => o.layout === 'symbol-slice')).toHaveLength(1);

    // A dataset manifest taken before compaction, and what the dataset builder makes of it.
    const deps = {
      config,
      s3: env.s3,
      lakeBucket: env.bucket,
      artifactBucket: env.bucket,
      now: () => NOW,
    } as unknown as TrainingDeps;
    const configs = ['AAPL#1d', 'MSFT#1h', 'SPX#1d'];
    const readManifest = async (uri: string): Promise<DatasetManifest> =>
      datasetManifestSchema.parse(JSON.parse(new TextDecoder().decode(await readUri(uri, env.s3))));
    const manifestBefore = await readManifest(
      (await snapshotDataset(deps, { trigger: 'manual', reason: 'before compaction', configs, runId: 'rt-before' }))
        .manifest.uri,
    );
    const dataBefore = await loadFromManifest(manifestBefore, env.s3);
    const rowsBefore = await readLakeRefs(env.s3, env.bucket, manifestBefore.objects);
    const wanted = new Set(configs.map((k) => k.split('#')[0]!));
    const expectedIds = all
      .filter((e) => wanted.has(e.symbol))
      .map((e) => e.eventId)
      .sort();
    expect(rowsBefore.map((r) => r.event.eventId).sort()).toEqual(expectedIds);
    expect(dataBefore.series.get('AAPL#1d')?.bars.length).toBeGreaterThan(0);

    // A reader that lists and reads AAPL's market bars over and over while compaction runs.
    const aaplBars = all
      .filter((e) => e.type === 'market-bar' && e.symbol === 'AAPL')
      .map((e) => e.eventId)
      .sort();
    let compacting = true;
    const readerSnapshots: string[][] = [];
    const reader = (async () => {
      while (compacting || readerSnapshots.length < 3) {
        const read = await readLiveLakeEvents(env.s3, env.bucket, prefix, { topic: 'market-data', symbol: 'AAPL' });
        readerSnapshots.push(read.map((e) => e.eventId).sort());
      }
    })();
    const report = await compactLake(env.s3, env.bucket, {
      lakePrefix: prefix,
      topics: TOPIC_NAMES,
      graceHours: 2,
      now: NOW,
    }).finally(() => {
      compacting = false;
    });
    await reader;
    expect(report.closedThrough).toBe(CLOSED_DAY);
    for (const ids of readerSnapshots) expect(ids).toEqual(aaplBars);

    // One object per topic/symbol on the closed day; the open day keeps its batch objects.
    const after = await listLakeObjects(env.s3, env.bucket, prefix);
    const closed = after.filter((o) => o.date === CLOSED_DAY);
    expect(closed.every((o) => o.layout === 'day')).toBe(true);
    const closedEvents = all.filter((e) => e.ingestTime.startsWith(CLOSED_DAY));
    const topicSymbols = new Set(closedEvents.map((e) => `${topicForEvent(e)}/${e.symbol}`));
    expect(closed).toHaveLength(topicSymbols.size);
    expect(new Set(closed.map((o) => `${o.topic}/${o.symbol}`))).toEqual(topicSymbols);
    expect(after.filter((o) => o.date === OPEN_DAY).every((o) => o.layout === 'batch')).toBe(true);
    expect(report.rowsWritten).toBe(closedEvents.length);

    // Every row once in the whole lake.
    const audit = await auditLake(env.s3, env.bucket, prefix);
    expect(audit.rows).toBe(all.length);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);

    // The pre-compaction manifest still reads the same rows (its versions are behind delete markers now).
    expect((await readLakeRefs(env.s3, env.bucket, manifestBefore.objects)).map((r) => r.event.eventId).sort()).toEqual(
      expectedIds,
    );
    expect(await loadFromManifest(manifestBefore, env.s3)).toEqual(dataBefore);
    // A manifest taken after compaction builds the same dataset from the day objects.
    const manifestAfter = await readManifest(
      (await snapshotDataset(deps, { trigger: 'manual', reason: 'after compaction', configs, runId: 'rt-after' }))
        .manifest.uri,
    );
    expect(manifestAfter.manifestId).not.toBe(manifestBefore.manifestId);
    expect((await loadFromManifest(manifestAfter, env.s3)).series).toEqual(dataBefore.series);

    // Idempotent: nothing left to do.
    expect(
      (await compactLake(env.s3, env.bucket, { lakePrefix: prefix, topics: TOPIC_NAMES, graceHours: 2, now: NOW }))
        .days,
    ).toEqual([]);
  });

  it('folds a late sink retry into a compacted day without a second copy of any row', async () => {
    const config = withLakePrefix(env.config, 'late');
    const prefix = config.ingest.lakePrefix;
    const handler = envSinkHandler(env, config);
    const bars = [...replayEvents({ config, events: 600, seed: 13 })].flatMap((i) =>
      i.kind === 'event' && i.event.type === 'market-bar'
        ? [{ ...i.event, ingestTime: `${CLOSED_DAY}T23:59:00.000Z` }]
        : [],
    );
    const records = mskRecords(bars, { partition: 2, firstOffset: 0, namespace: env.namespace });
    const invoke = (slice: MskRecord[]) => invokeSink(handler, slice);
    const compact = () =>
      compactLake(env.s3, env.bucket, { lakePrefix: prefix, topics: ['market-data'], graceHours: 2, now: NOW });

    // Attempt one writes offsets 0..299 and "crashes" before its commit; compaction closes the day.
    expect((await invoke(records.slice(0, 300))).batchItemFailures).toEqual([]);
    await compact();
    // The retry re-reads from offset 0 with a longer batch: it writes 0..end into the closed day (and the
    // ledger deletes the 0..299 object compaction already removed). Offsets 0..299 are now in two objects.
    expect((await invoke(records)).batchItemFailures).toEqual([]);
    const mixed = await listLakeObjects(env.s3, env.bucket, prefix);
    expect(new Set(mixed.map((o) => o.layout))).toEqual(new Set(['day', 'batch']));
    const readerIds = (
      await readLakeEvents(
        env.s3,
        env.bucket,
        mixed.map((o) => o.key),
      )
    )
      .map((e) => e.eventId)
      .sort();
    expect(readerIds).toEqual(bars.map((e) => e.eventId).sort());

    const report = await compact();
    expect(report.days).toHaveLength(1);
    const audit = await auditLake(env.s3, env.bucket, prefix);
    expect(audit.rows).toBe(bars.length);
    expect(audit.duplicateOffsets).toEqual([]);
    expect(new Set((await listLakeObjects(env.s3, env.bucket, prefix)).map((o) => o.layout))).toEqual(new Set(['day']));
  });
});
