import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config/index.js';
import { codeVersion, configHash, UNSTAMPED_CODE_VERSION } from '../../../core/lineage/index.js';
import { gitCodeVersion } from '../../../lib/code-version.js';
import { repoRoot } from '../../../lib/constructs/signalforge-function.js';
import { stampSandboxCodeVersion } from '../../../local/sandbox/code-version.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signalforge-git-'));
  git(dir, 'init', '-q');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'test');
  return dir;
}

function commit(dir: string, content: string): string {
  writeFileSync(join(dir, 'file.txt'), content);
  git(dir, 'add', 'file.txt');
  git(dir, 'commit', '-q', '-m', content);
  return git(dir, 'rev-parse', 'HEAD');
}

describe('code version', () => {
  it('is the checkout commit, with -dirty while tracked files differ from it', () => {
    const dir = scratchRepo();
    const first = commit(dir, 'one');
    expect(gitCodeVersion(dir, {})).toBe(first);
    const second = commit(dir, 'two');
    expect(second).not.toBe(first);
    expect(gitCodeVersion(dir, {})).toBe(second);
    writeFileSync(join(dir, 'file.txt'), 'edited');
    expect(gitCodeVersion(dir, {})).toBe(`${second}-dirty`);
  });

  it('is `unknown` outside a checkout unless SIGNALFORGE_CODE_VERSION names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signalforge-nogit-'));
    expect(gitCodeVersion(dir, { GIT_CEILING_DIRECTORIES: tmpdir() })).toBe('unknown');
    expect(gitCodeVersion(dir, { SIGNALFORGE_CODE_VERSION: 'abc123' })).toBe('abc123');
  });

  it('a sandbox run records `git rev-parse HEAD` and hands it to what it runs through the environment', () => {
    const env: NodeJS.ProcessEnv = {};
    const stamped = stampSandboxCodeVersion(env);
    expect(stamped.replace(/-dirty$/, '')).toBe(git(repoRoot, 'rev-parse', 'HEAD'));
    expect(env.SIGNALFORGE_CODE_VERSION).toBe(stamped);
    expect(codeVersion(env)).toBe(stamped);
  });

  it('unbundled code without the environment variable says it is unstamped', () => {
    expect(codeVersion({})).toBe(UNSTAMPED_CODE_VERSION);
  });
});

describe('config hash', () => {
  it('ignores key order and changes with any setting', () => {
    const reordered = Object.fromEntries(Object.entries(defaultConfig).reverse());
    expect(configHash(reordered)).toBe(configHash(defaultConfig));
    const changed = {
      ...defaultConfig,
      evaluation: { ...defaultConfig.evaluation, alpha: defaultConfig.evaluation.alpha / 2 },
    };
    expect(configHash(changed)).not.toBe(configHash(defaultConfig));
    expect(configHash(defaultConfig)).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});
