import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// tsx, vitest and esbuild strip types without checking them, so the strict compile is its own test.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('typescript', () => {
  it('the whole project compiles in strict mode', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 240_000);
});
