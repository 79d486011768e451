import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { awsClient } from '../aws/clients.js';
import { TIMEFRAME_MS, type SignalForgeConfig, type Timeframe } from '../config/index.js';
import type { MarketBarEvent, SignalEvent } from '../events/index.js';
import { isNewerCopy, mapLimit } from '../lake/index.js';
import { ONLINE_STORE_KEYS, seriesHeadKey, seriesKey } from './table.js';

/** One stored bar, in the API's bar shape (t = open time, epoch ms). */
export interface StoredBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface OnlineUpdateStats {
  /** Market bars offered by the batch (other event types are ignored). */
  offered: number;
  /** Conditional puts sent (bars that can be in a series' window). */
  written: number;
  /** Bars older than the window they would have to enter, so never written. */
  belowWindow: number;
  /** Puts refused because the store already holds a later (or the same) copy of that bar. */
  supersededCopies: number;
}

export interface OnlineBarStoreOptions {
  tableName: string;
  config: Pick<SignalForgeConfig, 'inference' | 'online'>;
  client?: DynamoDBClient;
  /** Puts in flight per update. */
  writeConcurrency?: number;
}

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = ONLINE_STORE_KEYS;

interface Candidate {
  event: MarketBarEvent;
  t: number;
  ingestMs: number;
}

/**
 * The online store: one DynamoDB item per bar (pk = SYMBOL#timeframe, sort key = bar time). That layout
 * makes the update idempotent and order-independent by construction: a duplicate is the same put, a late
 * bar lands in its own place, and the window is whatever the newest `depth` items are, so a replay can
 * never move it backwards. The only condition is on copies of the same bar (see isNewerCopy).
 */
export class OnlineBarStore {
  /** Bars kept per series: `inference.minBars` = historyBars + windowSize - 1 of the default model. */
  readonly depth: number;
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly config: OnlineBarStoreOptions['config'];
  private readonly writeConcurrency: number;

  constructor(options: OnlineBarStoreOptions) {
    this.tableName = options.tableName;
    this.config = options.config;
    this.depth = options.config.inference.minBars;
    this.writeConcurrency = options.writeConcurrency ?? 16;
    this.doc = DynamoDBDocumentClient.from(options.client ?? awsClient(DynamoDBClient));
  }

  /**
   * Applies events that have landed in the lake; market bars are kept, other types ignored. Only bars that can still be
   * among a series' newest `depth`
   * are written: the depth-th newest stored time only ever rises, so a bar below it can never enter the
   * window, and a historical replay costs `depth` puts per series instead of one per bar.
   */
  async update(landed: readonly SignalEvent[]): Promise<OnlineUpdateStats> {
    const events = landed.filter((e): e is MarketBarEvent => e.type === 'market-bar');
    const stats: OnlineUpdateStats = { offered: events.length, written: 0, belowWindow: 0, supersededCopies: 0 };
    const bySeries = new Map<string, Map<number, Candidate>>();
    for (const event of events) {
      const key = seriesKey(event.symbol, event.timeframe);
      let series = bySeries.get(key);
      if (!series) {
        series = new Map();
        bySeries.set(key, series);
      }
      const candidate = { event, t: Date.parse(event.eventTime), ingestMs: Date.parse(event.ingestTime) };
      const seen = series.get(candidate.t);
      if (
        !seen ||
        isNewerCopy(
          { ingestMs: candidate.ingestMs, eventId: event.eventId },
          { ingestMs: seen.ingestMs, eventId: seen.event.eventId },
        )
      )
        series.set(candidate.t, candidate);
    }

    const puts: Candidate[] = [];
    await mapLimit([...bySeries], 8, async ([key, series]) => {
      const newestFirst = [...series.values()].sort((a, b) => b.t - a.t);
      const stored = await this.query(key, this.depth, [SK]);
      const storedFloor = stored.length >= this.depth ? Number(stored[stored.length - 1]![SK]) : -Infinity;
      const batchFloor = newestFirst.length >= this.depth ? newestFirst[this.depth - 1]!.t : -Infinity;
      const floor = Math.max(storedFloor, batchFloor);
      for (const c of newestFirst) {
        if (c.t >= floor) puts.push(c);
        else stats.belowWindow += 1;
      }
    });

    const changed = new Map<string, MarketBarEvent>();
    await mapLimit(puts, this.writeConcurrency, async (c) => {
      try {
        await this.doc.send(new PutCommand(this.putInput(c)));
        stats.written += 1;
        changed.set(seriesKey(c.event.symbol, c.event.timeframe), c.event);
      } catch (err) {
        if (
          err instanceof ConditionalCheckFailedException ||
          (err as { name?: string }).name === 'ConditionalCheckFailedException'
        )
          stats.supersededCopies += 1;
        else throw err;
      }
    });
    // After the bars, never before: a reader that sees the new token reads a window that holds them.
    await mapLimit([...changed.values()], this.writeConcurrency, async (e) => {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [PK]: seriesHeadKey(e.symbol, e.timeframe), [SK]: 0, token: randomUUID() },
        }),
      );
    });
    return stats;
  }

  /**
   * The series' change token: a new value after every update that wrote bars of it (strongly consistent).
   * Undefined where no update has written one yet.
   */
  async changeToken(symbol: string, timeframe: Timeframe): Promise<string | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: seriesHeadKey(symbol, timeframe), [SK]: 0 },
        ProjectionExpression: '#token',
        ExpressionAttributeNames: { '#token': 'token' },
        ConsistentRead: true,
      }),
    );
    return res.Item?.token as string | undefined;
  }

  /** The newest `count` bars of a series (at most `depth`), oldest first. Fewer when the store has fewer. */
  async trailingBars(symbol: string, timeframe: Timeframe, count: number = this.depth): Promise<StoredBar[]> {
    // Deeper than `depth` the store may have holes (bars below the window are never written), so never read past it.
    const n = Math.min(count, this.depth);
    const items = await this.query(seriesKey(symbol, timeframe), n, [SK, 'o', 'h', 'l', 'c', 'v']);
    const bars = items.map((i) => ({
      t: Number(i[SK]),
      o: Number(i.o),
      h: Number(i.h),
      l: Number(i.l),
      c: Number(i.c),
      v: Number(i.v),
    }));
    return bars.reverse();
  }

  private putInput(c: Candidate) {
    const e = c.event;
    const tf = e.timeframe as Timeframe;
    const expiresAt =
      Math.ceil((c.t + this.config.online.ttlWindowMultiple * this.depth * TIMEFRAME_MS[tf]) / 1000) +
      this.config.online.staleAfterSeconds[tf];
    return {
      TableName: this.tableName,
      Item: {
        [PK]: seriesKey(e.symbol, tf),
        [SK]: c.t,
        o: e.o,
        h: e.h,
        l: e.l,
        c: e.c,
        v: e.v,
        ingestMs: c.ingestMs,
        eventId: e.eventId,
        [TTL]: expiresAt,
      },
      // Absent, or an older copy of the same bar: a redelivered or replayed bar rewrites itself or is refused.
      ConditionExpression: 'attribute_not_exists(#pk) OR ingestMs < :ingest OR (ingestMs = :ingest AND eventId <= :id)',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':ingest': c.ingestMs, ':id': e.eventId },
    };
  }

  private async query(pk: string, limit: number, attributes: string[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK, ...Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])) },
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
          ScanIndexForward: false,
          Limit: limit - out.length,
          // The window must include every bar whose lake write the sink has acknowledged.
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((res.Items ?? []) as Record<string, unknown>[]));
      start = res.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }
}

/**
 * The trailing `count` bars of a series from the store, oldest first (at most the store's depth). For
 * readers outside serving, e.g. a plausibility rule comparing a new bar with the last landed ones.
 */
export function readTrailingBars(
  store: Pick<OnlineBarStore, 'trailingBars'>,
  symbol: string,
  timeframe: Timeframe,
  count?: number,
): Promise<StoredBar[]> {
  return store.trailingBars(symbol, timeframe, count);
}

/** The store named by ONLINE_STORE_TABLE, or undefined where the deployment has none. */
export function onlineStoreFromEnv(
  config: OnlineBarStoreOptions['config'],
  env: NodeJS.ProcessEnv = process.env,
  client?: DynamoDBClient,
): OnlineBarStore | undefined {
  const tableName = env.ONLINE_STORE_TABLE;
  if (!tableName) return undefined;
  return new OnlineBarStore({ tableName, config, client: client ?? awsClient(DynamoDBClient, env) });
}
