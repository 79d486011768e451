import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../services/paths.js';

/**
 * The sandbox's own folder under `.cache/` (beside the Kafka jars and the moto venv, which are reused
 * across runs): trainer logs, reports, the run history and the registry/artifact snapshot.
 */
export interface SandboxState {
  root: string;
  trainerLogs: string;
  reportsDir(runId: string): string;
  snapshotDir: string;
  recordRun(summary: Record<string, unknown>): void;
}

export function openSandboxState(options: { dir?: string; fresh: boolean; env?: NodeJS.ProcessEnv }): SandboxState {
  const root = options.dir ?? join(cacheRoot(options.env), 'sandbox');
  if (options.fresh) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const trainerLogs = join(root, 'trainer-logs');
  return {
    root,
    trainerLogs,
    reportsDir: (runId) => join(root, 'runs', runId),
    snapshotDir: join(root, 'snapshot'),
    recordRun(summary) {
      appendFileSync(join(root, 'history.jsonl'), `${JSON.stringify(summary)}\n`);
    },
  };
}

/** `sbx-20260125t020000-3fa2`: valid as a retrain run id, an S3 key part and a trainer run id. */
export function newSandboxRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `sbx-${stamp}-${randomBytes(2).toString('hex')}`;
}
