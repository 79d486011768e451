import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_INSTALL_COMMAND, ensureChromium } from '../../../local/report/ensure-chromium.js';

// The install path itself runs apt and is exercised by the browser test's beforeAll on a machine
// without Chromium; these cases cover the decisions around it without touching apt.
let dir: string;
let fakeBrowser: string;
const logs: string[] = [];
const log = (line: string) => logs.push(line);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signalforge-chromium-'));
  fakeBrowser = join(dir, 'chromium');
  await writeFile(fakeBrowser, '#!/bin/sh\nexit 0\n');
  await chmod(fakeBrowser, 0o755);
  await writeFile(join(dir, 'not-executable'), '');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('ensureChromium', () => {
  it('returns the first executable candidate without installing anything', () => {
    expect(
      ensureChromium({
        candidates: [join(dir, 'missing'), join(dir, 'not-executable'), fakeBrowser],
        log,
        isRoot: true,
      }),
    ).toBe(fakeBrowser);
    expect(logs).toEqual([]);
  });

  it('honours an explicit executable path and rejects one that cannot run', () => {
    expect(ensureChromium({ executablePath: fakeBrowser, log })).toBe(fakeBrowser);
    expect(() => ensureChromium({ executablePath: join(dir, 'not-executable'), log })).toThrow(/not an executable/);
  });

  it('when missing and not root, fails with the command to run', () => {
    const saved = process.env.CHROMIUM_PATH;
    delete process.env.CHROMIUM_PATH;
    try {
      expect(() => ensureChromium({ candidates: [join(dir, 'missing')], isRoot: false, log })).toThrow(
        /Chromium is not installed/,
      );
      try {
        ensureChromium({ candidates: [join(dir, 'missing')], isRoot: false, log });
      } catch (err) {
        const message = (err as Error).message;
        expect(message.includes(CHROMIUM_INSTALL_COMMAND) || message.includes('CHROMIUM_PATH')).toBe(true);
      }
    } finally {
      if (saved !== undefined) process.env.CHROMIUM_PATH = saved;
    }
    expect(logs).toEqual([]);
  });
});
