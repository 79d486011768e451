import { describe, expect, it } from 'vitest';
import { StatePathBuilder } from '../../../local/sandbox/state-path.js';
import { runRetrainLocally, type RetrainStateEvent } from '../../../local/stepfunctions/index.js';
import { retrainWorldPerTest, type RetrainWorld } from './support/retrain-world.js';

const worlds = retrainWorldPerTest();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('aborting a local retrain execution', () => {
  it('aborted mid-Wait: ends ABORTED without waiting the Wait out, and launches nothing more', async () => {
    const world = await worlds.create({ behaviour: () => 'hang' });
    const controller = new AbortController();
    const waiting = new Set<number>();
    const seen: RetrainStateEvent[] = [];
    const pollMs = 10 * 60_000;
    const started = Date.now();
    let abortedAt = 0;
    const result = await runRetrainLocally({
      config: world.config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'abort test' },
      pollMs,
      retryMs: 5,
      signal: controller.signal,
      onState: (event) => {
        seen.push(event);
        if (event.kind === 'entered' && event.state === 'WaitForTrainer') waiting.add(event.mapIndex ?? -1);
        // Both shards sit in their 10-minute Wait: abort.
        if (waiting.size === 2 && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    expect(result.status).toBe('ABORTED');
    expect(abortedAt).toBeGreaterThan(0);
    // Nowhere near the Wait's 10 minutes (the Wait ended on the abort, not on its timer).
    expect(Date.now() - started).toBeLessThan(pollMs / 4);
    expect(world.fake!.launches).toHaveLength(2);
    expect(result.path).not.toContain('CheckTrainer');
    expect(result.path.filter((s) => s === 'WaitForTrainer')).toHaveLength(2);
    // Nothing runs after the abort: no more launches, no more state events.
    const eventsAtEnd = result.events.length;
    await sleep(500);
    expect(world.fake!.launches).toHaveLength(2);
    expect(result.events).toHaveLength(eventsAtEnd);
    expect(seen.filter((e) => e.at.getTime() > abortedAt + 50 && e.kind === 'entered')).toEqual([]);
    // The report path shows the two Waits that were cut short.
    const builder = new StatePathBuilder();
    for (const e of result.events) builder.add(e);
    const path = builder.path(result.status, 'abort-test');
    expect(
      path.visits
        .filter((v) => v.name === 'WaitForTrainer')
        .map((v) => [v.status, v.detail])
        .sort(),
    ).toEqual([
      ['failed', 'shard 0 · execution aborted while it ran'],
      ['failed', 'shard 1 · execution aborted while it ran'],
    ]);
  });

  it('aborted while a Task runs: resolves once that handler has returned, and starts no further state', async () => {
    const world = await worlds.create();
    const controller = new AbortController();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let snapshotReturned = 0;
    let qualityCalls = 0;
    const snapshot = world.handlers.snapshot;
    world.handlers.snapshot = async (event) => {
      controller.abort();
      setTimeout(release, 300);
      await released;
      const out = await snapshot(event);
      snapshotReturned = Date.now();
      return out;
    };
    const quality = world.handlers.quality;
    world.handlers.quality = async (event) => {
      qualityCalls += 1;
      return quality(event);
    };
    const result = await runRetrainLocally({
      config: world.config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'abort in task' },
      signal: controller.signal,
      retryMs: 5,
    });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('ABORTED');
    expect(snapshotReturned).toBeGreaterThan(0);
    await sleep(200);
    expect(qualityCalls).toBe(0);
    expect(result.path).toEqual(['SnapshotDataset']);
  });

  it('an already aborted signal runs nothing', async () => {
    const world = await worlds.create();
    let calls = 0;
    for (const name of Object.keys(world.handlers) as (keyof RetrainWorld['handlers'])[]) {
      const inner = world.handlers[name];
      world.handlers[name] = async (event) => {
        calls += 1;
        return inner(event);
      };
    }
    const result = await runRetrainLocally({
      config: world.config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'pre-aborted' },
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ status: 'ABORTED', path: [] });
    expect(calls).toBe(0);
  });
});

describe('state events of a local execution', () => {
  it('reports a transient Task failure as failed + retried with times, and the report path shows the retry', async () => {
    const world = await worlds.create();
    const check = world.handlers.check;
    let failedOnce = false;
    world.handlers.check = async (event) => {
      if (!failedOnce) {
        failedOnce = true;
        throw new Error('S3 briefly unavailable');
      }
      return check(event);
    };
    const result = await runRetrainLocally({
      config: world.config,
      handlers: world.handlers,
      input: { trigger: 'manual', reason: 'retry test' },
      pollMs: 30,
      retryMs: 5,
    });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const failed = result.events.find((e) => e.kind === 'failed' && e.state === 'CheckTrainer');
    const retried = result.events.find((e) => e.kind === 'retried' && e.state === 'CheckTrainer');
    expect(failed).toMatchObject({ error: 'Error', cause: 'S3 briefly unavailable' });
    expect(retried).toMatchObject({ attempt: 1, mapIndex: failed!.mapIndex });
    expect(retried!.at.getTime()).toBeGreaterThanOrEqual(failed!.at.getTime());
    const builder = new StatePathBuilder();
    for (const e of result.events) builder.add(e);
    const visits = builder.path(result.status, 'retry-test').visits;
    const retriedVisit = visits.find((v) => v.status === 'retried');
    expect(retriedVisit).toMatchObject({
      name: 'CheckTrainer',
      detail: `shard ${failed!.mapIndex} · Error: S3 briefly unavailable → retry 1`,
    });
    expect(visits.filter((v) => v.status === 'failed' || v.status === 'running')).toEqual([]);
    expect(visits.at(-1)).toMatchObject({ name: 'RetrainSucceeded', status: 'succeeded' });
  });
});
