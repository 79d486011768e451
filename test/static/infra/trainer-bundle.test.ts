import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../lib/constructs/signalforge-function.js';
import { buildTrainerBundle, INSTANCE_PACKAGE_DIR } from '../../../lib/training/trainer-bundle.js';

const out = mkdtempSync(join(tmpdir(), 'sf-trainer-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('trainer instance bundle', () => {
  it('pins exactly the tfjs packages the repository uses, and the committed lockfile matches', () => {
    const pkg = json(join(repoRoot, INSTANCE_PACKAGE_DIR, 'package.json'));
    const lock = json(join(repoRoot, INSTANCE_PACKAGE_DIR, 'package-lock.json'));
    const tfjs = json(join(repoRoot, 'node_modules/@tensorflow/tfjs/package.json')).version as string;
    expect(pkg.dependencies).toEqual({
      '@tensorflow/tfjs': tfjs,
      '@tensorflow/tfjs-backend-wasm': tfjs,
      '@tensorflow/tfjs-node-gpu': tfjs,
    });
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    for (const name of Object.keys(pkg.dependencies))
      expect(lock.packages[`node_modules/${name}`].version, name).toBe(tfjs);
  });

  it('runs from the bundle without tsx: dist/cli.mjs forks dist/worker.mjs and passes the wasm smoke check', () => {
    buildTrainerBundle(out);
    expect(readFileSync(join(out, 'requirements-cuda.txt'), 'utf8')).toMatch(/^nvidia-cudnn-cu11==8\.\d+\.\d+\.\d+$/m);
    // The recurrent models' WebAssembly kernel travels beside the bundle, byte for byte.
    expect(
      Buffer.compare(
        readFileSync(join(out, 'dist/recurrent.wasm')),
        readFileSync(join(repoRoot, 'gpu-trainer/model/kernel/recurrent.wasm')),
      ),
    ).toBe(0);
    const cli = readFileSync(join(out, 'dist/cli.mjs'), 'utf8');
    expect(cli).not.toMatch(/from ["']tsx/);
    expect(
      [...cli.matchAll(/from "(@[^"]+|[^".][^"]*)"/g)].map((m) => m[1]).filter((m) => !m!.startsWith('node:')),
    ).toEqual(['@tensorflow/tfjs']);
    // The instance gets these three packages from npm ci; here the repository's copies stand in.
    symlinkSync(join(repoRoot, 'node_modules'), join(out, 'node_modules'));
    const stdout = execFileSync(process.execPath, ['dist/cli.mjs', '--backend', 'wasm', '--smoke', '--workers', '2'], {
      cwd: out,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(JSON.parse(stdout.trim())).toMatchObject({ ok: true, backend: 'wasm', workers: 2 });
  }, 150_000);
});
