import type { TopicName } from '../config/index.js';

/**
 * The three object layouts a lake may hold (core/lake/README.md):
 * - `batch`: one Kafka partition's slice of one sink batch, every symbol in it, sorted by symbol and time;
 * - `day`: one topic/symbol/ingest date, written by compaction once the day is closed;
 * - `symbol-slice`: the earlier layout, one symbol's share of a partition's batch (still read, no longer written).
 */
export type LakeLayout = 'batch' | 'day' | 'symbol-slice';

/** Kafka coordinates that name a sink-written object, so a retried batch writes the same key. */
export interface KafkaSlice {
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

export interface LakeObjectLocation {
  layout: LakeLayout;
  topic: string;
  /** The one symbol the object holds; null for a batch object, whose rows span symbols. */
  symbol: string | null;
  /** UTC date (YYYY-MM-DD) of the events' ingest time: see core/lake/README.md. */
  date: string;
  /** Kafka slice of a batch or symbol-slice object; null for a compacted day. */
  partition: number | null;
  firstOffset: number | null;
  lastOffset: number | null;
}

/**
 * `<lakePrefix>/topic=<topic>/date=<YYYY-MM-DD>/part-<partition>-<firstOffset>-<lastOffset>.parquet`: what the sink
 * writes.
 */
export function batchObjectKey(prefix: string, loc: { topic: string; date: string } & KafkaSlice): string {
  return `${prefix}/topic=${loc.topic}/date=${loc.date}/part-${loc.partition}-${loc.firstOffset}-${loc.lastOffset}.parquet`;
}

/**
 * `<lakePrefix>/topic=<topic>/symbol=<SYMBOL>/date=<YYYY-MM-DD>/day.parquet`: what compaction writes for a closed day.
 */
export function dayObjectKey(prefix: string, loc: { topic: string; symbol: string; date: string }): string {
  return `${prefix}/topic=${loc.topic}/symbol=${loc.symbol}/date=${loc.date}/day.parquet`;
}

/**
 * `<lakePrefix>/topic=<topic>/symbol=<SYMBOL>/date=<YYYY-MM-DD>/part-<partition>-<firstOffset>-<lastOffset>.parquet`:
 * the earlier per-symbol layout. Lakes written before the batch layout hold these, and fixtures use them.
 */
export function lakeObjectKey(
  prefix: string,
  loc: { topic: string; symbol: string; date: string } & KafkaSlice,
): string {
  return `${prefix}/topic=${loc.topic}/symbol=${loc.symbol}/date=${loc.date}/part-${loc.partition}-${loc.firstOffset}-${loc.lastOffset}.parquet`;
}

const BATCH_KEY = /(?:^|\/)topic=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/part-(\d+)-(\d+)-(\d+)\.parquet$/;
const SYMBOL_KEY =
  /(?:^|\/)topic=([^/]+)\/symbol=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/(?:day|part-(\d+)-(\d+)-(\d+))\.parquet$/;

export function parseLakeKey(key: string): LakeObjectLocation | undefined {
  const b = BATCH_KEY.exec(key);
  if (b)
    return {
      layout: 'batch',
      topic: b[1]!,
      symbol: null,
      date: b[2]!,
      partition: Number(b[3]),
      firstOffset: Number(b[4]),
      lastOffset: Number(b[5]),
    };
  const s = SYMBOL_KEY.exec(key);
  if (!s) return undefined;
  if (s[4] === undefined)
    return {
      layout: 'day',
      topic: s[1]!,
      symbol: s[2]!,
      date: s[3]!,
      partition: null,
      firstOffset: null,
      lastOffset: null,
    };
  return {
    layout: 'symbol-slice',
    topic: s[1]!,
    symbol: s[2]!,
    date: s[3]!,
    partition: Number(s[4]),
    firstOffset: Number(s[5]),
    lastOffset: Number(s[6]),
  };
}

/** Whether an object at `loc` may hold rows of `symbol` (a batch object may hold any). */
export function mayHoldSymbol(loc: Pick<LakeObjectLocation, 'symbol'>, symbol: string): boolean {
  return loc.symbol === null || loc.symbol === symbol;
}

/** One dead letter per poison record, named by its offset, so a redelivered record overwrites its own letter. */
export function deadLetterKey(
  prefix: string,
  loc: { topic: string; partition: number; offset: number; date: string },
): string {
  return `${prefix}/topic=${loc.topic}/date=${loc.date}/part-${loc.partition}-${loc.offset}.json`;
}

/**
 * One quarantined record per Kafka coordinate, beside the dead letters and named the same way, so a
 * redelivered record overwrites its own entry:
 * `<quarantinePrefix>/topic=<topic>/date=<date>/part-<partition>-<offset>.json`.
 */
export function quarantineKey(
  prefix: string,
  loc: { topic: string; partition: number; offset: number; date: string },
): string {
  return `${prefix}/topic=${loc.topic}/date=${loc.date}/part-${loc.partition}-${loc.offset}.json`;
}

const QUARANTINE_KEY = /(?:^|\/)topic=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/part-(\d+)-(\d+)\.json$/;

export function parseQuarantineKey(
  key: string,
): { topic: string; date: string; partition: number; offset: number } | undefined {
  const m = QUARANTINE_KEY.exec(key);
  return m ? { topic: m[1]!, date: m[2]!, partition: Number(m[3]), offset: Number(m[4]) } : undefined;
}

/** The operator's release/discard decisions, one object each, under the quarantine prefix (see core/lake/README.md). */
export function quarantineAuditKey(
  prefix: string,
  entry: { at: string; action: string; topic: string; partition: number; offset: number },
): string {
  return `${prefix}/_audit/date=${entry.at.slice(0, 10)}/${entry.at}-${entry.action}-${entry.topic}-${entry.partition}-${entry.offset}.json`;
}

/** Where the sink records which lake objects a batch starting at `firstOffset` may have written. */
export function batchLedgerKey(
  prefix: string,
  topic: TopicName | string,
  partition: number,
  firstOffset: number,
): string {
  return `${prefix}/_batches/topic=${topic}/partition=${partition}/${firstOffset}.json`;
}

export function utcDate(iso: string | number | Date): string {
  // Hot path in the sink: a UTC ISO string already starts with its date.
  if (typeof iso === 'string' && iso.endsWith('Z') && iso[10] === 'T') return iso.slice(0, 10);
  return new Date(iso).toISOString().slice(0, 10);
}
