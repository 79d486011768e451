import type { S3Client } from '@aws-sdk/client-s3';
import { listLakeObjects, readLakeObjectRows } from './store.js';

export interface LakeAudit {
  objects: number;
  rows: number;
  /** Occurrences per eventId across every lake object (raw, no de-duplication). */
  countsByEventId: Map<string, number>;
  duplicateEventIds: string[];
  /** Kafka (topic, partition, offset) that appear in more than one row. */
  duplicateOffsets: string[];
}

/** Reads the whole lake (or one topic) raw and counts copies: the exactly-once proof for tests, sandbox and bench. */
export async function auditLake(s3: S3Client, bucket: string, lakePrefix: string, topic?: string): Promise<LakeAudit> {
  const objects = await listLakeObjects(s3, bucket, lakePrefix, { topic });
  const rows = await readLakeObjectRows(
    s3,
    bucket,
    objects.map((o) => o.key),
    16,
  );
  const countsByEventId = new Map<string, number>();
  const offsets = new Map<string, number>();
  for (const row of rows) {
    countsByEventId.set(row.event.eventId, (countsByEventId.get(row.event.eventId) ?? 0) + 1);
    const at = `${row.event.type}/${row.kafkaPartition}/${row.kafkaOffset}`;
    offsets.set(at, (offsets.get(at) ?? 0) + 1);
  }
  return {
    objects: objects.length,
    rows: rows.length,
    countsByEventId,
    duplicateEventIds: [...countsByEventId].filter(([, n]) => n > 1).map(([id]) => id),
    duplicateOffsets: [...offsets].filter(([, n]) => n > 1).map(([at]) => at),
  };
}
