import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, ConsumerRecords, MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { logicalTopic, sentimentText, type SignalEvent } from '../../core/events/index.js';
import {
  batchLedgerKey,
  batchObjectKey,
  deadLetterKey,
  deleteObjects,
  encodeLakeFile,
  getObjectBytes,
  mapLimit,
  putObjectBytes,
  putObjectIfAbsent,
  quarantineKey,
  utcDate,
  type LakeRow,
} from '../../core/lake/index.js';
import {
  emitRejectionMetrics,
  CachedRecentBars,
  originalRecord,
  quarantineEntry,
  screenEvents,
  type PlausibilityRule,
  type RecentBars,
  type Rejection,
  type Violation,
} from '../../core/quality/index.js';
import type { OnlineBarStore } from '../../core/online/index.js';
import type { SentimentScorer } from '../../core/sentiment/index.js';
import { decodeRecord, type DeadLetterReason } from './decode.js';

export interface KafkaBatchItemFailure {
  itemIdentifier: { 'topic-partition': string; offset: number };
}
export interface KafkaBatchResponse {
  batchItemFailures: KafkaBatchItemFailure[];
}

export interface LakeWrite {
  key: string;
  rows: readonly LakeRow[];
  writtenAtMs: number;
}

export interface SinkDeps {
  config: SignalForgeConfig;
  s3: S3Client;
  lakeBucket: string;
  /** Defaults to the lake bucket (under config.ingest.deadLetterPrefix). */
  deadLetterBucket?: string;
  scorer: SentimentScorer;
  logger: Logger;
  metrics?: Metrics;
  /** S3 writes in flight per invocation. */
  writeConcurrency?: number;
  /**
   * A series' last landed bars for the move rule; createSinkHandler defaults to the online store behind a per-container
   * cache. Absent: this batch's bars only.
   */
  recentBars?: RecentBars;
  /** Only for records an operator released from quarantine: they are not judged again (core/quality). */
  skipPlausibility?: boolean;
  /** The online bar store (core/online), updated with a partition's bars after its lake write succeeded. */
  onlineStore?: Pick<OnlineBarStore, 'update' | 'trailingBars'>;
  /** Called after each lake object lands; the benchmark measures latency with it. */
  onLakeWrite?: (write: LakeWrite) => void;
}

export interface SinkStats {
  received: number;
  written: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  quarantined: Partial<Record<PlausibilityRule, number>>;
  duplicatesDropped: number;
  objectsWritten: number;
  failedPartitions: string[];
}

type Record_ = ConsumerRecord<unknown, unknown>;

interface DeadLetter {
  record: Record_;
  reason: DeadLetterReason;
  detail: string;
}

interface Quarantined {
  record: Record_;
  row: LakeRow;
  violation: Violation;
}

interface PartitionBatch {
  topic: string;
  partition: number;
  records: Record_[];
}

function groupByPartition(records: readonly Record_[]): PartitionBatch[] {
  const byKey = new Map<string, PartitionBatch>();
  for (const r of records) {
    const id = `${r.topic}-${r.partition}`;
    let batch = byKey.get(id);
    if (!batch) {
      batch = { topic: r.topic, partition: r.partition, records: [] };
      byKey.set(id, batch);
    }
    batch.records.push(r);
  }
  return [...byKey.values()];
}

function deadLetterBody(letter: DeadLetter): string {
  const r = letter.record;
  return JSON.stringify({
    reason: letter.reason,
    detail: letter.detail,
    topic: r.topic,
    ...originalRecord(r),
    deadLetteredAt: new Date().toISOString(),
  });
}

async function scoreSentiment(events: SignalEvent[], scorer: SentimentScorer): Promise<void> {
  const pending = events.filter((e) => (e.type === 'news' || e.type === 'social-post') && !e.sentiment);
  if (pending.length === 0) return;
  const scores = await scorer.scoreBatch(pending.map((e) => sentimentText(e) ?? ''));
  pending.forEach((e, i) => {
    if (e.type === 'news' || e.type === 'social-post') e.sentiment = scores[i];
  });
}

/**
 * Writes one partition's slice of the batch. Object keys come from (topic, partition, first and last
 * offset), so the same batch retried overwrites itself. A retry can also arrive with different boundaries
 * (a crashed poller re-reads from the committed offset with whatever has arrived since); the batch ledger,
 * written BEFORE the data and keyed by the first offset, lists every key any attempt from that offset may
 * have written, and the keys this attempt does not rewrite are deleted. Together they make the lake an
 * exact function of the committed Kafka log: no record twice, none lost.
 */
async function writePartition(
  batch: PartitionBatch,
  rows: LakeRow[],
  letters: DeadLetter[],
  quarantined: Quarantined[],
  deps: SinkDeps,
): Promise<number> {
  const { config, s3, lakeBucket } = deps;
  const dlqBucket = deps.deadLetterBucket ?? lakeBucket;
  const offsets = batch.records.map((r) => r.offset);
  const firstOffset = Math.min(...offsets);
  const lastOffset = Math.max(...offsets);
  const topic = logicalTopic(batch.topic) ?? batch.topic;

  const groups = new Map<string, LakeRow[]>();
  for (const row of rows) {
    // One object per partition slice and ingest date (a batch rarely spans midnight), every symbol in it.
    const key = batchObjectKey(config.ingest.lakePrefix, {
      topic,
      date: utcDate(row.event.ingestTime),
      partition: batch.partition,
      firstOffset,
      lastOffset,
    });
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(row);
  }
  const keys = [...groups.keys()];

  // The usual case is a first attempt, where a conditional create writes the ledger in one request; only
  // when a ledger from an earlier attempt exists is it read, merged and rewritten.
  const ledgerKey = batchLedgerKey(config.ingest.lakePrefix, batch.topic, batch.partition, firstOffset);
  const ledgerBody = (ledgerKeys: string[]) =>
    JSON.stringify({ topic: batch.topic, partition: batch.partition, firstOffset, keys: ledgerKeys });
  let stale: string[] = [];
  if (!(await putObjectIfAbsent(s3, lakeBucket, ledgerKey, ledgerBody(keys), 'application/json'))) {
    const previousBytes = await getObjectBytes(s3, lakeBucket, ledgerKey);
    const previous: string[] = previousBytes
      ? (JSON.parse(Buffer.from(previousBytes).toString('utf8')) as { keys: string[] }).keys
      : [];
    stale = previous.filter((k) => !groups.has(k));
    if (keys.some((k) => !previous.includes(k))) {
      await putObjectBytes(
        s3,
        lakeBucket,
        ledgerKey,
        ledgerBody([...new Set([...previous, ...keys])]),
        'application/json',
      );
    }
  }

  const jobs: (() => Promise<void>)[] = [
    ...[...groups].map(([key, groupRows]) => async () => {
      await putObjectBytes(s3, lakeBucket, key, encodeLakeFile(groupRows), 'application/vnd.apache.parquet');
      deps.onLakeWrite?.({ key, rows: groupRows, writtenAtMs: Date.now() });
    }),
    ...letters.map((letter) => async () => {
      const key = deadLetterKey(config.ingest.deadLetterPrefix, {
        topic,
        partition: batch.partition,
        offset: letter.record.offset,
        date: utcDate(letter.record.timestamp),
      });
      await putObjectBytes(s3, dlqBucket, key, deadLetterBody(letter), 'application/json');
    }),
    ...quarantined.map(({ record, row, violation }) => async () => {
      const key = quarantineKey(config.quality.quarantinePrefix, {
        topic,
        partition: batch.partition,
        offset: record.offset,
        date: utcDate(record.timestamp),
      });
      const entry = quarantineEntry(
        record,
        { topic, eventId: row.event.eventId, eventType: row.event.type, symbol: row.event.symbol },
        violation,
      );
      await putObjectBytes(s3, dlqBucket, key, JSON.stringify(entry), 'application/json');
    }),
  ];
  await mapLimit(jobs, deps.writeConcurrency ?? 8, (job) => job());
  if (stale.length > 0) await deleteObjects(s3, lakeBucket, stale);
  return groups.size;
}

/**
 * The sink's logic on Powertools-deserialised records: validate, dead-letter poison, drop duplicate event
 * ids, score sentiment, write the lake. A partition whose writes fail is reported from its FIRST offset,
 * because its lake objects span the whole slice and only a retry from there rewrites them consistently.
 */
export async function sinkRecords(
  records: readonly Record_[],
  deps: SinkDeps,
): Promise<{ response: KafkaBatchResponse; stats: SinkStats }> {
  const stats: SinkStats = {
    received: records.length,
    written: 0,
    deadLettered: {},
    quarantined: {},
    duplicatesDropped: 0,
    objectsWritten: 0,
    failedPartitions: [],
  };
  const seen = new Set<string>();
  const batches = groupByPartition(records).sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  const prepared = batches.map((batch) => {
    const rows: LakeRow[] = [];
    const letters: DeadLetter[] = [];
    for (const record of batch.records) {
      const decoded = decodeRecord(record, deps.config.ingest.maxRecordBytes);
      if (!decoded.ok) {
        letters.push({ record, reason: decoded.reason, detail: decoded.detail });
        stats.deadLettered[decoded.reason] = (stats.deadLettered[decoded.reason] ?? 0) + 1;
        continue;
      }
      if (seen.has(decoded.event.eventId)) {
        stats.duplicatesDropped += 1;
        continue;
      }
      seen.add(decoded.event.eventId);
      rows.push({ event: decoded.event, kafkaPartition: record.partition, kafkaOffset: record.offset });
    }
    return { batch, rows, letters, quarantined: [] as Quarantined[] };
  });
  // Plausibility (core/quality): well-formed but absurd records go to quarantine, not the lake.
  if (!deps.skipPlausibility) {
    const screened = await screenEvents(
      prepared.flatMap((p) => p.rows.map((row) => ({ p, row }))),
      (x) => x.row.event,
      deps.config,
      Date.now(),
      deps.recentBars,
    );
    for (const p of prepared) p.rows = [];
    for (const { p, row } of screened.accepted) p.rows.push(row);
    for (const {
      item: { p, row },
      violation,
    } of screened.quarantined) {
      p.quarantined.push({ record: p.batch.records.find((r) => r.offset === row.kafkaOffset)!, row, violation });
      stats.quarantined[violation.rule] = (stats.quarantined[violation.rule] ?? 0) + 1;
    }
  }
  await scoreSentiment(
    prepared.flatMap((p) => p.rows.map((r) => r.event)),
    deps.scorer,
  );

  const failures: KafkaBatchItemFailure[] = [];
  await Promise.all(
    prepared.map(async ({ batch, rows, letters, quarantined }) => {
      try {
        stats.objectsWritten += await writePartition(batch, rows, letters, quarantined, deps);
        // Only after the lake holds these bars; a failure here retries the partition, whose lake rewrite is idempotent.
        if (deps.onlineStore) await deps.onlineStore.update(rows.map((r) => r.event));
        stats.written += rows.length;
        deps.recentBars?.landed(rows.flatMap((r) => (r.event.type === 'market-bar' ? [r.event] : [])));
      } catch (err) {
        const id = `${batch.topic}-${batch.partition}`;
        stats.failedPartitions.push(id);
        deps.logger.error('lake or online store write failed; partition will be retried from its first offset', {
          topicPartition: id,
          error: err as Error,
        });
        failures.push({
          itemIdentifier: { 'topic-partition': id, offset: Math.min(...batch.records.map((r) => r.offset)) },
        });
      }
    }),
  );

  for (const letter of prepared.flatMap((p) => p.letters)) {
    deps.logger.warn('record dead-lettered', {
      reason: letter.reason,
      detail: letter.detail.slice(0, 500),
      topic: letter.record.topic,
      partition: letter.record.partition,
      offset: letter.record.offset,
    });
  }
  for (const q of prepared.flatMap((p) => p.quarantined)) {
    deps.logger.warn('record quarantined', {
      rule: q.violation.rule,
      detail: q.violation.detail.slice(0, 500),
      topic: q.record.topic,
      partition: q.record.partition,
      offset: q.record.offset,
    });
  }
  const m = deps.metrics;
  if (m) {
    const rejections: Rejection[] = prepared.flatMap((p) => {
      const topic = logicalTopic(p.batch.topic) ?? p.batch.topic;
      return [
        ...p.letters.map((l): Rejection => ({ topic, kind: 'dead-letter', reason: l.reason })),
        ...p.quarantined.map((q): Rejection => ({ topic, kind: 'quarantine', reason: q.violation.rule })),
      ];
    });
    emitRejectionMetrics(m, rejections);
    m.addMetric(
      'Quarantined',
      MetricUnit.Count,
      Object.values(stats.quarantined).reduce((a, b) => a + b, 0),
    );
    m.addMetric('RecordsReceived', MetricUnit.Count, stats.received);
    m.addMetric('EventsWritten', MetricUnit.Count, stats.written);
    m.addMetric('DuplicatesDropped', MetricUnit.Count, stats.duplicatesDropped);
    m.addMetric(
      'DeadLettered',
      MetricUnit.Count,
      Object.values(stats.deadLettered).reduce((a, b) => a + b, 0),
    );
    m.addMetric('LakeObjectsWritten', MetricUnit.Count, stats.objectsWritten);
    m.addMetric('FailedPartitions', MetricUnit.Count, stats.failedPartitions.length);
  }
  return { response: { batchItemFailures: failures }, stats };
}

/**
 * The Lambda-shaped sink: Powertools' kafkaConsumer decodes the MSK event (records grouped by
 * `topic-partition`, base64 keys/values, byte-array headers) into flat records, then sinkRecords runs.
 * No value schema is given to kafkaConsumer on purpose: its JSON deserialiser logs and passes through
 * unparseable text, and its parser error does not say which check failed; decodeRecord keeps both precise.
 */
export function createSinkHandler(
  sinkDeps: SinkDeps,
): (event: MSKEvent, context: Context) => Promise<KafkaBatchResponse> {
  // One history per handler, so a warm container reads each series' last bars from the store once.
  const keep = sinkDeps.config.quality.marketBar.volatilityWindowBars + 1;
  const recentBars = sinkDeps.recentBars ?? new CachedRecentBars(keep, sinkDeps.onlineStore);
  const deps: SinkDeps = { ...sinkDeps, recentBars };
  const wrapped = kafkaConsumer<unknown, unknown>(async (event: ConsumerRecords<unknown, unknown>) => {
    const { response, stats } = await sinkRecords(event.records, deps);
    deps.logger.info('batch processed', { ...stats });
    return response;
  });
  return async (event, context) => {
    try {
      return (await wrapped(event, context)) as KafkaBatchResponse;
    } finally {
      deps.metrics?.publishStoredMetrics();
    }
  };
}
