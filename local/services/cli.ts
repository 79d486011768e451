import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installKafka, waitForKafkaReady } from './kafka.js';
import { defaultLog, exportLines, startLocalServices, type LocalServices } from './index.js';
import { waitForHttp } from './moto.js';
import { CHECKOV_VENV, installVenv, MOTO_VENV, venvDir, venvInstalled } from './python-venv.js';
import { cacheRoot, ensureDir } from './paths.js';
import { MissingPrerequisiteError } from './prerequisites.js';
import { isGroupAlive, stopProcessGroup } from './supervised-process.js';

const HELP = `Local services for SignalForge: an Apache Kafka broker (KRaft, single node) and a moto AWS emulator,
both on 127.0.0.1 with free ports. Nothing is started for a service whose KAFKA_BROKERS or AWS_ENDPOINT_URL is
already set in the environment.

usage: npm run services -- <command> [options]

commands:
  install            download the Kafka jars (Maven Central) and create the Python venvs (.cache/venvs) once
  start              start both and keep them running until Ctrl-C; prints the endpoints and export lines
  start --detach     start both in the background, record them in .cache/services.json and return
  stop               stop the services started with --detach
  status             show installs and whether the detached services answer (exit 1 when not running)
  env                print the export lines of the detached services: eval "$(npm run -s services -- env)"

Integration tests do not need any of this: their global setup (test/setup/services.ts) starts its own.
Logs: .cache/run/<instance>/kafka/server.log and .cache/run/<instance>/moto/server.log.`;

interface DetachedState {
  runDir: string;
  pids: number[];
  env: Record<string, string>;
  kafkaBrokers: string[];
  awsEndpointUrl: string;
  startedAt: string;
}

function stateFile(): string {
  return join(cacheRoot(), 'services.json');
}

function readState(): DetachedState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as DetachedState;
  } catch {
    return undefined;
  }
}

/** A recorded pid only counts while it still runs inside the recorded state folder (pids get reused). */
function ownsPid(state: DetachedState, pid: number): boolean {
  if (!isGroupAlive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(state.runDir);
  } catch {
    return false;
  }
}

function describe(services: Pick<LocalServices, 'kafkaBrokers' | 'awsEndpointUrl' | 'env'>): string {
  return [
    `Kafka brokers:    ${services.kafkaBrokers.join(',')}`,
    `AWS endpoint URL: ${services.awsEndpointUrl}`,
    '',
    '# paste into a shell to point SignalForge at these services:',
    exportLines(services.env),
  ].join('\n');
}

async function install(): Promise<void> {
  const started = Date.now();
  const [kafka, venv] = await Promise.all([installKafka({ log: defaultLog }), installVenv({ log: defaultLog })]);
  console.log(`Kafka ${kafka.version} jars: ${kafka.outcome} (${kafka.libsDir})`);
  console.log(`Python venvs: ${venv} (${venvDir(MOTO_VENV)}, ${venvDir(CHECKOV_VENV)})`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function startForeground(): Promise<void> {
  const services = await startLocalServices({ log: defaultLog });
  console.log(describe(services));
  console.log('\nrunning; press Ctrl-C to stop');
  // The services' handles are unref'd (so tests can exit); this timer is what keeps us running.
  const keepAlive = setInterval(() => {}, 60_000);
  await new Promise<void>((resolveStop) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolveStop());
  });
  clearInterval(keepAlive);
  process.stderr.write('stopping...\n');
  await services.stop();
}

async function startDetached(): Promise<void> {
  const existing = readState();
  if (existing?.pids.some((pid) => ownsPid(existing, pid))) {
    console.log('already running (npm run services -- stop to end them):');
    console.log(describe(existing));
    return;
  }
  const services = await startLocalServices({ log: defaultLog, tieToParent: false });
  const state: DetachedState = {
    runDir: services.runDir ?? '',
    pids: services.pids,
    env: services.env,
    kafkaBrokers: services.kafkaBrokers,
    awsEndpointUrl: services.awsEndpointUrl,
    startedAt: new Date().toISOString(),
  };
  ensureDir(cacheRoot());
  writeFileSync(stateFile(), `${JSON.stringify(state, null, 2)}\n`);
  console.log(describe(services));
  console.log(`\nrunning in the background; state in ${stateFile()}; npm run services -- stop to end them`);
}

async function stop(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log('no detached services recorded');
    return;
  }
  await Promise.all(state.pids.filter((pid) => ownsPid(state, pid)).map((pid) => stopProcessGroup(pid)));
  if (state.runDir && existsSync(state.runDir)) rmSync(state.runDir, { recursive: true, force: true });
  rmSync(stateFile(), { force: true });
  console.log('stopped');
}

async function status(): Promise<number> {
  const { kafkaInstalled } = await import('./kafka.js');
  console.log(`Kafka jars installed: ${kafkaInstalled() ? 'yes' : 'no'}`);
  console.log(`moto + cfn-lint venv installed: ${venvInstalled(MOTO_VENV) ? 'yes' : 'no'}`);
  console.log(`checkov venv installed: ${venvInstalled(CHECKOV_VENV) ? 'yes' : 'no'}`);
  const state = readState();
  if (!state?.pids.some((pid) => ownsPid(state, pid))) {
    console.log('detached services: not running');
    return 1;
  }
  const kafkaOk = await waitForKafkaReady(state.kafkaBrokers, { timeoutMs: 3_000 }).then(
    () => true,
    () => false,
  );
  const motoOk = await waitForHttp(`${state.awsEndpointUrl}/moto-api/`, { timeoutMs: 3_000 }).then(
    () => true,
    () => false,
  );
  console.log(`Kafka ${state.kafkaBrokers.join(',')}: ${kafkaOk ? 'ready' : 'NOT answering'}`);
  console.log(`moto ${state.awsEndpointUrl}: ${motoOk ? 'ready' : 'NOT answering'}`);
  return kafkaOk && motoOk ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  switch (command) {
    case 'install':
      await install();
      return 0;
    case 'start':
      if (flags.includes('--detach')) await startDetached();
      else await startForeground();
      return 0;
    case 'stop':
      await stop();
      return 0;
    case 'status':
      return status();
    case 'env': {
      const state = readState();
      if (!state?.pids.some((pid) => ownsPid(state, pid))) {
        process.stderr.write('no detached services running; start them with: npm run services -- start --detach\n');
        return 1;
      }
      console.log(exportLines(state.env));
      return 0;
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${HELP}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof MissingPrerequisiteError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`signalforge services: ${message}\n`);
    process.exit(1);
  },
);
