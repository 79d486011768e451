import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import { marketBarEvent, type MarketBarEvent } from '../../../core/events/index.js';
import { OnlineBarStore, onlineStoreTableDefinition } from '../../../core/online/index.js';
import { OnlineWindowCache } from '../../../lambdas/serving/inference/online-window.js';
import { loadSp500Daily } from '../../../local/replay/vega.js';

// The warm window cache with read-ahead against the real store on moto: the staleness bound it documents
// (a bar landed more than two TTLs before a request is in the answer) holds whatever the store's latency,
// since a request whose entry is older waits for a read that started after that bar landed.
const DEPTH = 20;
const TTL_MS = 250;
const config = loadConfig({ env: {}, overrides: { inference: { minBars: DEPTH } } });
const daily = loadSp500Daily().slice(0, DEPTH + 5);

function bar(i: number): MarketBarEvent {
  const d = daily[i]!;
  return marketBarEvent({
    source: 'vega-datasets',
    synthetic: false,
    symbol: 'SPX',
    timeframe: '1d',
    eventTime: `${d.date}T00:00:00.000Z`,
    ingestTime: new Date().toISOString(),
    o: d.o,
    h: d.h,
    l: d.l,
    c: d.c,
    v: d.v,
  });
}
const barTime = (i: number) => Date.parse(`${daily[i]!.date}T00:00:00.000Z`);

describe('warm window cache on the real store', () => {
  let store: OnlineBarStore;

  beforeAll(async () => {
    const ddb = new DynamoDBClient(awsClientConfig());
    const tableName = `online-fresh-${randomBytes(4).toString('hex')}`;
    await ddb.send(new CreateTableCommand(onlineStoreTableDefinition(tableName)));
    store = new OnlineBarStore({ tableName, config, client: ddb });
    await store.update(Array.from({ length: DEPTH }, (_, i) => bar(i)));
  });

  it('every answer holds each bar landed more than two TTLs before its request, while read-ahead keeps it warm', async () => {
    const cache = new OnlineWindowCache(store, TTL_MS, Date.now, { keepWarmMs: 10_000 });
    const first = await cache.window('SPX', '1d');
    expect(first.map((b) => b.t)).toEqual(Array.from({ length: DEPTH }, (_, i) => barTime(i)));

    const landed: { index: number; at: number }[] = [];
    const answers: { at: number; newest: number; length: number }[] = [];
    let next = DEPTH;
    const until = Date.now() + 8 * TTL_MS;
    while (Date.now() < until || answers.at(-1)!.at <= (landed.at(-1)?.at ?? 0) + 2 * TTL_MS) {
      // A new bar lands every 1.5 TTLs (after its write returns, as the sink's update resolves).
      if (next < daily.length && (landed.length === 0 || Date.now() - landed.at(-1)!.at > 1.5 * TTL_MS)) {
        await store.update([bar(next)]);
        landed.push({ index: next, at: Date.now() });
        next += 1;
      }
      const at = Date.now();
      const window = await cache.window('SPX', '1d');
      answers.push({ at, newest: window.at(-1)!.t, length: window.length });
      await new Promise((r) => setTimeout(r, 10));
    }

    expect(landed.length).toBeGreaterThanOrEqual(3);
    for (const a of answers) {
      expect(a.length).toBe(DEPTH);
      // The newest bar whose landing finished more than two TTLs before the request.
      const due = landed.filter((l) => l.at < a.at - 2 * TTL_MS).at(-1);
      if (due) expect(a.newest).toBeGreaterThanOrEqual(barTime(due.index));
    }
    // And the last bar was seen: the answers after its bound carry it.
    expect(answers.at(-1)!.newest).toBe(barTime(landed.at(-1)!.index));
  });
});
