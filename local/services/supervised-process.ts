import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Services run in their own process group so one signal stops the service and everything it forked.
 * When tied to the parent, a small sh watchdog holds a pipe from us on fd 3: the pipe closes when
 * this Node process exits for any reason (SIGKILL included), and the watchdog then stops the service,
 * so a crashed test run leaves no broker behind.
 */
const TIED_WRAPPER = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
( while read -r _line; do :; done; kill -TERM "$child" 2>/dev/null ) <&3 &
watcher=$!
exec 3<&-
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
wait "$child"; status=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit $status
`;

export interface SupervisedSpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Stop the service when this process exits (default). False for `services start --detach`. */
  tieToParent?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedProcess {
  /** Leader of the service's process group. */
  pid: number;
  exited: Promise<ExitInfo>;
  hasExited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** States of the processes in a group, from /proc; undefined where /proc cannot be read. */
function groupMemberStates(pgid: number): string[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const states: string[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its closing paren.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state) states.push(state);
    } catch {
      // The process ended while we looked.
    }
  }
  return states;
}

/**
 * A group counts as alive while a member still runs. Zombies do not count: orphans are reaped by
 * pid 1, which on some machines (containers, microVMs) does so only every second or two.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!isProcessAlive(-pgid)) return false;
  const states = groupMemberStates(pgid);
  return states === undefined ? true : states.some((state) => state !== 'Z');
}

/** The command line of a live process, used to check a recorded pid still belongs to our service. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** SIGTERM the whole group, then SIGKILL whatever is left after the grace period. */
export async function stopProcessGroup(pgid: number, graceMs = 10_000): Promise<void> {
  if (!isGroupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitGone(pgid, 5_000))) throw new Error(`process group ${pgid} survived SIGKILL`);
}

export function spawnSupervised(options: SupervisedSpawnOptions): SupervisedProcess {
  const tied = options.tieToParent ?? true;
  const log = openSync(options.logFile, 'a');
  const [command, args] = tied
    ? ['/bin/sh', ['-c', TIED_WRAPPER, 'signalforge-service', options.command, ...options.args]]
    : [options.command, options.args];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [tied ? 'pipe' : 'ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolveExit({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolveExit({ code: 127, signal: null });
    });
  });
  // Neither the child nor the watchdog pipe may keep a finished test run alive.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  return {
    pid,
    exited,
    hasExited: () => done && !isGroupAlive(pid),
    stop: (graceMs) => stopProcessGroup(pid, graceMs),
  };
}
