import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../core/artifacts/index.js';
import { loadConfig } from '../../../core/config/index.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { finishRunRecord, openRunRecord, pendingKeys } from '../../../gpu-trainer/run-record.js';
import { planRun, replicasPerConfig } from '../../../gpu-trainer/run.js';
import { watchForStop } from '../../../gpu-trainer/stop-control.js';

const lineage = { codeVersion: 'test', configHash: 'h' };

const quietLog = () => {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    log: createLog({ runId: 't', tty: false, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
  };
};

describe('runTraining stages', () => {
  it('planRun settles workers into groups and options over the config defaults', () => {
    const cfg = loadConfig();
    const plan = planRun({
      data: 'synthetic:10',
      out: '/tmp/x',
      config: cfg,
      workers: 4,
      dataParallel: 2,
      configs: ['AAPL#1h'],
      models: ['gru', 'dense'],
      windowSize: 9,
    });
    expect(replicasPerConfig(plan, ['AAPL#1h']).get('AAPL#1h')).toBe(2);
    expect(plan.keys).toEqual(['AAPL#1h']);
    // Explicit models: one sampled trial per kind, with the pinned window on every trial.
    const sampled = plan.searchFor('AAPL#1h').sampled;
    expect(sampled.map((t) => t.model)).toEqual(['gru', 'dense']);
    expect(sampled.every((t) => t.windowSize === 9)).toBe(true);
    // dp size never exceeds the workers; without an option the config's setting holds
    expect(
      replicasPerConfig(planRun({ data: 'synthetic:10', out: '/tmp/x', config: cfg, workers: 1, dataParallel: 4 }), [
        'A#1h',
      ]).get('A#1h'),
    ).toBe(1);
    expect(planRun({ data: 'synthetic:10', out: '/tmp/x', config: cfg }).dataParallel).toBe(cfg.training.dataParallel);
  });

  it('a resumed record keeps the earlier attempt, and only the keys it has not finished are pending', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-stages-'));
    const store = openStore(dir);
    const first = await openRunRecord(store, 'r1', 3, false, lineage);
    first.record.skipped.push({ key: 'B#1h', reason: 'no bars' });
    await finishRunRecord(first, undefined, 'SIGTERM');
    expect(first.record.status).toBe('interrupted');
    expect(first.record.finishedAt).toBeUndefined();

    const second = await openRunRecord(store, 'r1', 3, true, lineage);
    expect(second.record.attempt).toBe(2);
    expect(second.record.skipped).toEqual([{ key: 'B#1h', reason: 'no bars' }]);
    // Finished results count as done too (pendingKeys reads only the keys).
    const withResult = { ...second.record, results: [{ key: 'A#1h' }] } as unknown as typeof second.record;
    expect(pendingKeys(withResult, ['A#1h', 'B#1h', 'C#1h'])).toEqual(['C#1h']);
    await finishRunRecord(second, new Error('boom'), undefined);
    const saved = JSON.parse(await readFile(join(dir, 'runs', 'r1', 'run.json'), 'utf8'));
    expect(saved.status).toBe('failed');
    expect(saved.error).toContain('boom');
  });

  it('watchForStop keeps the first reason and lets go of its signal handlers', () => {
    const { log, lines } = quietLog();
    const abort = new AbortController();
    const before = process.listenerCount('SIGTERM');
    const stop = watchForStop({ handleSignals: true, signal: abort.signal }, log);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(stop.reason()).toBeUndefined();
    abort.abort();
    stop.request('later');
    expect(stop.reason()).toBe('aborted');
    expect(lines.filter((l) => l.message === 'stop requested; checkpointing')).toHaveLength(1);
    stop.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
