import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import { toMskEvent, toMskRecord, type MskEventSource } from './msk-event.js';

export interface BatchItemFailuresResponse {
  batchItemFailures?: { itemIdentifier: { 'topic-partition': string; offset: number } | string }[];
}

export type MskHandler = (
  event: MSKEvent,
  context: Context,
) => Promise<BatchItemFailuresResponse | undefined | unknown>;

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
    if (typeof id !== 'object' || id === null)
      throw new Error(`malformed batchItemFailures itemIdentifier: ${JSON.stringify(id)}`);
    if (id['topic-partition'] !== topicPartition) continue;
    if (lowest === undefined || id.offset < lowest) lowest = id.offset;
  }
  return lowest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PartitionState {
  topic: string;
  partition: number;
  /** Fetched records not yet handed to an invocation, with the time each arrived. */
  queue: KafkaMessage[];
  arrivedAt: number[];
  /** Offsets below this are queued, in flight or committed: a re-fetch after a rejoin skips them. */
  nextOffset: number;
  /** This state's invocation chain; a new state for the same partition (after a rejoin) starts after it. */
  busy: Promise<void>;
  running: boolean;
  /** Set when the group rebalances: the state stops invoking, and an attempt in flight does not commit. */
  abandoned: boolean;
  paused: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * A local stand-in for Lambda's MSK event source mapping: a kafkajs consumer group that hands records to
 * the real sink handler in the MSK event shape. As in Lambda, polling and invoking are decoupled: the
 * kafkajs fetch loop only queues records per partition (pausing a partition whose queue is full), and each
 * partition has at most one invocation at a time, started when batchSize records are queued or the oldest
 * queued record has waited batchWindowMs. Offsets are committed only after the handler returns, and a
 * partition's next batch starts only after the previous one is committed, so every batch starts at the
 * committed offset (what the sink's batch ledger relies on). A thrown error retries the batch, and
 * batchItemFailures commit up to the lowest failed offset and retry from it; a crash at any point
 * re-delivers everything not yet committed. A group rejoin abandons the queues and any attempt in flight
 * (uncommitted), and kafkajs re-fetches from the committed offsets.
 */
export async function startEventSourceRunner(options: EventSourceRunnerOptions): Promise<EventSourceRunner> {
  const log = options.log ?? (() => undefined);
  const functionName = options.functionName ?? 'ingest-sink-local';
  const stats: EventSourceRunnerStats = { invocations: 0, recordsDelivered: 0, retries: 0, commits: 0 };
  const windowMs = Math.max(0, options.batchWindowMs);
  // The window is ours now (per partition), so the broker only needs to hold a fetch briefly when idle.
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: Math.max(10, Math.min(100, windowMs / 4)),
    // Enough for a fetch to carry a useful amount under load without holding records back when idle.
    minBytes: 64 * 1024,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    retry: { initialRetryTime: 200, retries: 30, maxRetryTime: 5_000 },
  });
  // Lambda's poller buffers a bounded amount per partition; beyond this the partition is paused.
  const maxQueued = Math.max(2 * options.batchSize, 1_000);
  const partitions = new Map<string, PartitionState>();
  /** Each partition's latest invocation chain, kept across rejoins so two never overlap. */
  const chains = new Map<string, Promise<void>>();
  let stopping = false;
  const live = (state: PartitionState) => !state.abandoned && !stopping;

  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => {
    // kafkajs re-fetches from the committed offsets after a rejoin; start every partition afresh.
    for (const state of partitions.values()) abandon(state);
    partitions.clear();
    markJoined();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });

  function abandon(state: PartitionState) {
    state.abandoned = true;
    clearTimeout(state.timer);
    state.queue = [];
    state.arrivedAt = [];
    if (state.paused) consumer.resume([{ topic: state.topic, partitions: [state.partition] }]);
  }

  /**
   * Commits `offset` (the next to read), retrying while the partition is still ours; false if it was given
   * up (rejoin, or a failure while stopping), in which case the batch is simply re-delivered later.
   */
  async function commit(state: PartitionState, offset: string): Promise<boolean> {
    let backoff = 100;
    for (;;) {
      if (state.abandoned) return false;
      try {
        await consumer.commitOffsets([{ topic: state.topic, partition: state.partition, offset }]);
        stats.commits += 1;
        return true;
      } catch (err) {
        log('warn', 'offset commit failed', {
          topicPartition: `${state.topic}-${state.partition}`,
          error: (err as Error).message,
        });
        if (stopping) return false;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  async function deliver(state: PartitionState, messages: KafkaMessage[]) {
    const { topic, partition } = state;
    const topicPartition = `${topic}-${partition}`;
    let pending = messages;
    let backoff = 100;
    while (pending.length > 0 && live(state)) {
      const event = toMskEvent(
        options.source,
        pending.map((m) => toMskRecord(topic, partition, m)),
      );
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
      if (done.length > 0 && !(await commit(state, String(Number(done[done.length - 1]!.offset) + 1)))) return;
      if (failedAt === undefined) return;
      pending = pending.filter((m) => Number(m.offset) >= failedAt!);
      stats.retries += 1;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  /** Starts the partition's invocation chain when a batch is due: full, or its oldest record is windowMs old. */
  function schedule(state: PartitionState) {
    if (state.running || !live(state) || state.queue.length === 0) return;
    const waitMs = state.arrivedAt[0]! + windowMs - Date.now();
    if (state.queue.length < options.batchSize && waitMs > 0) {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => schedule(state), waitMs);
      return;
    }
    clearTimeout(state.timer);
    state.running = true;
    state.busy = state.busy
      .then(async () => {
        while (live(state) && state.queue.length > 0) {
          if (state.queue.length < options.batchSize && state.arrivedAt[0]! + windowMs > Date.now()) break;
          const batch = state.queue.splice(0, options.batchSize);
          state.arrivedAt.splice(0, batch.length);
          if (state.paused && state.queue.length < maxQueued) {
            state.paused = false;
            consumer.resume([{ topic: state.topic, partitions: [state.partition] }]);
          }
          await deliver(state, batch);
        }
      })
      .catch((err) =>
        log('error', 'partition invocation loop failed', {
          topic: state.topic,
          partition: state.partition,
          error: (err as Error).message,
        }),
      )
      .finally(() => {
        state.running = false;
        schedule(state);
      });
    chains.set(`${state.topic}-${state.partition}`, state.busy);
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || stopping || batch.messages.length === 0) return;
      const key = `${batch.topic}-${batch.partition}`;
      let state = partitions.get(key);
      if (!state) {
        state = {
          topic: batch.topic,
          partition: batch.partition,
          queue: [],
          arrivedAt: [],
          nextOffset: -1,
          busy: chains.get(key) ?? Promise.resolve(),
          running: false,
          abandoned: false,
          paused: false,
        };
        partitions.set(key, state);
      }
      const now = Date.now();
      for (const m of batch.messages) {
        const offset = Number(m.offset);
        if (offset < state.nextOffset) continue;
        state.queue.push(m);
        state.arrivedAt.push(now);
        state.nextOffset = offset + 1;
      }
      // Resolving only moves kafkajs' fetch position; commits stay ours, after the handler succeeds.
      resolveOffset(batch.lastOffset());
      if (state.queue.length >= maxQueued && !state.paused) {
        state.paused = true;
        consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      }
      schedule(state);
      await heartbeat();
    },
  });

  return {
    stats,
    joined,
    async stop() {
      stopping = true;
      removeJoinListener();
      for (const state of partitions.values()) clearTimeout(state.timer);
      // Attempts in flight finish (and commit) before the member leaves the group.
      await Promise.all(chains.values());
      await consumer.disconnect();
    },
  };
}
