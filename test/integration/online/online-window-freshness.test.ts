import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig, type Timeframe } from '../../../core/config/index.js';
import type { MarketBarEvent } from '../../../core/events/index.js';
import { OnlineBarStore, onlineStoreTableDefinition } from '../../../core/online/index.js';
import { OnlineWindowCache } from '../../../lambdas/serving/inference/online-window.js';
import { loadSp500Daily } from '../../../local/replay/vega.js';
import { barEvent } from '../../support/bars.js';

// The warm window cache with read-ahead and change tokens against the real store on moto: the staleness bound it
// documents (a bar landed more than two TTLs before a request is in the answer) holds whatever the store's latency,
// since a request whose entry is older waits for a read that started after that bar landed.
const DEPTH = 20;
const TTL_MS = 250;
const config = loadConfig({ env: {}, overrides: { inference: { minBars: DEPTH } } });
const daily = loadSp500Daily().slice(0, DEPTH + 5);

function bar(i: number, ingestTime = new Date().toISOString()): MarketBarEvent {
  return barEvent('SPX', '1d', daily[i]!, { source: 'vega-datasets', synthetic: false, ingestTime });
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

  it('every answer holds each bar landed over 2 TTLs before its request, while read-ahead keeps it warm', async () => {
    // The store, counting its change-token reads and its window Queries.
    const counted = {
      depth: store.depth,
      probes: 0,
      windowReads: 0,
      changeToken: (symbol: string, timeframe: Timeframe) => {
        counted.probes += 1;
        return store.changeToken(symbol, timeframe);
      },
      trailingBars: (symbol: string, timeframe: Timeframe) => {
        counted.windowReads += 1;
        return store.trailingBars(symbol, timeframe);
      },
    };
    const cache = new OnlineWindowCache(counted, TTL_MS, Date.now, { keepWarmMs: 10_000 });
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

    // Nothing lands now: the read-ahead goes on reading the token, and the window at most once more (when the
    // last token was read just before the last bar's write, the Query after it already held the bar).
    const before = { ...counted };
    await new Promise((r) => setTimeout(r, 6 * TTL_MS));
    expect((await cache.window('SPX', '1d')).at(-1)!.t).toBe(barTime(landed.at(-1)!.index));
    expect(counted.probes).toBeGreaterThan(before.probes);
    expect(counted.windowReads - before.windowReads).toBeLessThanOrEqual(1);
  });

  it('the change token moves after an update that wrote bars of the series, and only then', async () => {
    const before = await store.changeToken('SPX', '1d');
    expect(before).toBeDefined();
    // An older copy of a stored bar is refused: nothing written, the token stays.
    const stale = await store.update([bar(DEPTH - 1, '2000-01-01T00:00:00.000Z')]);
    expect(stale.written).toBe(0);
    expect(await store.changeToken('SPX', '1d')).toBe(before);
    // Another series' bar leaves this series' token alone.
    await store.update([{ ...bar(DEPTH - 1), timeframe: '1w' }]);
    expect(await store.changeToken('SPX', '1d')).toBe(before);
    const later = await store.update([bar(DEPTH - 1)]);
    expect(later.written).toBe(1);
    expect(await store.changeToken('SPX', '1d')).not.toBe(before);
  });
});
