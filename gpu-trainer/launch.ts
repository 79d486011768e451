import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TrainerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group (trainer + its workers); SIGTERM asks for a checkpointed stop. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `gpu-trainer/cli.ts` with the given flags as its own process group, the local stand-in for
 * a training instance: the local launcher and the sandbox use it, the orchestrator polls the run
 * record for heartbeats, and `kill()` reaches the workers too.
 */
export function spawnTrainer(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdio?: 'inherit' | 'pipe' | 'ignore' } = {},
): TrainerProcess {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, ...args], {
    cwd: opts.cwd ?? fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...opts.env },
    stdio: opts.stdio ?? 'pipe',
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    },
  };
}
