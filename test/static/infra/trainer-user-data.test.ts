import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import {
  BOOTSTRAP_PHASES,
  bootstrapStatusSchema,
  maxInstanceLifetimeMinutes,
} from '../../../lambdas/training/launchers/launch-doc.js';
import { readTemplates, resourcesOfType } from './template-helpers.js';
import { synthesizeApp, type Synthesized } from './synthesize.js';

const config = loadConfig({ env: {} });
const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111111111111',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsics CDK uses in user data (Join, Sub, pseudo-parameter Refs) to the deployed string. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Base64'] !== undefined) return render(v['Fn::Base64']);
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if (v['Fn::Sub'] !== undefined)
    return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => PSEUDO[name] ?? `sub-${name}`);
  if (typeof v.Ref === 'string') return PSEUDO[v.Ref] ?? `ref-${v.Ref}`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

let synth: Synthesized;
let userDataB64: unknown;
let script: string;
let work: string;
let nodeTarball: string;

/** A stub that records its arguments and fails when SF_FAIL names it. */
function stub(bin: string, name: string, body = ''): void {
  writeFileSync(
    join(bin, name),
    `#!/bin/bash\necho "${name} $*" >> "$SF_CALLS"\nif [ "\${SF_FAIL:-}" = "${name}" ]; then echo "${name}: simulated failure" >&2; exit 7; fi\n${body}\nexit 0\n`,
  );
  chmodSync(join(bin, name), 0o755);
}

beforeAll(() => {
  synth = synthesizeApp(undefined, { bundling: false });
  const templates = readTemplates(synth.outdir);
  const [lt] = resourcesOfType(templates, 'AWS::EC2::LaunchTemplate');
  userDataB64 = lt!.props.LaunchTemplateData.UserData;
  script = render(userDataB64);
  work = mkdtempSync(join(tmpdir(), 'sf-userdata-'));
  // A "Node.js release" whose node runs this machine's node, packed the way nodejs.org ships it.
  const release = join(work, 'release', 'node-v24-linux-x64', 'bin');
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, 'node'), `#!/bin/bash\nexec "${process.execPath}" "$@"\n`);
  chmodSync(join(release, 'node'), 0o755);
  nodeTarball = join(work, 'node.tar.xz');
  const packed = spawnSync('tar', ['-cJf', nodeTarball, '-C', join(work, 'release'), 'node-v24-linux-x64']);
  expect(packed.status).toBe(0);
}, 300_000);

afterAll(() => {
  if (synth) rmSync(synth.outdir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  calls: string[];
  statuses: { phase: string; detail?: string }[];
  log: string;
  trainerEnv: string;
}

/** Runs the rendered user data with bash in a fresh dir, the listed command failing. */
function runUserData(fail?: string): Run {
  const dir = mkdtempSync(join(work, 'run-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls.log');
  const statusDir = join(dir, 'status');
  mkdirSync(statusDir);
  const launchDoc = JSON.stringify({
    version: 1,
    runId: 'rt-1-s000',
    attempt: 2,
    args: ['--run-id', 'rt-1-s000', '--configs', 'AAPL#1h,MSFT#1d', '--note', "it's two words"],
    config: { envName: 'dev' },
    writtenAt: '2026-01-01T00:00:00Z',
  });
  writeFileSync(join(dir, 'launch.json'), launchDoc);
  stub(bin, 'shutdown');
  stub(
    bin,
    'curl',
    `case "$*" in
  *api/token*) echo token-1 ;;
  *instance-id*) echo i-0123456789abcdef0 ;;
  *signalforge:launch-doc*) echo s3://artifacts/runs/rt-1-s000/launch-a2.json ;;
  *nodejs.org*) out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done; cp "${nodeTarball}" "$out" ;;
  *) exit 22 ;;
esac`,
  );
  stub(
    bin,
    'aws',
    `src="$3"; dst="$4"
if [ "$src" = - ]; then cat > "${statusDir}/$(date +%s%N).json"
elif [ "$src" = s3://artifacts/runs/rt-1-s000/launch-a2.json ]; then cp "${join(dir, 'launch.json')}" "$dst"
else echo zip > "$dst"; fi`,
  );
  stub(bin, 'unzip', `shift 2; mkdir -p "$1"; echo '{}' > "$1/package.json"`);
  // python3 -m venv DIR: a venv whose pip "installs" the wheels' lib folders.
  writeFileSync(
    join(dir, 'pip'),
    `#!/bin/bash\necho "pip $*" >> "$SF_CALLS"\n[ "\${SF_FAIL:-}" = pip ] && exit 7\nsite="$(dirname "$0")/../lib/python3.12/site-packages/nvidia"\nmkdir -p "$site/cudnn/lib" "$site/cublas/lib"\n`,
  );
  chmodSync(join(dir, 'pip'), 0o755);
  stub(bin, 'python3', `mkdir -p "$3/bin" && cp "${join(dir, 'pip')}" "$3/bin/pip"`);
  stub(bin, 'nvidia-smi', `printf 'GPU 0: NVIDIA A10G (UUID: GPU-1)\\nGPU 1: NVIDIA A10G (UUID: GPU-2)\\n'`);
  stub(
    bin,
    'npm',
    `if [ "$1" = run ]; then { echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; echo "CONFIG=$(cat "$SIGNALFORGE_CONFIG_FILE")"; printf 'ARG<%s>\\n' "\${@:5}"; } > "${join(dir, 'trainer-env')}"; [ "\${SF_FAIL:-}" = trainer ] && exit 1; fi`,
  );
  const res = spawnSync('bash', ['-c', script], {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      SF_CALLS: calls,
      SF_FAIL: fail ?? '',
      SF_WORK_DIR: join(dir, 'opt'),
      SF_LOG_FILE: join(dir, 'log', 'trainer.log'),
      SF_IMDS: 'http://imds.test',
      SF_HEARTBEAT_SECONDS: '3600',
      HOME: dir,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const statuses = existsSync(statusDir)
    ? spawnSync('ls', [statusDir], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)
        .sort()
        .map((f) => bootstrapStatusSchema.parse(JSON.parse(readFileSync(join(statusDir, f), 'utf8'))))
    : [];
  return {
    status: res.status,
    calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [],
    statuses,
    log: existsSync(join(dir, 'log', 'trainer.log'))
      ? readFileSync(join(dir, 'log', 'trainer.log'), 'utf8')
      : res.stderr,
    trainerEnv: existsSync(join(dir, 'trainer-env')) ? readFileSync(join(dir, 'trainer-env'), 'utf8') : '',
  };
}

const shutdowns = (r: Run) => r.calls.filter((c) => c.startsWith('shutdown '));

describe('trainer user data (the launch template string, run with bash and stub commands)', () => {
  it('fits the 16 KB user data limit, traps EXIT into a halt first and schedules the lifetime watchdog', () => {
    expect(Buffer.from(script).toString('base64').length).toBeLessThanOrEqual(16 * 1024);
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    const firstCommands = lines.filter((l) => l.trim() && !l.startsWith('#')).slice(0, 3);
    expect(firstCommands[0]).toBe('set -euo pipefail');
    expect(firstCommands[1]).toMatch(/^trap '.*shutdown -h now' EXIT$/);
    expect(firstCommands[2]).toContain(`shutdown -h +${maxInstanceLifetimeMinutes(config.training)} `);
  });

  it('on success: sets up, runs the trainer with the launch document flags, reports each phase, then halts', () => {
    const r = runUserData();
    expect(r.status, r.log).toBe(0);
    expect(shutdowns(r)).toEqual([
      `shutdown -h +${maxInstanceLifetimeMinutes(config.training)} signalforge trainer: maximum lifetime reached`,
      'shutdown -h now',
    ]);
    expect(r.calls.some((c) => c.startsWith('npm ci --omit=dev'))).toBe(true);
    expect(r.calls.some((c) => /^pip install .*--no-deps .*requirements-cuda\.txt$/.test(c))).toBe(true);
    expect(r.trainerEnv).toContain(
      "ARG<--run-id>\nARG<rt-1-s000>\nARG<--configs>\nARG<AAPL#1h,MSFT#1d>\nARG<--note>\nARG<it's two words>",
    );
    expect(r.trainerEnv).toMatch(/LD_LIBRARY_PATH=.*nvidia\/cublas\/lib.*nvidia\/cudnn\/lib/);
    expect(r.trainerEnv).toContain('CONFIG={"envName":"dev"}');
    // A clean boot reports every phase, in the contract's order, and never `failed`.
    expect(r.statuses.map((s) => s.phase)).toEqual(BOOTSTRAP_PHASES.filter((p) => p !== 'failed'));
  });

  for (const [fail, phase] of [
    ['curl', undefined],
    ['aws', undefined],
    ['unzip', 'bundle'],
    ['python3', 'cuda'],
    ['pip', 'cuda'],
    ['npm', 'packages'],
    ['nvidia-smi', 'gpu-check'],
    ['trainer', 'training'],
  ] as const) {
    it(`halts when ${fail} fails${phase ? ` and reports the failed phase ${phase}` : ''}`, () => {
      const r = runUserData(fail);
      expect(r.status).not.toBe(0);
      expect(shutdowns(r).at(-1)).toBe('shutdown -h now');
      if (phase)
        expect(r.statuses.at(-1)).toMatchObject({ phase: 'failed', detail: expect.stringContaining(`${phase} exit`) });
      if (fail !== 'trainer') expect(r.trainerEnv).toBe('');
    });
  }
});
