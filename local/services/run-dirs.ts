import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, runRoot } from './paths.js';
import { isGroupAlive, isProcessAlive } from './supervised-process.js';

/** What a run folder records about who started it, so later starts can tell abandoned folders. */
export interface RunRecord {
  ownerPid: number;
  detached: boolean;
  startedAt: string;
  /** Process-group leaders of the services started into this folder. */
  pids: number[];
}

const KEEP_MARKER = '.keep';
const KEEP_FOR_MS = 24 * 3_600_000;

/** A kept folder (SIGNALFORGE_KEEP_SERVICE_LOGS=1) survives pruning for a day, for a post-mortem. */
export function markKept(runDir: string): void {
  writeFileSync(join(runDir, KEEP_MARKER), new Date().toISOString());
}

export function createRunDir(env: NodeJS.ProcessEnv = process.env): string {
  const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return ensureDir(join(runRoot(env), name));
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  writeFileSync(join(runDir, 'owner.json'), `${JSON.stringify(record, null, 2)}\n`);
}

function readRunRecord(runDir: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, 'owner.json'), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/**
 * Remove folders of earlier runs whose processes are all gone (a crashed test run cannot clean up
 * after itself). Folders of live runs, including other engineers' parallel runs, are left alone.
 */
export function pruneAbandonedRunDirs(env: NodeJS.ProcessEnv = process.env): number {
  let root: string;
  try {
    root = runRoot(env);
    readdirSync(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const record = readRunRecord(dir);
    try {
      if (Date.now() - statSync(join(dir, KEEP_MARKER)).mtimeMs < KEEP_FOR_MS) continue;
    } catch {
      // Not kept.
    }
    let abandoned: boolean;
    if (record) {
      abandoned = !isProcessAlive(record.ownerPid) && !record.pids.some((pid) => isGroupAlive(pid));
      if (record.detached) abandoned = !record.pids.some((pid) => isGroupAlive(pid));
    } else {
      // A folder without a record is a start that died before recording; give it an hour.
      abandoned = Date.now() - statSync(dir).mtimeMs > 3_600_000;
    }
    if (abandoned) {
      rmSync(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
