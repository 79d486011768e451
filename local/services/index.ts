import { commaList } from '../../core/config/env.js';
import { rmSync } from 'node:fs';
import { startKafka, type Log, type RunningKafka } from './kafka.js';
import { startMoto, type RunningMoto } from './moto.js';
import { MOTO_VENV, venvInstalled } from './python-venv.js';
import { requireJava, requirePython } from './prerequisites.js';
import { createRunDir, markKept, pruneAbandonedRunDirs, writeRunRecord } from './run-dirs.js';

export { MissingPrerequisiteError } from './prerequisites.js';
export { installKafka } from './kafka.js';
export { resetMoto } from './moto.js';
export { installVenv, venvTool } from './python-venv.js';

export const LOCAL_AWS_REGION = 'us-east-1';

export interface LocalServicesOptions {
  /** Defaults to process.env; KAFKA_BROKERS / AWS_ENDPOINT_URL there mean "use these, start nothing". */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (first-time installs take minutes). Defaults to stderr. */
  log?: Log;
  /** Stop the services when this process exits, even by SIGKILL (default true). */
  tieToParent?: boolean;
  kafkaHeapMb?: number;
}

export interface LocalServices {
  kafkaBrokers: string[];
  awsEndpointUrl: string;
  /** Variables to export so every part of SignalForge reaches these services. */
  env: Record<string, string>;
  /** Which services came from the environment rather than being started here. */
  external: { kafka: boolean; aws: boolean };
  /** Per-instance state folder (logs, Kafka data); undefined when nothing was started. */
  runDir?: string;
  logs: { kafka?: string; moto?: string };
  versions: { kafka?: string };
  pids: number[];
  stop(): Promise<void>;
}

export const defaultLog: Log = (line) => process.stderr.write(`signalforge services: ${line}\n`);

/** The environment a caller should see, given what was found and what was started. */
export function servicesEnv(input: {
  env: NodeJS.ProcessEnv;
  kafkaBrokers: string[];
  awsEndpointUrl: string;
  startedMoto: boolean;
}): Record<string, string> {
  const out: Record<string, string> = {
    KAFKA_BROKERS: input.kafkaBrokers.join(','),
    AWS_ENDPOINT_URL: input.awsEndpointUrl,
    SIGNALFORGE_ENV: input.env.SIGNALFORGE_ENV ?? 'local',
  };
  if (input.startedMoto) {
    // Our own emulator: fixed region and dummy credentials, so real ones never reach it.
    Object.assign(out, { AWS_REGION: LOCAL_AWS_REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  } else {
    // LocalStack or a real account: keep the caller's credentials, only fill a missing region.
    out.AWS_REGION = input.env.AWS_REGION ?? input.env.AWS_DEFAULT_REGION ?? LOCAL_AWS_REGION;
  }
  return out;
}

/** Shell lines that put `env` into a terminal's environment. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `export ${key}='${value.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}

/**
 * Start a Kafka broker and a moto server on loopback (in parallel), or use the ones named by
 * KAFKA_BROKERS / AWS_ENDPOINT_URL. `stop()` ends what was started and removes its state folder.
 */
export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  const env = options.env ?? process.env;
  const log = options.log ?? defaultLog;
  const tieToParent = options.tieToParent ?? true;
  const externalBrokers = commaList(env.KAFKA_BROKERS);
  const externalAws = env.AWS_ENDPOINT_URL?.trim() || undefined;
  const needKafka = externalBrokers.length === 0;
  const needMoto = externalAws === undefined;

  // Fail before starting anything when a runtime is missing, with the message naming what to install.
  if (needKafka) requireJava(env);
  if (needMoto && !venvInstalled(MOTO_VENV, env)) requirePython(env);

  let runDir: string | undefined;
  if (needKafka || needMoto) {
    pruneAbandonedRunDirs(env);
    runDir = createRunDir(env);
  }
  const stateDir = runDir ?? '';
  const [kafkaResult, motoResult] = await Promise.allSettled([
    needKafka
      ? startKafka({ stateDir, log, env, tieToParent, heapMb: options.kafkaHeapMb })
      : Promise.resolve(undefined),
    needMoto ? startMoto({ stateDir, log, env, tieToParent }) : Promise.resolve(undefined),
  ]);
  const kafka: RunningKafka | undefined = kafkaResult.status === 'fulfilled' ? kafkaResult.value : undefined;
  const moto: RunningMoto | undefined = motoResult.status === 'fulfilled' ? motoResult.value : undefined;
  const started = [kafka, moto].filter((s): s is RunningKafka | RunningMoto => s !== undefined);
  const failure = [kafkaResult, motoResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled(started.map((s) => s.stop()));
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    throw failure.reason;
  }
  const pids = started.map((s) => s.pid);
  if (runDir)
    writeRunRecord(runDir, {
      ownerPid: process.pid,
      detached: !tieToParent,
      startedAt: new Date().toISOString(),
      pids,
    });

  const kafkaBrokers = kafka ? kafka.brokers : externalBrokers;
  const awsEndpointUrl = moto ? moto.endpointUrl : externalAws!;
  let stopped: Promise<void> | undefined;
  return {
    kafkaBrokers,
    awsEndpointUrl,
    env: servicesEnv({ env, kafkaBrokers, awsEndpointUrl, startedMoto: moto !== undefined }),
    external: { kafka: !needKafka, aws: !needMoto },
    runDir,
    logs: { kafka: kafka?.logFile, moto: moto?.logFile },
    versions: { kafka: kafka?.version },
    pids,
    stop: () =>
      (stopped ??= (async () => {
        await Promise.all(started.map((s) => s.stop()));
        // SIGNALFORGE_KEEP_SERVICE_LOGS=1 keeps the folder (broker and moto logs) for a post-mortem.
        if (runDir && env.SIGNALFORGE_KEEP_SERVICE_LOGS === '1') markKept(runDir);
        else if (runDir) rmSync(runDir, { recursive: true, force: true });
      })()),
  };
}
