import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../core/artifacts/index.js';
import type { BootstrapStatus } from '../../../lambdas/training/launchers/index.js';
import { assessTrainer } from '../../../lambdas/training/tasks/trainer.js';

const launchedAt = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(launchedAt) + seconds * 1000);
const trainer = { backend: 'ec2', id: 'i-1', instanceType: 'p3.8xlarge', instanceTypeIndex: 0, launchedAt };

function record(status: RunRecord['status'], heartbeatSeconds: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'r',
    status,
    heartbeatAt: at(heartbeatSeconds).toISOString(),
    attempt: 1,
    configsTotal: 4,
    configsDone: 1,
    checkpointUri: 's3://a/c',
    startedAt: launchedAt,
    results: [],
    skipped: [],
    ...extra,
  };
}

function assess(
  rec: RunRecord | undefined,
  nowSeconds: number,
  process: { state: 'running' | 'gone'; reason?: string } = { state: 'running' },
  bootstrap?: BootstrapStatus,
) {
  return assessTrainer({
    record: rec,
    process,
    trainer,
    firstLaunchedAt: launchedAt,
    now: at(nowSeconds),
    heartbeatTimeoutSeconds: 600,
    startupGraceSeconds: 1800,
    maxRunHours: 6,
    configsTotal: 4,
    bootstrap,
  });
}
const boot = (phase: BootstrapStatus['phase'], seconds: number, detail?: string): BootstrapStatus => ({
  phase,
  at: at(seconds).toISOString(),
  instanceId: 'i-1',
  ...(detail ? { detail } : {}),
});

describe('assessTrainer', () => {
  it('is running while heartbeats are fresh, reporting progress', () => {
    expect(assess(record('running', 100), 400)).toMatchObject({
      state: 'running',
      heartbeatAgeSeconds: 300,
      configsDone: 1,
      configsTotal: 4,
    });
  });

  it('gives a cold start its own grace: no record yet is not death at the heartbeat timeout, only after startupGraceSeconds', () => {
    expect(assess(undefined, 300)).toMatchObject({ state: 'running', detail: 'starting', heartbeatAgeSeconds: null });
    // A cold setup (Node, CUDA wheels, libtensorflow) past the 600 s heartbeat timeout, still heartbeating.
    expect(assess(undefined, 1500, undefined, boot('packages', 1450))).toMatchObject({
      state: 'running',
      detail: 'starting: packages',
    });
    expect(assess(undefined, 1801, undefined, boot('packages', 1790))).toMatchObject({
      state: 'dead',
      detail: 'no trainer heartbeat 1801s after launch (startup grace 1800s); setup reached packages',
    });
    expect(assess(undefined, 1801).state).toBe('dead');
  });

  it('declares a setup dead when it reported failure or its setup heartbeat stalled', () => {
    expect(assess(undefined, 200, undefined, boot('failed', 190, 'cuda exit 1'))).toMatchObject({
      state: 'dead',
      detail: 'instance setup failed: cuda exit 1',
    });
    expect(assess(undefined, 900, undefined, boot('cuda', 200))).toMatchObject({
      state: 'dead',
      detail: 'setup stalled in cuda: no setup heartbeat for 700s (limit 600s)',
    });
    // A setup status left by an earlier attempt of the same shard says nothing about this launch.
    expect(assess(undefined, 100, undefined, boot('failed', -300, 'old')).state).toBe('running');
  });

  it('declares a trainer dead when its heartbeat is older than the limit, even though the instance runs', () => {
    const status = assess(record('running', 100), 701);
    expect(status.state).toBe('dead');
    expect(status.detail).toBe('no heartbeat for 601s (limit 600s)');
  });

  it('takes the trainer word for success, failure and interruption', () => {
    expect(assess(record('succeeded', 50, { results: [] }), 60, { state: 'gone', reason: 'exited' }).state).toBe(
      'succeeded',
    );
    expect(assess(record('failed', 50, { error: 'OOM' }), 60).detail).toContain('OOM');
    expect(assess(record('interrupted', 50), 60).state).toBe('interrupted');
  });

  it('treats an instance that vanished without a final record as interrupted', () => {
    expect(
      assess(record('running', 50), 60, {
        state: 'gone',
        reason: 'instance terminated (Server.SpotInstanceTermination)',
      }),
    ).toMatchObject({
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
