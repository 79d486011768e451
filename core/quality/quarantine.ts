import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { getObjectBytes, listKeys, parseQuarantineKey } from '../lake/index.js';
import { PLAUSIBILITY_RULES, type Violation } from './rules.js';

/** The Kafka record as the sink received it; the same fields a dead letter keeps. */
export interface QuarantinedRecordSource {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: string;
  originalKey?: string | null;
  originalValue?: string | null;
  originalHeaders?: unknown;
}

/**
 * A rejected record's Kafka coordinates and its bytes exactly as Kafka delivered them (base64): what dead letters
 * and quarantine entries keep, so the record can be inspected or replayed.
 */
export function originalRecord(record: QuarantinedRecordSource) {
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType ?? null,
    keyBase64: record.originalKey ?? null,
    valueBase64: record.originalValue ?? null,
    headers: record.originalHeaders ?? null,
  };
}

/** A quarantine object: the rule, its sentence and values, and the original bytes for release. */
export const quarantineEntrySchema = z.object({
  rule: z.enum(PLAUSIBILITY_RULES),
  detail: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  eventId: z.string(),
  eventType: z.string(),
  symbol: z.string(),
  topic: z.string(),
  /** The physical Kafka topic the record came from. */
  kafkaTopic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  timestamp: z.number(),
  timestampType: z.string().nullable(),
  keyBase64: z.string().nullable(),
  valueBase64: z.string(),
  headers: z.unknown(),
  quarantinedAt: z.string(),
});
export type QuarantineEntry = z.infer<typeof quarantineEntrySchema>;

export function quarantineEntry(
  record: QuarantinedRecordSource,
  logical: { topic: string; eventId: string; eventType: string; symbol: string },
  violation: Violation,
  at: Date = new Date(),
): QuarantineEntry {
  return {
    rule: violation.rule,
    detail: violation.detail,
    values: violation.values,
    ...logical,
    kafkaTopic: record.topic,
    ...originalRecord(record),
    // A quarantined record parsed, so it had a value.
    valueBase64: record.originalValue ?? '',
    quarantinedAt: at.toISOString(),
  };
}

export interface QuarantineListing {
  key: string;
  topic: string;
  date: string;
  partition: number;
  offset: number;
}

/** Quarantine objects (not the audit trail), optionally of one topic. */
export async function listQuarantine(
  s3: S3Client,
  bucket: string,
  prefix: string,
  topic?: string,
): Promise<QuarantineListing[]> {
  const keys = await listKeys(s3, bucket, `${prefix}/${topic ? `topic=${topic}/` : ''}`);
  return keys.flatMap(({ key }) => {
    const loc = key.includes('/_audit/') ? undefined : parseQuarantineKey(key);
    return loc ? [{ key, ...loc }] : [];
  });
}

export async function readQuarantineEntry(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<QuarantineEntry | undefined> {
  const bytes = await getObjectBytes(s3, bucket, key);
  if (!bytes) return undefined;
  return quarantineEntrySchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
}
