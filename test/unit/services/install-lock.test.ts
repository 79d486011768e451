import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installOnce, withInstallLock } from '../../../local/services/install-lock.js';

describe('install lock and completion marker', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('installs once when several starts race, and reuses it afterwards', async () => {
    const marker = { file: join(dir, '.complete'), fingerprint: 'v1', lockDir: join(dir, '.lock') };
    let installs = 0;
    const install = async () => {
      installs++;
      await sleep(100);
    };
    const outcomes = await Promise.all([
      installOnce(marker, install, { pollMs: 10 }),
      installOnce(marker, install, { pollMs: 10 }),
    ]);
    expect(installs).toBe(1);
    expect(outcomes.sort()).toEqual(['installed', 'reused']);
    expect(await installOnce(marker, install)).toBe('reused');
    expect(readFileSync(marker.file, 'utf8').trim()).toBe('v1');
  });

  it('reinstalls when the pinned fingerprint changes', async () => {
    const marker = { file: join(dir, '.complete'), fingerprint: 'v1', lockDir: join(dir, '.lock') };
    await installOnce(marker, async () => {});
    let ran = false;
    const install = async () => {
      ran = true;
    };
    expect(await installOnce({ ...marker, fingerprint: 'v2' }, install)).toBe('installed');
    expect(ran).toBe(true);
  });

  it('does not mark an install that failed', async () => {
    const marker = { file: join(dir, '.complete'), fingerprint: 'v1', lockDir: join(dir, '.lock') };
    await expect(installOnce(marker, async () => Promise.reject(new Error('network down')))).rejects.toThrow(
      'network down',
    );
    expect(await installOnce(marker, async () => {})).toBe('installed');
  });

  it('takes over a lock whose owner process is dead', async () => {
    const lockDir = join(dir, '.lock');
    mkdirSync(lockDir);
    // pid 2^22 + 1 is above Linux's pid_max, so no live process has it.
    writeFileSync(join(lockDir, 'owner.json'), JSON.stringify({ pid: 4_194_305 }));
    expect(await withInstallLock(lockDir, async () => 'got it', { timeoutMs: 2_000 })).toBe('got it');
  });
});
