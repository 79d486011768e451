import { describe, expect, it } from 'vitest';
import { auditLake } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { readDeadLetters, startEnvSink, useIngestTestEnv } from '../../support/ingest-env.js';

const EVENTS = 100_000;
const POISON = 12;

describe('replay -> Kafka -> sink -> lake', () => {
  const env = useIngestTestEnv('replay');

  it(`lands each of ${EVENTS} replayed events in the lake exactly once, poison in the DLQ`, async () => {
    const sink = await startEnvSink(env, { batchSize: 2_000, batchWindowMs: 200 });
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

    await sink.drainAndStop(150_000);

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
