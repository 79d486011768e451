import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so commands work from any working directory. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Installed tools (Kafka jars, the Python venv) and per-run state live under `.cache/` (git-ignored).
 * SIGNALFORGE_CACHE_DIR moves it, e.g. to measure a cold install without touching the shared cache.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SIGNALFORGE_CACHE_DIR || join(PROJECT_ROOT, '.cache'));
}

/** Per-instance state (Kafka log dirs, logs, pid records): one folder per started set of services. */
export function runRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'run');
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
