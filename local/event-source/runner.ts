import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import { toMskEvent, toMskRecord, type MskEventSource } from './msk-event.js';

export interface BatchItemFailuresResponse {
  batchItemFailures?: { itemIdentifier: { 'topic-partition': string; offset: number } | string }[];
}

export type MskHandler = (event: MSKEvent, context: Context) => Promise<BatchItemFailuresResponse | void | unknown>;

export interface EventSourceRunnerOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  handler: MskHandler;
  /** Most records per invocation (Lambda's BatchSize). */
  batchSize: number;
  /** Lambda's MaximumBatchingWindowInSeconds, in ms: the broker holds a fetch this long for more data. */
  batchWindowMs: number;
  source: MskEventSource;
  fromBeginning?: boolean;
  /** Partitions processed in parallel; Lambda runs one invocation per partition at a time. */
  partitionsConsumedConcurrently?: number;
  functionName?: string;
  /** How long the group waits for a silent (e.g. killed) member before reassigning its partitions. */
  sessionTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

export interface EventSourceRunnerStats {
  invocations: number;
  recordsDelivered: number;
  retries: number;
  commits: number;
}

export interface EventSourceRunner {
  readonly stats: EventSourceRunnerStats;
  /** Resolves when the consumer first joins its group (partitions assigned), so fetching has begun. */
  readonly joined: Promise<void>;
  stop(): Promise<void>;
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Lowest failed offset reported for this topic-partition, or undefined when the batch fully succeeded. */
export function firstFailedOffset(response: unknown, topicPartition: string): number | undefined {
  const failures = (response as BatchItemFailuresResponse | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest: number | undefined;
  for (const f of failures) {
    const id = f.itemIdentifier;
    if (typeof id !== 'object' || id === null) throw new Error(`malformed batchItemFailures itemIdentifier: ${JSON.stringify(id)}`);
    if (id['topic-partition'] !== topicPartition) continue;
    if (lowest === undefined || id.offset < lowest) lowest = id.offset;
  }
  return lowest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A local stand-in for Lambda's MSK event source mapping: a kafkajs consumer group that hands records to
 * the real sink handler in the MSK event shape. Offsets are committed only after the handler returns; a
 * thrown error retries the batch, and batchItemFailures commit up to the lowest failed offset and retry
 * from it, so a crash at any point re-delivers everything not yet committed.
 */
export async function startEventSourceRunner(options: EventSourceRunnerOptions): Promise<EventSourceRunner> {
  const log = options.log ?? (() => undefined);
  const functionName = options.functionName ?? 'ingest-sink-local';
  const stats: EventSourceRunnerStats = { invocations: 0, recordsDelivered: 0, retries: 0, commits: 0 };
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: Math.max(10, options.batchWindowMs),
    // A fetch returns early once roughly a full batch (~100 bytes a record at least) is available.
    minBytes: options.batchWindowMs > 0 ? options.batchSize * 100 : 1,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    retry: { initialRetryTime: 200, retries: 30, maxRetryTime: 5_000 },
  });
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => markJoined());
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });

  async function deliver(topic: string, partition: number, messages: KafkaMessage[], live: () => boolean, heartbeat: () => Promise<void>, resolve: (o: string) => void) {
    const topicPartition = `${topic}-${partition}`;
    let pending = messages;
    let backoff = 100;
    while (pending.length > 0 && live()) {
      const event = toMskEvent(options.source, pending.map((m) => toMskRecord(topic, partition, m)));
      stats.invocations += 1;
      stats.recordsDelivered += pending.length;
      let failedAt: number | undefined;
      try {
        failedAt = firstFailedOffset(await options.handler(event, lambdaContext(functionName)), topicPartition);
      } catch (err) {
        failedAt = Number(pending[0]!.offset);
        log('warn', 'handler threw; retrying the batch', { topicPartition, error: (err as Error).message });
      }
      const done = failedAt === undefined ? pending : pending.filter((m) => Number(m.offset) < failedAt!);
      if (done.length > 0 && live()) {
        const next = Number(done[done.length - 1]!.offset) + 1;
        await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
        resolve(done[done.length - 1]!.offset);
        stats.commits += 1;
      }
      if (failedAt === undefined) return;
      pending = pending.filter((m) => Number(m.offset) >= failedAt!);
      stats.retries += 1;
      await heartbeat();
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const live = () => isRunning() && !isStale();
      for (let i = 0; i < batch.messages.length && live(); i += options.batchSize) {
        await deliver(batch.topic, batch.partition, batch.messages.slice(i, i + options.batchSize), live, heartbeat, resolveOffset);
        await heartbeat();
      }
    },
  });

  return {
    stats,
    joined,
    async stop() {
      removeJoinListener();
      await consumer.disconnect();
    },
  };
}
