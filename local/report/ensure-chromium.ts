import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/**
 * Find Debian's `chromium` for the report's browser test, installing it with apt when missing and
 * we are root. Idempotent: a present browser is returned without touching apt.
 */

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
export const CHROMIUM_INSTALL_COMMAND =
  'apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation';

export interface EnsureChromiumOptions {
  /** Progress lines; defaults to stderr. */
  log?: (line: string) => void;
  /** An explicit browser, e.g. from CHROMIUM_PATH; it must exist. */
  executablePath?: string;
  candidates?: readonly string[];
  /** Override for tests; defaults to process.getuid() === 0. */
  isRoot?: boolean;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(candidates: readonly string[] = CHROMIUM_CANDIDATES): string | undefined {
  return candidates.find(isExecutable);
}

function runApt(args: string[], log: (line: string) => void): void {
  log(`signalforge: apt-get ${args.join(' ')}`);
  const res = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    // A cold install downloads ~100 MB of packages; allow for a slow mirror.
    timeout: 15 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error || res.status !== 0) {
    const tail = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `apt-get ${args.join(' ')} failed (${res.error?.message ?? `exit ${res.status}`}); install Chromium with:\n  ${CHROMIUM_INSTALL_COMMAND}\n${tail}`,
    );
  }
}

/** The path of a usable Chromium, installing Debian's package first when it is missing. */
export function ensureChromium(options: EnsureChromiumOptions = {}): string {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicit = options.executablePath ?? process.env.CHROMIUM_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`CHROMIUM_PATH=${explicit} is not an executable file`);
  }
  const candidates = options.candidates ?? CHROMIUM_CANDIDATES;
  const found = findChromium(candidates);
  if (found) return found;

  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(
      `Chromium is not installed (looked for ${candidates.join(', ')}). ` +
        (hasApt
          ? `Install it as root:\n  sudo sh -c '${CHROMIUM_INSTALL_COMMAND}'`
          : 'Install Chromium and set CHROMIUM_PATH to its executable.'),
    );
  }
  log('signalforge: Chromium is missing; installing Debian package `chromium` (one-off, a few minutes)');
  // Wait for another apt run (e.g. a parallel test) instead of failing on the dpkg lock.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  runApt([...lock, 'update', '-qq'], log);
  // Recommends pull in printing and desktop daemons; the fonts are the one recommendation the report needs.
  runApt([...lock, 'install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-liberation'], log);
  const installed = findChromium(candidates);
  if (!installed) throw new Error(`apt-get installed chromium but none of ${candidates.join(', ')} exists`);
  log(`signalforge: Chromium ready at ${installed}`);
  return installed;
}
