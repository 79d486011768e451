import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLake } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { startLocalSink, waitForDrain } from '../../../local/event-source/index.js';
import { ingestTestEnv, readDeadLetters, type IngestTestEnv } from './harness.js';

const EVENTS = 100_000;
const POISON = 12;

describe('replay -> Kafka -> sink -> lake', () => {
  let env: IngestTestEnv;
  beforeAll(async () => {
    env = await ingestTestEnv('replay');
  });
  afterAll(async () => env?.close());

  it(`lands each of ${EVENTS} replayed events in the lake exactly once, poison in the DLQ`, async () => {
    const groupId = `${env.namespace}-sink`;
    const sink = await startLocalSink({
      config: env.config,
      kafka: env.kafka,
      lakeBucket: env.bucket,
      namespace: env.namespace,
      groupId,
      batchSize: 2_000,
      batchWindowMs: 200,
    });
    const producer = await connectEventProducer(env.kafka);
    const options = { config: env.config, events: EVENTS, poison: POISON, namespace: env.namespace };
    const report = await produceReplay(producer, options);
    await producer.disconnect();
    expect(report.events).toBe(EVENTS);
    expect(report.poison).toBe(POISON);
    expect(Object.keys(report.byTopic).sort()).toEqual([
      'financial-news',
      'market-data',
      'regulatory-filings',
      'social-sentiment',
    ]);

    await waitForDrain(env.admin, groupId, env.topics, 150_000);
    await sink.stop();

    const audit = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    const expected = replayEventIds(options);
    expect(audit.rows).toBe(EVENTS);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);
    const missing = [...expected].filter((id) => !audit.countsByEventId.has(id));
    expect(missing).toEqual([]);

    const letters = await readDeadLetters(env);
    expect(letters).toHaveLength(POISON);
    const byReason: Record<string, number> = {};
    for (const l of letters) byReason[l.reason] = (byReason[l.reason] ?? 0) + 1;
    expect(byReason).toEqual(report.poisonByReason);
  });
});
