import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { TrainerHandle } from '../../lambdas/training/contracts.js';
import {
  trainerCliArgs,
  type TrainerRuntime,
  type TrainerLaunchRequest,
  type TrainerLauncher,
  type TrainerProcessStatus,
} from '../../lambdas/training/launchers/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalLauncherOptions {
  config: SignalForgeConfig;
  /** Folder for trainer logs, one file per attempt. */
  logDir: string;
  /** Extra environment for the trainer (AWS_ENDPOINT_URL etc. are inherited). */
  env?: NodeJS.ProcessEnv;
  /** @default one wasm worker, no spot watch */
  runtime?: TrainerRuntime;
}

interface Tracked {
  exited: boolean;
  detail?: string;
}

/** Exit status of the trainers this process started; a pid alone cannot tell a zombie from a live process. */
const tracked = new Map<number, Tracked>();
/** Trainer process groups by retrain run, for terminateRun. */
const byRun = new Map<string, number[]>();

/**
 * The sandbox's trainer "instance": gpu-trainer/cli.ts as its own process group, so killing the
 * group is the local equivalent of a spot interruption.
 */
export class LocalProcessLauncher implements TrainerLauncher {
  readonly backend = 'local';

  constructor(private readonly options: LocalLauncherOptions) {}

  async launch(request: TrainerLaunchRequest): Promise<TrainerHandle> {
    mkdirSync(this.options.logDir, { recursive: true });
    const logPath = join(this.options.logDir, `${request.runId}-attempt${request.attempt}.log`);
    const log = openSync(logPath, 'a');
    const runtime = this.options.runtime ?? { workers: 1, backend: 'wasm', spotWatch: false };
    const args = [
      '--import',
      'tsx',
      join(repoRoot, 'gpu-trainer', 'cli.ts'),
      ...trainerCliArgs(request, this.options.config, runtime),
    ];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, SIGNALFORGE_CONFIG_JSON: JSON.stringify(this.options.config), ...this.options.env },
    });
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start the trainer: ${logPath}`);
    const state: Tracked = { exited: false };
    tracked.set(pid, state);
    byRun.set(request.parentRunId, [...(byRun.get(request.parentRunId) ?? []), pid]);
    child.on('exit', (code, signal) => {
      state.exited = true;
      state.detail = signal ? `trainer process killed by ${signal}` : `trainer process exited with code ${code}`;
    });
    child.unref();
    return {
      backend: this.backend,
      id: String(pid),
      instanceType: 'local',
      instanceTypeIndex: request.instanceTypeIndex,
      launchedAt: new Date().toISOString(),
    };
  }

  async describe(handle: TrainerHandle): Promise<TrainerProcessStatus> {
    const pid = Number(handle.id);
    const known = tracked.get(pid);
    if (known) return known.exited ? { state: 'gone', reason: known.detail } : { state: 'running' };
    try {
      process.kill(pid, 0);
      return { state: 'running' };
    } catch {
      return { state: 'gone', reason: 'trainer process not found' };
    }
  }

  async terminateRun(parentRunId: string): Promise<string[]> {
    const live = (byRun.get(parentRunId) ?? []).filter((pid) => !tracked.get(pid)?.exited);
    for (const pid of live)
      await this.terminate({ backend: this.backend, id: String(pid), instanceTypeIndex: 0, launchedAt: '' });
    return live.map(String);
  }

  async terminate(handle: TrainerHandle): Promise<void> {
    // An exited group's id can be reused by an unrelated process group: never signal it again.
    if (tracked.get(Number(handle.id))?.exited) return;
    try {
      process.kill(-Number(handle.id), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
