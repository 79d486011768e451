import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './kafka.js';
import { ensureDir } from './paths.js';
import { LOOPBACK, pickFreePort } from './ports.js';
import { installVenvSpec, MOTO_VENV, venvDir, venvTool } from './python-venv.js';
import { spawnSupervised } from './supervised-process.js';

const MOTO_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'moto_server.py');

export { installVenv, venvDir, venvInstalled, venvTool } from './python-venv.js';

/** Ready = the server answers HTTP at all; moto has no separate health endpoint. */
export async function waitForHttp(
  url: string,
  options: { timeoutMs?: number; isDead?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.isDead?.()) throw new Error(`server for ${url} exited during startup`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return;
    } catch (err) {
      lastError = err;
    }
    await sleep(150);
  }
  throw new Error(`${url} did not answer in time: ${(lastError as Error | undefined)?.message ?? 'no answer'}`);
}

/** Drop every resource in the emulator (moto's own reset API). */
export async function resetMoto(endpointUrl: string): Promise<void> {
  const res = await fetch(new URL('/moto-api/reset', endpointUrl), { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
  await res.arrayBuffer();
}

export interface StartMotoOptions {
  stateDir: string;
  log?: Log;
  env?: NodeJS.ProcessEnv;
  tieToParent?: boolean;
  readyTimeoutMs?: number;
}

export interface RunningMoto {
  endpointUrl: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startMoto(options: StartMotoOptions): Promise<RunningMoto> {
  const env = options.env ?? process.env;
  await installVenvSpec(MOTO_VENV, { log: options.log, env });
  const server = venvTool('python', env);
  if (!existsSync(server)) throw new Error(`${server} is missing; delete ${venvDir(MOTO_VENV, env)} and start again`);
  const dir = ensureDir(join(options.stateDir, 'moto'));
  const logFile = join(dir, 'server.log');
  for (let attempt = 1; ; attempt++) {
    const port = await pickFreePort();
    const proc = spawnSupervised({
      command: server,
      // Our entry point: moto_server with DynamoDB writes serialised (see moto_server.py).
      args: [MOTO_ENTRY, '-H', LOOPBACK, '-p', String(port)],
      cwd: dir,
      // Dummy credentials: the emulator must never see a developer's real ones.
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_SESSION_TOKEN: undefined,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      logFile,
      tieToParent: options.tieToParent,
    });
    const endpointUrl = `http://${LOOPBACK}:${port}`;
    try {
      await waitForHttp(`${endpointUrl}/moto-api/`, {
        timeoutMs: options.readyTimeoutMs,
        isDead: () => proc.hasExited(),
      });
      return { endpointUrl, pid: proc.pid, logFile, stop: () => proc.stop(5_000) };
    } catch (err) {
      await proc.stop(2_000).catch(() => {});
      const logs = tail(logFile);
      if (/Address already in use/.test(logs) && attempt < 3) continue;
      throw new Error(`${(err as Error).message}\n--- last moto log lines (${logFile}) ---\n${logs}`);
    }
  }
}
