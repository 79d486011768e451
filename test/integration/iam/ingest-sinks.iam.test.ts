import type { Context } from 'aws-lambda';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES, type TopicName } from '../../../core/config/index.js';
import { logicalTopic, physicalTopic } from '../../../core/events/index.js';
import { auditLake, listLakeObjects } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay } from '../../../local/replay/replay-producer.js';
import { replayEvents } from '../../../local/replay/replay.js';
import { startEventSourceRunner, waitForDrain, type MskRecord } from '../../../local/event-source/index.js';
import { envSinkHandler, invokeSink, mskRecords, useIngestTestEnv } from '../../support/ingest-env.js';
import { asHandler, deployedApp, expectCallsAllowed, type FunctionRole } from '../../support/iam/index.js';

/**
 * The four sinks run the real handler (Kafka -> local MSK event source -> createSinkHandler -> moto S3),
 * each invocation as the function that owns its topic; every S3 and KMS authorization the run needed is
 * then checked against that function's role in the synthesized Ingest stack.
 */
describe('ingest sinks run under their deployed IAM policies', () => {
  const { synth, app } = deployedApp();
  const roles = new Map<TopicName, FunctionRole>(
    TOPIC_NAMES.map((t) => [t, app.functionRole(synth.stacks.ingest.sinks.get(t)!)]),
  );
  const env = useIngestTestEnv('iam-sink');

  const names = () => ({
    exact: { [env.bucket]: roles.get('market-data')!.environment.LAKE_BUCKET! },
    // Deployed topics have no test namespace: `topic=<ns>.market-data` is `topic=market-data` there.
    s3Key: (key: string) => key.replaceAll(`topic=${env.namespace}.`, 'topic='),
  });

  const handler = () => envSinkHandler(env, env.config);
  /**
   * Runs an invocation as the sink of the topic its records come from (one topic per invocation, as a mapping
   * delivers).
   */
  const asSinkOf = (sink: ReturnType<typeof handler>) => (event: MSKEvent, context: Context) => {
    const topics = new Set(Object.keys(event.records).map((k) => logicalTopic(k.slice(0, k.lastIndexOf('-')))!));
    expect(topics.size).toBe(1);
    return asHandler(roles.get([...topics][0]!)!.handler, () => sink(event, context));
  };

  it('first deliveries of all four topics, poison and implausible records included, write only where each sink may write', async () => {
    const groupId = `${env.namespace}-sink`;
    const runner = await startEventSourceRunner({
      kafka: env.kafka,
      groupId,
      topics: env.topics,
      handler: asSinkOf(handler()),
      batchSize: 500,
      batchWindowMs: 100,
      partitionsConsumedConcurrently: 4,
      source: {
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/x',
        bootstrapServers: process.env.KAFKA_BROKERS ?? '',
      },
    });
    await runner.joined;
    const producer = await connectEventProducer(env.kafka);
    // Implausible records too: the quarantine write and the market-data sink's lake read (bar-move history) are checked
    // against the role.
    const report = await produceReplay(producer, {
      config: env.config,
      events: 2_000,
      poison: 8,
      implausible: 5,
      namespace: env.namespace,
    });
    await producer.disconnect();
    await waitForDrain(env.admin, groupId, env.topics, 60_000);
    await runner.stop();
    expect(Object.keys(report.byTopic).sort()).toEqual([...TOPIC_NAMES].sort());
    expect((await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix)).rows).toBe(2_000);
  });

  it('a retry from the same offset with a shorter batch (ledger read, stale objects deleted) stays within the sink policy', async () => {
    const sink = asSinkOf(handler());
    const topic = physicalTopic('market-data', env.namespace);
    const bars = [...replayEvents({ config: env.config, events: 2_000, seed: 11 })].flatMap((i) =>
      i.kind === 'event' && i.event.type === 'market-bar' ? [i.event] : [],
    );
    const symbols = [...new Set(bars.map((b) => b.symbol))].slice(0, 2);
    const picked = symbols.flatMap((s) => bars.filter((b) => b.symbol === s).slice(0, 5));
    const now = new Date().toISOString();
    const records = mskRecords(
      picked.map((e) => ({ ...e, ingestTime: now })),
      { partition: 5, firstOffset: 90_000, topic },
    );
    const invoke = (slice: MskRecord[]) => invokeSink(sink, slice);
    expect((await invoke(records)).batchItemFailures).toEqual([]);
    expect((await invoke(records.slice(0, 5))).batchItemFailures).toEqual([]);
    const left = (await listLakeObjects(env.s3, env.bucket, env.config.ingest.lakePrefix)).filter(
      (o) => o.partition === 5 && o.firstOffset === 90_000,
    );
    expect(left.map((o) => o.lastOffset)).toEqual([90_004]);
  });

  it('every call each sink made is allowed by its role in the synthesized template', async () => {
    const { checked } = await expectCallsAllowed(app, [...roles.values()], names());
    expect(checked).toBeGreaterThan(8);
  });
});
