import { describe, expect, it } from 'vitest';
import { StatePathBuilder } from '../../../local/sandbox/state-path.js';
import type { RetrainStateEvent } from '../../../local/stepfunctions/index.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const iso = (s: number) => t(s).toISOString();

/** A tiny event script: [second, kind, state, type, extra]. */
function events(
  script: [number, RetrainStateEvent['kind'], string, string, Record<string, unknown>?][],
): RetrainStateEvent[] {
  return script.map(
    ([s, kind, state, type, extra]) => ({ kind, state, type, at: t(s), ...extra }) as RetrainStateEvent,
  );
}

function build(list: RetrainStateEvent[]) {
  const builder = new StatePathBuilder();
  for (const e of list) builder.add(e);
  return builder;
}

describe('state path from executor events', () => {
  it("gives each visit its real entry and exit times and folds a shard's clean poll loop into one visit per state", () => {
    const shard0 = { mapIndex: 0 };
    const list = events([
      [0, 'entered', 'SnapshotDataset', 'Task'],
      [2, 'exited', 'SnapshotDataset', 'Task'],
      [2, 'entered', 'TrainShards', 'Map'],
      [3, 'entered', 'LaunchTrainer', 'Task', shard0],
      [4, 'exited', 'LaunchTrainer', 'Task', shard0],
      ...[0, 1, 2].flatMap((i): [number, RetrainStateEvent['kind'], string, string, Record<string, unknown>][] => [
        [5 + i * 3, 'entered', 'WaitForTrainer', 'Wait', shard0],
        [6 + i * 3, 'exited', 'WaitForTrainer', 'Wait', shard0],
        [6 + i * 3, 'entered', 'CheckTrainer', 'Task', shard0],
        [7 + i * 3, 'exited', 'CheckTrainer', 'Task', shard0],
        [7 + i * 3, 'entered', 'TrainerStatus', 'Choice', shard0],
        [7 + i * 3, 'exited', 'TrainerStatus', 'Choice', shard0],
      ]),
      [14, 'entered', 'ShardSucceeded', 'Succeed', shard0],
      [14, 'exited', 'ShardSucceeded', 'Succeed', shard0],
      [15, 'exited', 'TrainShards', 'Map'],
      [15, 'entered', 'EvaluateCandidates', 'Task'],
      [18, 'exited', 'EvaluateCandidates', 'Task'],
    ]);
    const path = build(list).path('SUCCEEDED', 'run-1');
    expect(path.visits.map((v) => v.name)).toEqual([
      'SnapshotDataset',
      'TrainShards',
      'LaunchTrainer',
      'WaitForTrainer',
      'CheckTrainer',
      'TrainerStatus',
      'ShardSucceeded',
      'EvaluateCandidates',
    ]);
    expect(path.visits.every((v) => v.status === 'succeeded')).toBe(true);
    expect(path.visits[0]).toMatchObject({ enteredAt: iso(0), exitedAt: iso(2) });
    const check = path.visits.find((v) => v.name === 'CheckTrainer')!;
    expect(check).toMatchObject({ enteredAt: iso(6), exitedAt: iso(13), detail: 'shard 0 · 3 polls' });
    expect(path.visits.find((v) => v.name === 'LaunchTrainer')!.detail).toBe('shard 0');
    expect(path.visits.find((v) => v.name === 'EvaluateCandidates')!.detail).toBeUndefined();
  });

  it('shows a retried attempt and a caught error as visits of their own, splitting a folded poll loop', () => {
    const s1 = { mapIndex: 1 };
    const list = events([
      [0, 'entered', 'WaitForTrainer', 'Wait', s1],
      [1, 'exited', 'WaitForTrainer', 'Wait', s1],
      [1, 'entered', 'CheckTrainer', 'Task', s1],
      [2, 'exited', 'CheckTrainer', 'Task', s1],
      [2, 'entered', 'WaitForTrainer', 'Wait', s1],
      [3, 'exited', 'WaitForTrainer', 'Wait', s1],
      [3, 'entered', 'CheckTrainer', 'Task', s1],
      [4, 'failed', 'CheckTrainer', 'Task', { ...s1, error: 'Error', cause: 'S3 throttled' }],
      [5, 'retried', 'CheckTrainer', 'Task', { ...s1, attempt: 1 }],
      [6, 'exited', 'CheckTrainer', 'Task', s1],
      [6, 'entered', 'PrepareRelaunch', 'Task', s1],
      [7, 'failed', 'PrepareRelaunch', 'Task', { ...s1, error: 'InvalidShard', cause: 'no manifest' }],
      [7, 'caught', 'PrepareRelaunch', 'Task', { ...s1, next: 'ShardFailed' }],
    ]);
    const visits = build(list).path('SUCCEEDED', 'run-2').visits;
    const checks = visits.filter((v) => v.name === 'CheckTrainer');
    expect(checks.map((v) => [v.status, v.enteredAt, v.exitedAt, v.detail])).toEqual([
      ['succeeded', iso(1), iso(2), 'shard 1'],
      ['retried', iso(3), iso(4), 'shard 1 · Error: S3 throttled → retry 1'],
      ['succeeded', iso(5), iso(6), 'shard 1'],
    ]);
    expect(visits.find((v) => v.name === 'WaitForTrainer')).toMatchObject({
      detail: 'shard 1 · 2 polls',
      exitedAt: iso(3),
    });
    expect(visits.at(-1)).toMatchObject({
      name: 'PrepareRelaunch',
      status: 'caught',
      exitedAt: iso(7),
      detail: 'shard 1 · InvalidShard: no manifest → caught, next ShardFailed',
    });
  });

  it('marks what was running as failed when the execution ended without it, and as running while it runs', () => {
    const list = events([
      [0, 'entered', 'StartCanary', 'Task'],
      [1, 'exited', 'StartCanary', 'Task'],
      [1, 'entered', 'BakeCanary', 'Wait'],
    ]);
    expect(build(list).path('RUNNING', 'run-3').visits.at(-1)).toMatchObject({ name: 'BakeCanary', status: 'running' });
    const aborted = build(list).path('ABORTED', 'run-3', t(9));
    expect(aborted.status).toBe('ABORTED');
    expect(aborted.visits.at(-1)).toMatchObject({
      name: 'BakeCanary',
      status: 'failed',
      exitedAt: iso(9),
      detail: 'execution aborted while it ran',
    });
    const failed = build([
      ...list,
      ...events([[2, 'failed', 'BakeCanary', 'Wait', { error: 'States.Runtime', cause: 'bad path' }]]),
    ]).path('FAILED', 'run-3', t(3));
    expect(failed.visits.at(-1)).toMatchObject({
      status: 'failed',
      exitedAt: iso(2),
      detail: 'States.Runtime: bad path',
    });
  });
});
