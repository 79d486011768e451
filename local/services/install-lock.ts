import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './supervised-process.js';

/**
 * Several engineers and test runs start at once and share one cache. `mkdir` is atomic on every file
 * system we care about, so the lock is a folder holding the owner's pid; a lock whose owner died is
 * taken over, so a killed install never blocks the next one forever.
 */
export interface InstallLockOptions {
  /** Told once when another process holds the lock, so a long wait is not silent. */
  onWait?: (holder: string) => void;
  pollMs?: number;
  /** Give up after this long; first-time installs can take minutes. */
  timeoutMs?: number;
}

function readOwner(lockDir: string): { pid: number; host?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(lockDir, 'owner.json'), 'utf8')) as { pid: number };
  } catch {
    return undefined;
  }
}

function lockIsStale(lockDir: string): boolean {
  const owner = readOwner(lockDir);
  if (owner) return !isProcessAlive(owner.pid);
  // The owner writes its pid right after mkdir; a lock with no owner file for long is a crashed one.
  try {
    return Date.now() - statSync(lockDir).mtimeMs > 30_000;
  } catch {
    return false;
  }
}

export async function withInstallLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options: InstallLockOptions = {},
): Promise<T> {
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  mkdirSync(dirname(lockDir), { recursive: true });
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockIsStale(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lockDir}`);
      if (!told) {
        options.onWait?.(`pid ${readOwner(lockDir)?.pid ?? '?'}`);
        told = true;
      }
      await sleep(pollMs);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** A completion marker holds a fingerprint of what was installed, so a changed pin reinstalls. */
export function markerMatches(markerFile: string, fingerprint: string): boolean {
  try {
    return readFileSync(markerFile, 'utf8').trim() === fingerprint;
  } catch {
    return false;
  }
}

export function writeMarker(markerFile: string, fingerprint: string): void {
  writeFileSync(markerFile, `${fingerprint}\n`);
}

/**
 * Install once: a fast path without the lock when the marker already matches, otherwise take the lock,
 * look again (another process may have finished meanwhile) and run `install`.
 */
export async function installOnce(
  marker: { file: string; fingerprint: string; lockDir: string },
  install: () => Promise<void>,
  options: InstallLockOptions = {},
): Promise<'reused' | 'installed'> {
  if (markerMatches(marker.file, marker.fingerprint)) return 'reused';
  return withInstallLock(
    marker.lockDir,
    async () => {
      if (markerMatches(marker.file, marker.fingerprint)) return 'reused';
      await install();
      writeMarker(marker.file, marker.fingerprint);
      return 'installed';
    },
    options,
  );
}
