import { describe, expect, it } from 'vitest';
import { physicalTopic } from '../../../core/events/index.js';
import { auditLake, batchLedgerKey, getObjectBytes, listLakeObjects } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { replayEvents } from '../../../local/replay/replay.js';
import { spawnSinkProcess, type MskRecord } from '../../../local/event-source/index.js';
import { envSinkHandler, invokeSink, mskRecords, useIngestTestEnv, withLakePrefix } from '../../support/ingest-env.js';

describe('batch ledger and sink process', () => {
  const env = useIngestTestEnv('ledger');

  it('a retry from the same first offset with a shorter batch removes the longer attempt’s objects (ledger already exists)', async () => {
    const config = withLakePrefix(env.config, 'retry');
    const handler = envSinkHandler(env, config);
    const topic = physicalTopic('market-data', env.namespace);
    const bars = [...replayEvents({ config, events: 2_000 })].flatMap((i) =>
      i.kind === 'event' && i.event.type === 'market-bar' ? [i.event] : [],
    );
    // Two symbols: the batch layout writes them into one object per partition slice.
    const symbols = [...new Set(bars.map((b) => b.symbol))].slice(0, 2);
    const picked = symbols.flatMap((s) => bars.filter((b) => b.symbol === s).slice(0, 5));
    const now = new Date().toISOString();
    const records = mskRecords(
      picked.map((e) => ({ ...e, ingestTime: now })),
      { partition: 3, firstOffset: 500, topic },
    );
    const invoke = (slice: MskRecord[]) => invokeSink(handler, slice);

    // First attempt: offsets 500..509, both symbols; then the "crashed" retry re-reads only 500..504 (first symbol).
    expect((await invoke(records)).batchItemFailures).toEqual([]);
    const firstKeys = (await listLakeObjects(env.s3, env.bucket, config.ingest.lakePrefix)).map((o) => o.key);
    expect(firstKeys).toHaveLength(1);
    expect((await invoke(records.slice(0, 5))).batchItemFailures).toEqual([]);
    const ledger = JSON.parse(
      Buffer.from(
        (await getObjectBytes(env.s3, env.bucket, batchLedgerKey(config.ingest.lakePrefix, topic, 3, 500)))!,
      ).toString('utf8'),
    ) as { keys: string[] };
    expect(ledger.keys.sort()).toEqual(expect.arrayContaining(firstKeys.sort()));
    const afterRetry = await listLakeObjects(env.s3, env.bucket, config.ingest.lakePrefix);
    expect(afterRetry.map((o) => [o.layout, o.firstOffset, o.lastOffset])).toEqual([['batch', 500, 504]]);

    // The rest of the log follows as its own batch: the lake ends exactly once.
    expect((await invoke(records.slice(5))).batchItemFailures).toEqual([]);
    const audit = await auditLake(env.s3, env.bucket, config.ingest.lakePrefix);
    expect(audit.rows).toBe(10);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(new Set(audit.countsByEventId.keys())).toEqual(new Set(picked.map((e) => e.eventId)));
  });

  it('runs the sink in a child process that reports joins, writes with latencies, and its CPU time', async () => {
    const groupId = `${env.namespace}-proc`;
    let rows = 0;
    const latencies: number[] = [];
    const sink = spawnSinkProcess(
      {
        lakeBucket: env.bucket,
        namespace: env.namespace,
        groupId,
        batchSize: 1_000,
        batchWindowMs: 100,
        reportLatencies: true,
        logLevel: 'ERROR',
      },
      (w) => {
        rows += w.rows;
        latencies.push(...w.latenciesMs);
      },
    );
    await sink.joined;
    const options = { config: env.config, events: 3_000, seed: 7, namespace: env.namespace };
    const producer = await connectEventProducer(env.kafka, { lanes: 2 });
    await produceReplay(producer, options);
    await producer.disconnect();
    const deadline = Date.now() + 60_000;
    while (rows < 3_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const stopped = await sink.stop();

    expect(rows).toBe(3_000);
    expect(latencies).toHaveLength(3_000);
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(0);
    expect(stopped?.stats.recordsDelivered).toBeGreaterThanOrEqual(3_000);
    expect(stopped?.cpuMs).toBeGreaterThan(0);
    const audit = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(audit.rows).toBe(3_000);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(new Set(audit.countsByEventId.keys())).toEqual(replayEventIds(options));
  });
});
