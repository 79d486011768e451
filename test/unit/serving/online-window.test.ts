import { describe, expect, it } from 'vitest';
import type { StoredBar } from '../../../core/online/index.js';
import { OnlineWindowCache } from '../../../lambdas/serving/inference/online-window.js';

function countingSource(bars: StoredBar[]) {
  const source = {
    depth: 3,
    reads: 0,
    async trailingBars() {
      source.reads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return bars.slice(-3);
    },
  };
  return source;
}

const bar = (t: number): StoredBar => ({ t, o: 1, h: 1, l: 1, c: 1, v: 1 });

describe('warm window cache', () => {
  it('a hot series costs one store read per TTL, concurrent misses included; a new bar shows after the TTL', async () => {
    let now = 0;
    const bars = [bar(1), bar(2), bar(3)];
    const source = countingSource(bars);
    const cache = new OnlineWindowCache(source, 1000, () => now);
    const first = await Promise.all(Array.from({ length: 50 }, () => cache.window('SPX', '1d')));
    expect(source.reads).toBe(1);
    expect(first.every((w) => w.at(-1)!.t === 3)).toBe(true);
    bars.push(bar(4));
    now = 999;
    expect((await cache.window('SPX', '1d')).at(-1)!.t).toBe(3);
    expect(source.reads).toBe(1);
    // Past the TTL the cached window still answers while one background read refreshes it.
    now = 1000;
    const during = await Promise.all(Array.from({ length: 20 }, () => cache.window('SPX', '1d')));
    expect(during.every((w) => w.at(-1)!.t === 3)).toBe(true);
    expect(source.reads).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect((await cache.window('SPX', '1d')).at(-1)!.t).toBe(4);
    expect(source.reads).toBe(2);
    // Older than two TTLs, the request waits for a fresh read.
    bars.push(bar(5));
    now = 5000;
    expect((await cache.window('SPX', '1d')).at(-1)!.t).toBe(5);
    expect(source.reads).toBe(3);
    // Series are cached apart.
    await cache.window('SPX', '1w');
    expect(source.reads).toBe(4);
  });

  it('a failed read is not cached', async () => {
    let fail = true;
    const cache = new OnlineWindowCache(
      {
        depth: 1,
        trailingBars: async () => {
          if (fail) throw new Error('store down');
          return [bar(1)];
        },
      },
      1000,
      () => 0,
    );
    await expect(cache.window('SPX', '1d')).rejects.toThrow('store down');
    fail = false;
    expect(await cache.window('SPX', '1d')).toEqual([bar(1)]);
  });
});
