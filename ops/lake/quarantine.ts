import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { putObjectBytes, quarantineAuditKey } from '../../core/lake/index.js';
import { readQuarantineEntry, type QuarantineEntry } from '../../core/quality/index.js';
import type { SentimentScorer } from '../../core/sentiment/index.js';
import { createSinkHandler } from '../../lambdas/ingest/sink.js';

export interface QuarantineOps {
  config: SignalForgeConfig;
  s3: S3Client;
  lakeBucket: string;
  /** Where quarantine (and its audit trail) lives: the sink's dead-letter bucket, by default the lake bucket. */
  quarantineBucket: string;
  scorer: SentimentScorer;
  logger: Logger;
}

export interface AuditEntry {
  action: 'release' | 'discard';
  who: string;
  reason: string;
  at: string;
  quarantineKey: string;
  /** The lake objects the released record landed in. */
  landedKeys?: string[];
  /** The whole quarantine entry, original bytes included: a discarded record stays recoverable from its audit. */
  entry: QuarantineEntry;
}

export class QuarantineNotFoundError extends Error {
  constructor(key: string) {
    super(`no quarantined record at ${key} (released or discarded already?)`);
    this.name = 'QuarantineNotFoundError';
  }
}

/**
 * Released records reach the sink under this topic prefix. logicalTopic() reads past it, so the record
 * lands in its own topic's lake partition, at its own Kafka partition and offset; but its batch ledger lives
 * under this prefix, apart from the ledger of the live batch that started at the same offset, which the
 * release must not rewrite (a retry-style ledger merge would delete that batch's other lake objects).
 */
export const RELEASE_TOPIC_PREFIX = 'quarantine-release';

async function writeAudit(ops: QuarantineOps, audit: AuditEntry): Promise<string> {
  const { entry } = audit;
  const key = quarantineAuditKey(ops.config.quality.quarantinePrefix, {
    at: audit.at,
    action: audit.action,
    topic: entry.topic,
    partition: entry.partition,
    offset: entry.offset,
  });
  await putObjectBytes(ops.s3, ops.quarantineBucket, key, JSON.stringify(audit), 'application/json');
  return key;
}

/**
 * Puts a quarantined record's original bytes back through the sink's handler (the deployed code path: MSK
 * event shape, Powertools deserialisation, validation, lake write with its ledger), with the plausibility
 * rules off for it: the operator has judged it. Its lake key is a function of its Kafka coordinates, so a
 * release repeated after a crash overwrites the same object: the record lands exactly once. Then the audit
 * entry is written and the quarantine object deleted.
 */
export async function releaseQuarantined(
  ops: QuarantineOps,
  key: string,
  who: string,
  reason: string,
): Promise<{ audit: AuditEntry; auditKey: string }> {
  return settleQuarantined(ops, key, { action: 'release', who, reason }, (entry) => landReleased(ops, key, entry));
}

/** Sends one quarantined record through the sink handler with the rules off; returns the lake keys it landed in. */
async function landReleased(ops: QuarantineOps, key: string, entry: QuarantineEntry): Promise<string[]> {
  const landedKeys: string[] = [];
  const handler = createSinkHandler({
    config: ops.config,
    s3: ops.s3,
    lakeBucket: ops.lakeBucket,
    deadLetterBucket: ops.quarantineBucket,
    scorer: ops.scorer,
    logger: ops.logger,
    skipPlausibility: true,
    writeConcurrency: 1,
    onLakeWrite: (w) => landedKeys.push(w.key),
  });
  const topic = `${RELEASE_TOPIC_PREFIX}.${entry.kafkaTopic}`;
  const record = {
    topic,
    partition: entry.partition,
    offset: entry.offset,
    timestamp: entry.timestamp,
    timestampType: entry.timestampType ?? 'CREATE_TIME',
    key: entry.keyBase64,
    value: entry.valueBase64,
    headers: Array.isArray(entry.headers) ? entry.headers : [],
  };
  const event = {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:signalforge:quarantine-release',
    bootstrapServers: '',
    records: { [`${topic}-${entry.partition}`]: [record] },
  } as unknown as MSKEvent;
  const response = await handler(event, {} as Context);
  if (response.batchItemFailures.length > 0)
    throw new Error(`release of ${key} failed to write the lake; the record stays in quarantine`);
  if (landedKeys.length === 0)
    throw new Error(
      `release of ${key} did not land (the sink dead-lettered it: see ${ops.config.ingest.deadLetterPrefix}/); the record stays in quarantine`,
    );
  return landedKeys;
}

/** Drops a quarantined record from the quarantine; its audit entry keeps the original bytes. */
export async function discardQuarantined(
  ops: QuarantineOps,
  key: string,
  who: string,
  reason: string,
): Promise<{ audit: AuditEntry; auditKey: string }> {
  return settleQuarantined(ops, key, { action: 'discard', who, reason });
}

/**
 * Settles one quarantined record: reads it, lets `land` put it back (release), writes the audit entry, and only
 * then deletes it from the quarantine, so a crash on the way leaves it quarantined rather than lost.
 */
async function settleQuarantined(
  ops: QuarantineOps,
  key: string,
  decision: Pick<AuditEntry, 'action' | 'who' | 'reason'>,
  land?: (entry: QuarantineEntry) => Promise<string[]>,
): Promise<{ audit: AuditEntry; auditKey: string }> {
  const entry = await readQuarantineEntry(ops.s3, ops.quarantineBucket, key);
  if (!entry) throw new QuarantineNotFoundError(key);
  const landedKeys = land ? await land(entry) : undefined;
  const audit: AuditEntry = {
    ...decision,
    at: new Date().toISOString(),
    quarantineKey: key,
    ...(landedKeys ? { landedKeys } : {}),
    entry,
  };
  const auditKey = await writeAudit(ops, audit);
  await ops.s3.send(new DeleteObjectCommand({ Bucket: ops.quarantineBucket, Key: key }));
  return { audit, auditKey };
}
