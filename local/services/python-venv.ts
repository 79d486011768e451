import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installOnce } from './install-lock.js';
import type { Log } from './kafka.js';
import { cacheRoot, ensureDir, PROJECT_ROOT } from './paths.js';
import { MissingPrerequisiteError, requirePython } from './prerequisites.js';
import { runCommand } from './run-command.js';

/** A project virtualenv under `.cache/venvs/` built from one pinned requirements file. */
export interface VenvSpec {
  name: string;
  requirements: string;
  /** What it holds, for progress lines. */
  describe: string;
}

export const MOTO_VENV: VenvSpec = {
  name: 'moto',
  requirements: join(PROJECT_ROOT, 'local', 'services', 'requirements.txt'),
  describe: 'moto and cfn-lint',
};

export const CHECKOV_VENV: VenvSpec = {
  name: 'checkov',
  requirements: join(PROJECT_ROOT, 'local', 'services', 'requirements-checkov.txt'),
  describe: 'checkov',
};

/** Tools that live in a venv of their own (see requirements-checkov.txt for why). */
const TOOL_VENV: Record<string, VenvSpec> = { checkov: CHECKOV_VENV };

function requirementsHash(spec: VenvSpec): string {
  return createHash('sha256').update(readFileSync(spec.requirements, 'utf8')).digest('hex');
}

/**
 * `.cache/venvs/<name>-<hash of its requirements>`: a changed pin builds a new venv beside the old one
 * instead of deleting a venv that another engineer's moto server may be running from.
 */
export function venvDir(spec: VenvSpec = MOTO_VENV, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'venvs', `${spec.name}-${requirementsHash(spec).slice(0, 12)}`);
}

/** Path of an executable installed in the project venvs, e.g. `venvTool('cfn-lint')`, `venvTool('checkov')`. */
export function venvTool(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(venvDir(TOOL_VENV[name] ?? MOTO_VENV, env), 'bin', name);
}

function markerFile(spec: VenvSpec, env: NodeJS.ProcessEnv): string {
  return join(venvDir(spec, env), '.signalforge-complete');
}

export function venvInstalled(spec: VenvSpec = MOTO_VENV, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(markerFile(spec, env));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return runCommand(command, args, { cwd: PROJECT_ROOT, env });
}

/** Create one venv with its pinned requirements once; later calls (any process) reuse it. */
export async function installVenvSpec(
  spec: VenvSpec,
  options: { log?: Log; env?: NodeJS.ProcessEnv } = {},
): Promise<'reused' | 'installed'> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = venvDir(spec, env);
  ensureDir(join(cacheRoot(env), 'venvs'));
  return installOnce(
    {
      file: markerFile(spec, env),
      fingerprint: requirementsHash(spec),
      lockDir: `${dir}.install.lock`,
    },
    async () => {
      const python = requirePython(env);
      const started = Date.now();
      log(`creating Python virtualenv ${dir} with ${spec.describe} (first run only, takes a minute or more)...`);
      rmSync(dir, { recursive: true, force: true });
      try {
        await run(python, ['-m', 'venv', dir], env);
      } catch (err) {
        throw new MissingPrerequisiteError(
          `\`${python} -m venv\` failed; install venv support (e.g. \`apt-get install python3-venv\`).\n${(err as Error).message}`,
        );
      }
      await run(
        join(dir, 'bin', 'pip'),
        ['install', '--quiet', '--disable-pip-version-check', '-r', spec.requirements],
        env,
      );
      log(`virtualenv ${spec.name} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
    {
      onWait: (holder) =>
        log(`waiting for another process (${holder}) installing the Python virtualenv ${spec.name}...`),
    },
  );
}

/** Both project venvs: moto + cfn-lint, and checkov. */
export async function installVenv(
  options: { log?: Log; env?: NodeJS.ProcessEnv } = {},
): Promise<'reused' | 'installed'> {
  const outcomes = await Promise.all([installVenvSpec(MOTO_VENV, options), installVenvSpec(CHECKOV_VENV, options)]);
  return outcomes.includes('installed') ? 'installed' : 'reused';
}
