import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('warm window cache: read-ahead', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A store whose reads take `delayMs` of (fake) time and return the newest three bars at the read's start. */
  function slowSource(bars: StoredBar[], delayMs: number) {
    const source = {
      depth: 3,
      reads: [] as number[],
      failNext: false,
      async trailingBars() {
        source.reads.push(Date.now());
        const snapshot = bars.slice(-3);
        const fail = source.failNext;
        source.failNext = false;
        await new Promise((r) => setTimeout(r, delayMs));
        if (fail) throw new Error('store down');
        return snapshot;
      },
    };
    return source;
  }

  /** Whether the answer is there without any (fake) time passing, i.e. the request did not wait on a read. */
  async function answeredAtOnce<T>(p: Promise<T>): Promise<boolean> {
    let done = false;
    void p.then(() => (done = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    return done;
  }

  /** On fake time from 0: a 1 s TTL cache over bars 1..3 (a test may push more) read with `delayMs` latency. */
  function threeBarCache(delayMs: number, options: { keepWarmMs: number; random: () => number }) {
    vi.useFakeTimers({ now: 0 });
    const bars = [bar(1), bar(2), bar(3)];
    const source = slowSource(bars, delayMs);
    return { bars, source, cache: new OnlineWindowCache(source, 1000, () => Date.now(), options) };
  }

  it('keeps a hot series fresh so no request waits, sees a new bar within 2 TTLs, and stops when unused', async () => {
    const { bars, source, cache } = threeBarCache(300, { keepWarmMs: 5000, random: () => 0.5 });
    const first = cache.window('SPX', '1h');
    expect(await answeredAtOnce(first)).toBe(false); // a cold series waits for its first read
    await vi.advanceTimersByTimeAsync(300);
    expect((await first).at(-1)!.t).toBe(3);

    const landedAt = 1000;
    let waited = 0;
    let firstSeen = Infinity;
    for (let t = 350; t <= 6000; t += 50) {
      await vi.advanceTimersByTimeAsync(t - Date.now());
      if (t === landedAt) bars.push(bar(4));
      const answer = cache.window('SPX', '1h');
      if (!(await answeredAtOnce(answer))) waited += 1;
      const newest = (await answer).at(-1)!.t;
      if (newest === 4) firstSeen = Math.min(firstSeen, t);
      // The staleness bound: a bar landed more than two TTLs before a request is in its answer.
      if (t > landedAt + 2000) expect(newest).toBe(4);
    }
    expect(waited).toBe(0);
    // Read-ahead at 0.7 TTL after each read started: reads at 0, 700, 1400 (the first after the bar landed).
    expect(firstSeen).toBe(1700);
    expect(source.reads.slice(0, 4)).toEqual([0, 700, 1400, 2100]);

    // Unused for longer than keepWarmMs: the reads stop, and the next request waits for a fresh one.
    await vi.advanceTimersByTimeAsync(5000 + 2000);
    const readsWhenIdle = source.reads.length;
    expect(source.reads.at(-1)!).toBeLessThanOrEqual(6000 + 5000 + 700);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(source.reads.length).toBe(readsWhenIdle);
    bars.push(bar(5));
    const later = cache.window('SPX', '1h');
    expect(await answeredAtOnce(later)).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect((await later).at(-1)!.t).toBe(5);
  });

  it('draws each series its own refresh point, so series read together do not refresh together', async () => {
    const draws = [0, 0.99];
    const { source, cache } = threeBarCache(10, { keepWarmMs: 60_000, random: () => draws.shift() ?? 0.5 });
    const both = Promise.all([cache.window('SPX', '1h'), cache.window('NDX', '1h')]);
    await vi.advanceTimersByTimeAsync(10);
    await both;
    await vi.advanceTimersByTimeAsync(1000 - Date.now());
    // 0.5 TTL and 0.896 TTL after the reads started at 0.
    expect(source.reads).toEqual([0, 0, 500, 896]);
  });

  it('a failed read-ahead keeps the entry, which answers until two TTLs, and tries again', async () => {
    const { bars, source, cache } = threeBarCache(10, { keepWarmMs: 60_000, random: () => 0 });
    const first = cache.window('SPX', '1h');
    await vi.advanceTimersByTimeAsync(10);
    await first;
    source.failNext = true;
    bars.push(bar(4));
    await vi.advanceTimersByTimeAsync(600); // the read-ahead at 500 fails at 510
    expect(source.reads).toEqual([0, 500]);
    expect((await cache.window('SPX', '1h')).at(-1)!.t).toBe(3);
    // Retried 0.5 TTL after the failure at 510, not at once.
    await vi.advanceTimersByTimeAsync(1100 - Date.now());
    expect(source.reads).toEqual([0, 500, 1010]);
    expect((await cache.window('SPX', '1h')).at(-1)!.t).toBe(4);
  });

  it('with change tokens, a refresh rereads the window only when the token moved', async () => {
    vi.useFakeTimers({ now: 0 });
    const bars = [bar(1), bar(2), bar(3)];
    const source = {
      ...slowSource(bars, 10),
      token: 'a' as string | undefined,
      probes: 0,
      async changeToken() {
        source.probes += 1;
        return source.token;
      },
    };
    const cache = new OnlineWindowCache(source, 1000, () => Date.now(), { keepWarmMs: 60_000, random: () => 0.5 });
    const first = cache.window('SPX', '1h');
    await vi.advanceTimersByTimeAsync(10);
    await first;
    expect([source.probes, source.reads.length]).toEqual([1, 1]);
    // Unchanged token: four read-aheads (at 700, 1400, 2100, 2800), no window Query.
    await vi.advanceTimersByTimeAsync(3000 - Date.now());
    expect([source.probes, source.reads.length]).toEqual([5, 1]);
    expect((await cache.window('SPX', '1h')).at(-1)!.t).toBe(3);
    // A new bar and a new token: the next refresh (3500) reads the window.
    bars.push(bar(4));
    source.token = 'b';
    await vi.advanceTimersByTimeAsync(3600 - Date.now());
    expect([source.probes, source.reads.length]).toEqual([6, 2]);
    expect((await cache.window('SPX', '1h')).at(-1)!.t).toBe(4);
    // No token (a store no update has written one to): every refresh reads the window.
    source.token = undefined;
    await vi.advanceTimersByTimeAsync(5000 - Date.now());
    expect([source.probes, source.reads.length]).toEqual([8, 4]);
  });
});
