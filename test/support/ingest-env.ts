import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { awsClientConfig } from '../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig } from '../../core/config/index.js';
import { createKafka } from '../../core/kafka/client.js';
import { listKeys, getObjectBytes } from '../../core/lake/index.js';
import type { SignalEvent } from '../../core/events/index.js';
import { LexiconSentimentScorer } from '../../core/sentiment/index.js';
import { eventMessage } from '../../lambdas/ingest/producer.js';
import { createSinkHandler, type KafkaBatchResponse, type SinkDeps } from '../../lambdas/ingest/sink.js';
import {
  ensureIngestTopics,
  startLocalSink,
  toMskEvent,
  toMskRecord,
  waitForDrain,
  type MskRecord,
} from '../../local/event-source/index.js';

export interface IngestTestEnv {
  config: SignalForgeConfig;
  kafka: Kafka;
  admin: Admin;
  s3: S3Client;
  bucket: string;
  namespace: string;
  topics: string[];
  close(): Promise<void>;
}

/** A private namespace of topics and a private bucket on the shared broker and moto, per test. */
export async function ingestTestEnv(label: string): Promise<IngestTestEnv> {
  const suffix = randomBytes(4).toString('hex');
  const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: 'local' } });
  const kafka = createKafka(config, { clientId: `it-${label}-${suffix}` });
  const admin = kafka.admin();
  await admin.connect();
  const namespace = `it-${label}-${suffix}`;
  const topics = await ensureIngestTopics(admin, config, namespace);
  const s3 = new S3Client(awsClientConfig());
  const bucket = `sf-ingest-${label}-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    config,
    kafka,
    admin,
    s3,
    bucket,
    namespace,
    topics,
    async close() {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/**
 * The env of one describe block: created before its tests, closed after them. The returned object is filled in by
 * the beforeAll hook, so tests read it as they would a local (a later beforeAll of the block may use it too).
 */
export function useIngestTestEnv(label: string): IngestTestEnv {
  const env = {} as IngestTestEnv;
  beforeAll(async () => {
    Object.assign(env, await ingestTestEnv(label));
  });
  afterAll(async () => env.close?.());
  return env;
}

/** Errors only: the sink logs every batch, which would drown a test's output. */
export function quietLogger(serviceName = 'ingest-it'): Logger {
  return new Logger({ serviceName, logLevel: 'ERROR' });
}

export interface RunningSink {
  groupId: string;
  /** Waits until the group has consumed every topic of the env to its end. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  drainAndStop(timeoutMs: number): Promise<void>;
}

/** The local sink (a Kafka consumer feeding the sink handler) over the env's topics, writing to its bucket. */
export async function startEnvSink(
  env: IngestTestEnv,
  options: Pick<Parameters<typeof startLocalSink>[0], 'batchSize' | 'batchWindowMs' | 'onlineStore'> & {
    config?: SignalForgeConfig;
    logger?: Logger;
    groupId?: string;
  },
): Promise<RunningSink> {
  const groupId = options.groupId ?? `${env.namespace}-sink`;
  const sink = await startLocalSink({
    config: options.config ?? env.config,
    kafka: env.kafka,
    lakeBucket: env.bucket,
    namespace: env.namespace,
    groupId,
    batchSize: options.batchSize,
    batchWindowMs: options.batchWindowMs,
    logger: options.logger ?? quietLogger(),
    ...(options.onlineStore ? { onlineStore: options.onlineStore } : {}),
  });
  const drain = (timeoutMs: number) => waitForDrain(env.admin, groupId, env.topics, timeoutMs);
  const stop = async () => {
    await sink.stop();
  };
  return {
    groupId,
    drain,
    stop,
    async drainAndStop(timeoutMs) {
      await drain(timeoutMs);
      await stop();
    },
  };
}

/** The env's config with its own lake and dead-letter prefixes, so tests sharing one bucket do not see each other. */
export function withLakePrefix(config: SignalForgeConfig, name: string): SignalForgeConfig {
  return { ...config, ingest: { ...config.ingest, lakePrefix: `${name}-lake`, deadLetterPrefix: `${name}-dlq` } };
}

export type SinkHandler = ReturnType<typeof createSinkHandler>;

/** The deployed sink handler, called directly (no consumer) over the env's bucket. */
export function envSinkHandler(
  env: IngestTestEnv,
  config: SignalForgeConfig,
  extra: Pick<SinkDeps, 'onlineStore'> & { logger?: Logger } = {},
): SinkHandler {
  return createSinkHandler({
    config,
    s3: env.s3,
    lakeBucket: env.bucket,
    scorer: new LexiconSentimentScorer(),
    logger: extra.logger ?? quietLogger(),
    ...(extra.onlineStore ? { onlineStore: extra.onlineStore } : {}),
  });
}

/**
 * Events as the MSK event source hands them to the sink: the producer's message for each, at consecutive offsets
 * of one partition. `topic` defaults to the event's own (physical, in `namespace`).
 */
export function mskRecords(
  events: readonly SignalEvent[],
  at: { partition: number; firstOffset: number; namespace?: string; topic?: string },
): MskRecord[] {
  return events.map((e, i) => mskRecord(e, { ...at, offset: at.firstOffset + i }));
}

export function mskRecord(
  event: SignalEvent,
  at: { partition: number; offset: number; namespace?: string; topic?: string },
): MskRecord {
  const m = eventMessage(event, at.namespace);
  const message: KafkaMessage = {
    key: Buffer.from(m.key),
    value: Buffer.from(m.value),
    offset: String(at.offset),
    timestamp: String(Date.now()),
    attributes: 0,
    headers: {},
  };
  return toMskRecord(at.topic ?? m.topic, at.partition, message);
}

/** One sink invocation with these records as its batch, as Lambda's event source mapping would make it. */
export function invokeSink(
  handler: (event: ReturnType<typeof toMskEvent>, context: Context) => Promise<KafkaBatchResponse>,
  records: readonly MskRecord[],
): Promise<KafkaBatchResponse> {
  return handler(toMskEvent({ eventSourceArn: 'arn:local', bootstrapServers: 'x' }, records), {} as Context);
}

export interface DeadLetter {
  reason: string;
  detail: string;
  topic: string;
  partition: number;
  offset: number;
  valueBase64: string | null;
}

export async function readDeadLetters(env: IngestTestEnv): Promise<DeadLetter[]> {
  const keys = await listKeys(env.s3, env.bucket, `${env.config.ingest.deadLetterPrefix}/`);
  return Promise.all(
    keys.map(
      async ({ key }) =>
        JSON.parse(Buffer.from((await getObjectBytes(env.s3, env.bucket, key))!).toString('utf8')) as DeadLetter,
    ),
  );
}
