import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../core/artifacts/index.js';
import { assessTrainer } from '../../../lambdas/training/tasks/trainer.js';

const launchedAt = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(launchedAt) + seconds * 1000);
const trainer = { backend: 'ec2', id: 'i-1', instanceType: 'p3.8xlarge', instanceTypeIndex: 0, launchedAt };

function record(status: RunRecord['status'], heartbeatSeconds: number, extra: Partial<RunRecord> = {}): RunRecord {
  return { runId: 'r', status, heartbeatAt: at(heartbeatSeconds).toISOString(), attempt: 1, configsTotal: 4, configsDone: 1, checkpointUri: 's3://a/c', startedAt: launchedAt, results: [], skipped: [], ...extra };
}

function assess(rec: RunRecord | undefined, nowSeconds: number, process: { state: 'running' | 'gone'; reason?: string } = { state: 'running' }) {
  return assessTrainer({ record: rec, process, trainer, firstLaunchedAt: launchedAt, now: at(nowSeconds), heartbeatTimeoutSeconds: 600, maxRunHours: 6, configsTotal: 4 });
}

describe('assessTrainer', () => {
  it('is running while heartbeats are fresh, reporting progress', () => {
    expect(assess(record('running', 100), 400)).toMatchObject({ state: 'running', heartbeatAgeSeconds: 300, configsDone: 1, configsTotal: 4 });
  });

  it('counts a trainer that has not written a record yet from its launch time', () => {
    expect(assess(undefined, 300)).toMatchObject({ state: 'running', detail: 'starting', heartbeatAgeSeconds: null });
    expect(assess(undefined, 601).state).toBe('dead');
  });

  it('declares a trainer dead when its heartbeat is older than the limit, even though the instance runs', () => {
    const status = assess(record('running', 100), 701);
    expect(status.state).toBe('dead');
    expect(status.detail).toBe('no heartbeat for 601s (limit 600s)');
  });

  it('takes the trainer word for success, failure and interruption', () => {
    expect(assess(record('succeeded', 50, { results: [] }), 60, { state: 'gone', reason: 'exited' }).state).toBe('succeeded');
    expect(assess(record('failed', 50, { error: 'OOM' }), 60).detail).toContain('OOM');
    expect(assess(record('interrupted', 50), 60).state).toBe('interrupted');
  });

  it('treats an instance that vanished without a final record as interrupted', () => {
    expect(assess(record('running', 50), 60, { state: 'gone', reason: 'instance terminated (Server.SpotInstanceTermination)' })).toMatchObject({
      state: 'interrupted',
      detail: 'trainer stopped without finishing: instance terminated (Server.SpotInstanceTermination)',
    });
  });

  it('ignores a record left by an earlier attempt (heartbeat before this launch)', () => {
    const stale = record('interrupted', -500);
    expect(assess(stale, 30)).toMatchObject({ state: 'running', detail: 'starting' });
  });

  it('gives up on a shard that exceeded maxRunHours', () => {
    expect(assess(record('running', 6 * 3600), 6 * 3600 + 10).state).toBe('expired');
  });
});
