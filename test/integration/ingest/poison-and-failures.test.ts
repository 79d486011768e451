import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { auditLake } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { replayEvents } from '../../../local/replay/replay.js';
import { startEventSourceRunner, waitForDrain } from '../../../local/event-source/index.js';
import {
  envSinkHandler,
  invokeSink,
  mskRecords,
  readDeadLetters,
  startEnvSink,
  useIngestTestEnv,
  withLakePrefix,
} from '../../support/ingest-env.js';

describe('poison records and failed writes', () => {
  const env = useIngestTestEnv('poison');

  it('dead-letters invalid JSON, schema violations, oversized and wrong-topic records with reason and bytes; the rest lands', async () => {
    const options = { config: env.config, events: 3_000, poison: 8, namespace: env.namespace };
    const sink = await startEnvSink(env, { batchSize: 500, batchWindowMs: 100 });
    const producer = await connectEventProducer(env.kafka);
    const report = await produceReplay(producer, options);
    await producer.disconnect();
    await sink.drainAndStop(60_000);

    const letters = await readDeadLetters(env);
    expect(letters.map((l) => l.reason).sort()).toEqual(
      Object.entries(report.poisonByReason)
        .flatMap(([reason, n]) => Array<string>(n).fill(reason))
        .sort(),
    );
    const poison = [...replayEvents(options)].flatMap((i) => (i.kind === 'poison' ? [i.poison] : []));
    for (const letter of letters) {
      const original = poison.find((p) => Buffer.from(letter.valueBase64!, 'base64').equals(p.value));
      expect(
        original,
        `dead letter at ${letter.topic}/${letter.partition}@${letter.offset} carries the original bytes`,
      ).toBeDefined();
      expect(letter.reason).toBe(original!.expectedReason);
      expect(letter.detail.length).toBeGreaterThan(0);
    }
    const audit = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(audit.rows).toBe(3_000);
    expect(audit.duplicateEventIds).toEqual([]);
    expect([...replayEventIds(options)].every((id) => audit.countsByEventId.get(id) === 1)).toBe(true);
  });

  it('dead-letters a record with bad base64 while the valid records of the same MSK batch land', async () => {
    const config = withLakePrefix(env.config, 'b64');
    const handler = envSinkHandler(env, config);
    const events = [...replayEvents({ config, events: 400 })]
      .flatMap((i) => (i.kind === 'event' && i.event.type === 'news' ? [i.event] : []))
      .slice(0, 5);
    const now = new Date().toISOString();
    const records = mskRecords(
      events.map((e) => ({ ...e, ingestTime: now })),
      { partition: 0, firstOffset: 100, namespace: env.namespace },
    );
    records[2]!.value = 'not*base64!';
    const response = await invokeSink(handler, records);
    expect(response.batchItemFailures).toEqual([]);
    const letters = (await readDeadLetters({ ...env, config })).filter((l) => l.offset === 102);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'bad-base64', valueBase64: 'not*base64!', partition: 0 });
    const audit = await auditLake(env.s3, env.bucket, config.ingest.lakePrefix);
    expect(audit.rows).toBe(4);
    // News is scored on the way in.
    const { readLakeObjectRows, listLakeObjects } = await import('../../../core/lake/index.js');
    const rows = await readLakeObjectRows(
      env.s3,
      env.bucket,
      (await listLakeObjects(env.s3, env.bucket, config.ingest.lakePrefix)).map((o) => o.key),
    );
    expect(rows.every((r) => r.event.type === 'news' && r.event.sentiment?.model.startsWith('afinn'))).toBe(true);
  });

  it('reports a failed lake write as a batch item failure; the runner retries it and the lake ends exactly-once', async () => {
    const config = withLakePrefix(env.config, 'retry');
    let injected = 0;
    // moto cannot fail on demand, so wrap the real client: the first three data writes to partition 1 fail.
    const flaky = new Proxy(env.s3, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return (command: unknown) => {
          if (
            command instanceof PutObjectCommand &&
            /\/part-1-.*\.parquet$/.test(command.input.Key ?? '') &&
            injected < 3
          ) {
            injected += 1;
            return Promise.reject(Object.assign(new Error('injected S3 failure'), { name: 'InternalError' }));
          }
          return target.send(command as never);
        };
      },
    }) as S3Client;
    const handler = envSinkHandler({ ...env, s3: flaky }, config);
    let failuresReported = 0;
    const groupId = `${env.namespace}-retry`;
    const runner = await startEventSourceRunner({
      kafka: env.kafka,
      groupId,
      topics: env.topics,
      batchSize: 300,
      batchWindowMs: 50,
      source: { eventSourceArn: 'arn:local', bootstrapServers: 'x' },
      handler: async (event, context) => {
        const res = await handler(event, context);
        failuresReported += res.batchItemFailures.length;
        return res;
      },
    });
    await waitForDrain(env.admin, groupId, env.topics, 60_000);
    await runner.stop();
    expect(injected).toBe(3);
    expect(failuresReported).toBeGreaterThanOrEqual(1);
    expect(runner.stats.retries).toBeGreaterThanOrEqual(1);
    const audit = await auditLake(env.s3, env.bucket, config.ingest.lakePrefix);
    expect(audit.rows).toBe(3_000);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);
  });
});
