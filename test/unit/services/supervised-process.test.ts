import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isGroupAlive, spawnSupervised } from '../../../local/services/supervised-process.js';

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** A shell script run as a supervised service, its output discarded. */
const shService = (script: string) =>
  spawnSupervised({ command: 'sh', args: ['-c', script], cwd: process.cwd(), env: process.env, logFile: '/dev/null' });

describe('supervised service processes', () => {
  it('stop() ends the whole process group', async () => {
    const proc = shService('sleep 300 & sleep 300');
    expect(isGroupAlive(proc.pid)).toBe(true);
    await proc.stop(2_000);
    expect(isGroupAlive(proc.pid)).toBe(false);
  });

  it('reports a service that exits by itself', async () => {
    const proc = shService('exit 3');
    expect((await proc.exited).code).toBe(3);
    expect(await waitFor(() => proc.hasExited(), 2_000)).toBe(true);
  });

  it('stops the service when its parent dies without cleaning up (SIGKILL)', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'spawn-then-wait.ts');
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const servicePgid = await new Promise<number>((resolvePid, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolvePid(Number(chunk.toString().trim())));
      parent.once('exit', () => reject(new Error('fixture exited early')));
    });
    expect(isGroupAlive(servicePgid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(() => !isGroupAlive(servicePgid), 5_000)).toBe(true);
  });
});
