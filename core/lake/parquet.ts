import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { eventSchema, type EventType, type SignalEvent } from '../events/index.js';

/** An event as stored in the lake, with the Kafka coordinates that make exactly-once checks possible. */
export interface LakeRow {
  event: SignalEvent;
  kafkaPartition: number;
  kafkaOffset: number;
}

type ParquetType = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64' | 'BOOLEAN' | 'TIMESTAMP';
type AnyEvent = Record<string, unknown>;

interface Column {
  name: string;
  type: ParquetType;
  get(event: AnyEvent): unknown;
}

const field = (name: string, type: ParquetType): Column => ({ name, type, get: (e) => e[name] ?? null });
const time = (name: string): Column => ({ name, type: 'TIMESTAMP', get: (e) => new Date(e[name] as string) });
const sentimentColumns: Column[] = [
  {
    name: 'sentimentScore',
    type: 'DOUBLE',
    get: (e) => (e.sentiment as { score?: number } | undefined)?.score ?? null,
  },
  {
    name: 'sentimentModel',
    type: 'STRING',
    get: (e) => (e.sentiment as { model?: string } | undefined)?.model ?? null,
  },
];

const ENVELOPE: Column[] = [
  field('eventId', 'STRING'),
  field('type', 'STRING'),
  field('schemaVersion', 'INT32'),
  field('symbol', 'STRING'),
  time('eventTime'),
  time('ingestTime'),
  field('source', 'STRING'),
  field('synthetic', 'BOOLEAN'),
];

/** Typed columns per event type, so Athena/DuckDB/pandas read the lake without a JSON step. */
const COLUMNS_BY_TYPE: Record<EventType, Column[]> = {
  // vwap and trades arrived with market-bar version 2; objects written before lack the columns and read as absent.
  'market-bar': [
    ...ENVELOPE,
    field('timeframe', 'STRING'),
    ...['o', 'h', 'l', 'c', 'v', 'vwap', 'trades'].map((n) => field(n, 'DOUBLE')),
  ],
  news: [
    ...ENVELOPE,
    field('headline', 'STRING'),
    field('summary', 'STRING'),
    field('url', 'STRING'),
    field('publisher', 'STRING'),
    ...sentimentColumns,
  ],
  'social-post': [
    ...ENVELOPE,
    field('platform', 'STRING'),
    field('text', 'STRING'),
    field('author', 'STRING'),
    field('url', 'STRING'),
    field('engagement', 'DOUBLE'),
    ...sentimentColumns,
  ],
  filing: [
    ...ENVELOPE,
    field('formType', 'STRING'),
    field('accessionNumber', 'STRING'),
    field('cik', 'STRING'),
    field('companyName', 'STRING'),
    field('title', 'STRING'),
    field('url', 'STRING'),
  ],
};

/**
 * Columns whose min/max statistics readers use to skip files and row groups (time ranges, a symbol, an
 * offset range). Statistics on the prose and price columns would cost the sink about a fifth of its
 * encoding time for bounds no query prunes on.
 */
const STATISTICS_COLUMNS = new Set(['eventTime', 'ingestTime', 'symbol', 'kafkaPartition', 'kafkaOffset']);

/** Rows per row group at most; a symbol with more rows spans several groups. */
const MAX_ROW_GROUP = 100_000;

/** Lake order: symbol, then event time, then Kafka position, so each symbol is one contiguous run. */
function compareLakeRows(a: LakeRow, b: LakeRow): number {
  const s = a.event.symbol < b.event.symbol ? -1 : a.event.symbol > b.event.symbol ? 1 : 0;
  if (s !== 0) return s;
  const t = a.event.eventTime < b.event.eventTime ? -1 : a.event.eventTime > b.event.eventTime ? 1 : 0;
  return t !== 0 ? t : a.kafkaPartition - b.kafkaPartition || a.kafkaOffset - b.kafkaOffset;
}

/** Row-group sizes that start a new group at each symbol, so a group's symbol min = max and readers skip the others. */
function rowGroupsBySymbol(sorted: readonly LakeRow[]): number[] {
  const sizes: number[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i]!.event.symbol === sorted[start]!.event.symbol) continue;
    for (let left = i - start; left > 0; left -= MAX_ROW_GROUP) sizes.push(Math.min(left, MAX_ROW_GROUP));
    start = i;
  }
  return sizes;
}

/**
 * Encode rows of ONE event type (one topic) as a Parquet file, sorted by symbol and event time with one
 * row group (or more, past MAX_ROW_GROUP rows) per symbol.
 */
export function encodeLakeFile(unsorted: readonly LakeRow[]): Uint8Array {
  if (unsorted.length === 0) throw new Error('encodeLakeFile: no rows');
  const type = unsorted[0]!.event.type;
  const columns = COLUMNS_BY_TYPE[type];
  const rows = [...unsorted].sort(compareLakeRows);
  const events = rows.map((r) => {
    if (r.event.type !== type) throw new Error(`encodeLakeFile: mixed event types ${type} and ${r.event.type}`);
    return r.event as unknown as AnyEvent;
  });
  const columnData = [
    ...columns.map((c) => ({ name: c.name, type: c.type, data: events.map((e) => c.get(e)) })),
    { name: 'kafkaPartition', type: 'INT32' as const, data: rows.map((r) => r.kafkaPartition) },
    { name: 'kafkaOffset', type: 'INT64' as const, data: rows.map((r) => BigInt(r.kafkaOffset)) },
  ];
  const buffer = parquetWriteBuffer({
    columnData: columnData.map((c) => ({ ...c, statistics: STATISTICS_COLUMNS.has(c.name) })),
    kvMetadata: [{ key: 'signalforge.eventType', value: type }],
    rowGroupSize: rowGroupsBySymbol(rows),
  });
  return new Uint8Array(buffer);
}

/** Narrows a lake read: `symbol` skips other symbols' row groups by their statistics. */
export interface LakeRowFilter {
  symbol?: string;
}

function rowToEvent(raw: Record<string, unknown>): unknown {
  const event: Record<string, unknown> = {};
  let sentimentScore: unknown = null;
  let sentimentModel: unknown = null;
  for (const [name, value] of Object.entries(raw)) {
    if (value === null || value === undefined || name === 'kafkaPartition' || name === 'kafkaOffset') continue;
    if (name === 'sentimentScore') sentimentScore = value;
    else if (name === 'sentimentModel') sentimentModel = value;
    else if (value instanceof Date) event[name] = value.toISOString();
    else if (typeof value === 'bigint') event[name] = Number(value);
    else event[name] = value;
  }
  if (sentimentScore !== null && sentimentModel !== null)
    event.sentiment = { score: sentimentScore, model: sentimentModel };
  return event;
}

/**
 * Decode and validate a lake object; throws if any row fails the event schema (the lake holds only valid events).
 * Rows of an older schema version are upcast into the current shape (core/events/upcast.ts).
 */
export async function readLakeRows(bytes: Uint8Array | ArrayBuffer, filter: LakeRowFilter = {}): Promise<LakeRow[]> {
  const file =
    bytes instanceof Uint8Array ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : bytes;
  const raw = (await parquetReadObjects({
    file: file as ArrayBuffer,
    ...(filter.symbol !== undefined ? { filter: { symbol: { $eq: filter.symbol } } } : {}),
  })) as Record<string, unknown>[];
  return raw.map((r, i) => {
    const parsed = eventSchema.safeParse(rowToEvent(r));
    if (!parsed.success)
      throw new Error(
        `lake row ${i} is not a valid event: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      );
    return { event: parsed.data, kafkaPartition: Number(r.kafkaPartition), kafkaOffset: Number(r.kafkaOffset) };
  });
}

/** The events of one lake object, validated against core/events. */
export async function readLakeObject(
  bytes: Uint8Array | ArrayBuffer,
  filter: LakeRowFilter = {},
): Promise<SignalEvent[]> {
  return (await readLakeRows(bytes, filter)).map((r) => r.event);
}
