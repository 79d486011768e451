import type { TopicName } from '../config/index.js';

export interface LakeObjectLocation {
  topic: string;
  symbol: string;
  /** UTC date (YYYY-MM-DD) of the events' ingest time: see docs in core/lake/README.md. */
  date: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

/**
 * `<lakePrefix>/topic=<topic>/symbol=<SYMBOL>/date=<YYYY-MM-DD>/part-<partition>-<firstOffset>-<lastOffset>.parquet`.
 * A function of the Kafka coordinates only, so a retried batch writes the same keys and overwrites itself.
 */
export function lakeObjectKey(prefix: string, loc: LakeObjectLocation): string {
  return `${prefix}/topic=${loc.topic}/symbol=${loc.symbol}/date=${loc.date}/part-${loc.partition}-${loc.firstOffset}-${loc.lastOffset}.parquet`;
}

const LAKE_KEY = /(?:^|\/)topic=([^/]+)\/symbol=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/part-(\d+)-(\d+)-(\d+)\.parquet$/;

export function parseLakeKey(key: string): LakeObjectLocation | undefined {
  const m = LAKE_KEY.exec(key);
  if (!m) return undefined;
  return { topic: m[1]!, symbol: m[2]!, date: m[3]!, partition: Number(m[4]), firstOffset: Number(m[5]), lastOffset: Number(m[6]) };
}

/** One dead letter per poison record, named by its offset, so a redelivered record overwrites its own letter. */
export function deadLetterKey(prefix: string, loc: { topic: string; partition: number; offset: number; date: string }): string {
  return `${prefix}/topic=${loc.topic}/date=${loc.date}/part-${loc.partition}-${loc.offset}.json`;
}

/**
 * One quarantined record per Kafka coordinate, beside the dead letters and named the same way, so a
 * redelivered record overwrites its own entry: `<quarantinePrefix>/topic=<topic>/date=<date>/part-<partition>-<offset>.json`.
 */
export function quarantineKey(prefix: string, loc: { topic: string; partition: number; offset: number; date: string }): string {
  return `${prefix}/topic=${loc.topic}/date=${loc.date}/part-${loc.partition}-${loc.offset}.json`;
}

const QUARANTINE_KEY = /(?:^|\/)topic=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/part-(\d+)-(\d+)\.json$/;

export function parseQuarantineKey(key: string): { topic: string; date: string; partition: number; offset: number } | undefined {
  const m = QUARANTINE_KEY.exec(key);
  return m ? { topic: m[1]!, date: m[2]!, partition: Number(m[3]), offset: Number(m[4]) } : undefined;
}

/** The operator's release/discard decisions, one object each, under the quarantine prefix (see core/lake/README.md). */
export function quarantineAuditKey(prefix: string, entry: { at: string; action: string; topic: string; partition: number; offset: number }): string {
  return `${prefix}/_audit/date=${entry.at.slice(0, 10)}/${entry.at}-${entry.action}-${entry.topic}-${entry.partition}-${entry.offset}.json`;
}

/** Where the sink records which lake objects a batch starting at `firstOffset` may have written. */
export function batchLedgerKey(prefix: string, topic: TopicName | string, partition: number, firstOffset: number): string {
  return `${prefix}/_batches/topic=${topic}/partition=${partition}/${firstOffset}.json`;
}

export function utcDate(iso: string | number | Date): string {
  // Hot path in the sink: a UTC ISO string already starts with its date.
  if (typeof iso === 'string' && iso.endsWith('Z') && iso[10] === 'T') return iso.slice(0, 10);
  return new Date(iso).toISOString().slice(0, 10);
}
