import type { S3Client } from '@aws-sdk/client-s3';
import { dayObjectKey, utcDate } from './keys.js';
import { encodeLakeFile, type LakeRow } from './parquet.js';
import {
  deleteObjects,
  listLakeObjects,
  mapLimit,
  putObjectBytes,
  readLakeObjectRows,
  type LakeObjectInfo,
} from './store.js';

export interface CompactionOptions {
  lakePrefix: string;
  /** Listed one by one, so the task's role may list only `<lakePrefix>/topic=<topic>/`. */
  topics: readonly string[];
  now: Date;
  /**
   * Hours after a UTC day ends before it counts as closed. A sink retry keeps its records' ingest date, so
   * a late retry can still write into a day after midnight; the grace covers the sink's retry window, and
   * anything later is folded in by the next run (compaction is idempotent).
   */
  graceHours: number;
  /** Topic/days rewritten at once. */
  concurrency?: number;
}

export interface CompactionReport {
  /** The newest ingest date compacted (days before it and it are closed). */
  closedThrough: string;
  days: { topic: string; date: string; sources: number; dayObjects: number; rows: number }[];
  objectsRead: number;
  objectsWritten: number;
  objectsDeleted: number;
  rowsWritten: number;
}

/** The last ingest date that is closed at `now`: the day ended at least `graceHours` ago. */
export function lastClosedDate(now: Date, graceHours: number): string {
  return utcDate(new Date(now.getTime() - graceHours * 3_600_000 - 86_400_000));
}

/**
 * Rewrites every closed topic/day that still has batch (or earlier per-symbol) objects into one object per
 * topic/symbol/day, then deletes those sources. Order makes it safe to interrupt and to read during:
 * day objects are written before any source is deleted, so a reader listing in between sees both copies
 * of a row (readers keep one per Kafka record or event id) and never none; a rerun reads the day objects
 * back with whatever sources are left and writes the same rows again. In a versioned bucket the deletes
 * are delete markers, so a dataset manifest pinned to the source versions still reads the same rows.
 */
export async function compactLake(s3: S3Client, bucket: string, options: CompactionOptions): Promise<CompactionReport> {
  const closedThrough = lastClosedDate(options.now, options.graceHours);
  const objects = (
    await Promise.all(options.topics.map((topic) => listLakeObjects(s3, bucket, options.lakePrefix, { topic })))
  ).flat();
  const byDay = new Map<string, LakeObjectInfo[]>();
  for (const o of objects) {
    if (o.date > closedThrough) continue;
    const id = `${o.topic}/${o.date}`;
    byDay.set(id, [...(byDay.get(id) ?? []), o]);
  }
  const dirty = [...byDay.values()].filter((list) => list.some((o) => o.layout !== 'day'));
  const report: CompactionReport = {
    closedThrough,
    days: [],
    objectsRead: 0,
    objectsWritten: 0,
    objectsDeleted: 0,
    rowsWritten: 0,
  };
  await mapLimit(dirty, options.concurrency ?? 2, async (list) => {
    const { topic, date } = list[0]!;
    const sources = list.filter((o) => o.layout !== 'day');
    const touched = new Set<string>();
    for (const o of sources) if (o.symbol !== null) touched.add(o.symbol);
    const sourceRows = await readLakeObjectRows(
      s3,
      bucket,
      sources.map((o) => o.key),
      4,
    );
    for (const r of sourceRows) touched.add(r.event.symbol);
    // Day objects of the symbols these sources touch are read back and merged, so a late batch joins its day.
    const existing = list.filter((o) => o.layout === 'day' && touched.has(o.symbol!));
    const existingRows = await readLakeObjectRows(
      s3,
      bucket,
      existing.map((o) => o.key),
      4,
    );
    const bySymbol = new Map<string, LakeRow[]>();
    const seen = new Set<string>();
    for (const row of [...existingRows, ...sourceRows]) {
      // One row per Kafka record: a crashed sink attempt and its retry, or a day object and a source it
      // already holds, carry the same (partition, offset) and event; hand-made objects that reuse offsets
      // for other events stay apart.
      const at = `${row.kafkaPartition}/${row.kafkaOffset}/${row.event.eventId}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const rows = bySymbol.get(row.event.symbol) ?? [];
      rows.push(row);
      bySymbol.set(row.event.symbol, rows);
    }
    await mapLimit([...bySymbol], 4, ([symbol, rows]) =>
      putObjectBytes(
        s3,
        bucket,
        dayObjectKey(options.lakePrefix, { topic, symbol, date }),
        encodeLakeFile(rows),
        'application/vnd.apache.parquet',
      ),
    );
    await deleteObjects(
      s3,
      bucket,
      sources.map((o) => o.key),
    );
    const rows = [...bySymbol.values()].reduce((a, r) => a + r.length, 0);
    report.days.push({ topic, date, sources: sources.length, dayObjects: bySymbol.size, rows });
    report.objectsRead += sources.length + existing.length;
    report.objectsWritten += bySymbol.size;
    report.objectsDeleted += sources.length;
    report.rowsWritten += rows;
  });
  report.days.sort((a, b) => (a.topic === b.topic ? a.date.localeCompare(b.date) : a.topic.localeCompare(b.topic)));
  return report;
}
