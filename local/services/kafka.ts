import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { installOnce } from './install-lock.js';
import { cacheRoot, ensureDir, PROJECT_ROOT } from './paths.js';
import { LOOPBACK, pickFreePorts } from './ports.js';
import { requireJava, requireMaven } from './prerequisites.js';
import { spawnSupervised, type SupervisedProcess } from './supervised-process.js';
import { captureCommand, runCommand } from './run-command.js';

export const KAFKA_POM = join(PROJECT_ROOT, 'local', 'services', 'kafka', 'pom.xml');
/** Pinned so the copy step does not depend on whichever plugin version Maven would pick today. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';

export type Log = (line: string) => void;

/** The pom is the single place the Kafka version is pinned. */
export function readPomVersion(pomXml: string): string {
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pomXml);
  if (!match?.[1]) throw new Error('local/services/kafka/pom.xml has no <kafka.version> property');
  return match[1];
}

export interface KafkaInstall {
  version: string;
  libsDir: string;
  outcome: 'reused' | 'installed';
}

function runMaven(args: string[]): Promise<void> {
  return runCommand(requireMaven(), args, { cwd: PROJECT_ROOT });
}

/** Resolve the broker jars into `.cache/kafka/<version>/libs` once; later calls reuse them. */
export async function installKafka(options: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<KafkaInstall> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const pom = readFileSync(KAFKA_POM, 'utf8');
  const version = readPomVersion(pom);
  const home = ensureDir(join(cacheRoot(env), 'kafka', version));
  const libsDir = join(home, 'libs');
  const fingerprint = createHash('sha256').update(pom).digest('hex');
  const outcome = await installOnce(
    { file: join(home, '.complete'), fingerprint, lockDir: join(home, '.install.lock') },
    async () => {
      requireJava(env);
      log(`downloading Apache Kafka ${version} jars from Maven Central into ${libsDir} (first run only)...`);
      const started = Date.now();
      const staging = join(home, `libs.partial-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      await runMaven([
        '-q',
        '-B',
        '-f',
        KAFKA_POM,
        DEPENDENCY_PLUGIN,
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ]);
      if (!readdirSync(staging).some((f) => f.startsWith(`kafka_2.13-${version}`))) {
        throw new Error(`Maven finished but ${staging} has no kafka_2.13-${version} jar`);
      }
      rmSync(libsDir, { recursive: true, force: true });
      renameSync(staging, libsDir);
      log(`Kafka ${version} jars ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
    { onWait: (holder) => log(`waiting for another process (${holder}) installing Kafka ${version}...`) },
  );
  return { version, libsDir, outcome };
}

export interface BrokerSettings {
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
  host?: string;
  nodeId?: number;
}

/** A combined broker+controller on loopback, sized for a 2-core machine shared by several runs. */
export function renderServerProperties(settings: BrokerSettings): string {
  const host = settings.host ?? LOOPBACK;
  const nodeId = settings.nodeId ?? 1;
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': `${nodeId}@${host}:${settings.controllerPort}`,
    listeners: `PLAINTEXT://${host}:${settings.brokerPort},CONTROLLER://${host}:${settings.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${settings.brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': settings.dataDir,
    // Topics are created explicitly (tests, the topics custom resource), as on MSK.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 8,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Tests join groups constantly; the default 3 s delay would dominate their run time.
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'delete.topic.enable': true,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

export function renderLog4j2Properties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    '',
  ].join('\n');
}

/**
 * Kafka cluster ids are 16 random bytes, URL-safe base64 without padding (22 characters). One in 64 starts
 * with '-', which the storage tool's argument parser reads as an option, so those are drawn again.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function jvmOptions(heapMb: number, log4jConfig: string, logsDir: string): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Xms64m',
    // Fewer GC and JIT threads and a quicker start matter more here than peak throughput.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    `-Dkafka.logs.dir=${logsDir}`,
  ];
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Formats a fresh KRaft storage directory (a new cluster id) for the broker that `propsFile` configures. */
export async function formatKafkaStorage(
  java: string,
  install: KafkaInstall,
  log4jConfig: string,
  propsFile: string,
): Promise<void> {
  const format = await runJava(java, [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    '-cp',
    `${install.libsDir}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    newClusterId(),
    '-c',
    propsFile,
  ]);
  if (format.code !== 0)
    throw new Error(`Kafka storage format failed (exit ${format.code}):\n${format.output.slice(-3000)}`);
}

/** The java arguments that run the broker `propsFile` configures. */
export function kafkaServerArgs(jvm: string[], install: KafkaInstall, propsFile: string): string[] {
  return [...jvm, '-cp', `${install.libsDir}/*`, 'kafka.Kafka', propsFile];
}

function runJava(java: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return captureCommand(java, args);
}

export interface KafkaReadyOptions {
  timeoutMs?: number;
  /** Stop waiting early when the broker process is gone. */
  isDead?: () => boolean;
}

/**
 * Ready = a metadata request answers. We also touch the group coordinator and the producer-id
 * allocation once, so the broker creates __consumer_offsets now and the first consumer group or
 * idempotent producer of a test does not meet "coordinator loading" errors.
 */
export async function waitForKafkaReady(brokers: string[], options: KafkaReadyOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const kafka = new Kafka({
    clientId: 'signalforge-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.isDead?.()) throw new Error('Kafka broker exited during startup');
    const admin = kafka.admin();
    try {
      await admin.connect();
      // Also loads the cluster's broker list, which the coordinator lookup below relies on.
      await admin.fetchTopicMetadata({ topics: [] });
      await admin.fetchOffsets({ groupId: 'signalforge-readiness', topics: [] });
      // An idempotent producer's first InitProducerId waits for the broker's producer-id block.
      const producer = kafka.producer({ idempotent: true, retry: { retries: 20, initialRetryTime: 100 } });
      await producer.connect();
      await producer.disconnect();
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(250);
  }
  throw new Error(
    `Kafka at ${brokers.join(',')} not ready in time: ${(lastError as Error | undefined)?.message ?? 'no answer'}`,
  );
}

export interface StartKafkaOptions {
  /** Per-instance folder; Kafka's data and logs go to `<stateDir>/kafka`. */
  stateDir: string;
  log?: Log;
  env?: NodeJS.ProcessEnv;
  tieToParent?: boolean;
  heapMb?: number;
  readyTimeoutMs?: number;
}

export interface RunningKafka {
  brokers: string[];
  version: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const BIND_ATTEMPTS = 3;

export async function startKafka(options: StartKafkaOptions): Promise<RunningKafka> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const java = requireJava(env);
  const install = await installKafka({ log, env });
  const dir = ensureDir(join(options.stateDir, 'kafka'));
  const serverLog = join(dir, 'server.log');
  const stdoutLog = join(dir, 'stdout.log');
  const log4jConfig = join(dir, 'log4j2.properties');
  writeFileSync(log4jConfig, renderLog4j2Properties(serverLog));
  const jvm = jvmOptions(options.heapMb ?? 512, log4jConfig, dir);

  for (let attempt = 1; ; attempt++) {
    const [brokerPort, controllerPort] = await pickFreePorts(2);
    const dataDir = join(dir, 'data');
    rmSync(dataDir, { recursive: true, force: true });
    const propsFile = join(dir, 'server.properties');
    writeFileSync(
      propsFile,
      renderServerProperties({ brokerPort: brokerPort!, controllerPort: controllerPort!, dataDir }),
    );
    await formatKafkaStorage(java, install, log4jConfig, propsFile);

    const proc: SupervisedProcess = spawnSupervised({
      command: java,
      args: kafkaServerArgs(jvm, install, propsFile),
      cwd: dir,
      env,
      logFile: stdoutLog,
      tieToParent: options.tieToParent,
    });
    const brokers = [`${LOOPBACK}:${brokerPort}`];
    try {
      await waitForKafkaReady(brokers, { timeoutMs: options.readyTimeoutMs, isDead: () => proc.hasExited() });
      return { brokers, version: install.version, pid: proc.pid, logFile: serverLog, stop: () => proc.stop() };
    } catch (err) {
      await proc.stop(2_000).catch(() => {});
      const logs = `${tail(stdoutLog)}\n${tail(serverLog)}`;
      const portTaken = /Address already in use|BindException/.test(logs);
      if (portTaken && attempt < BIND_ATTEMPTS) {
        log(`Kafka port ${brokerPort} or ${controllerPort} was taken meanwhile; retrying with new ports`);
        continue;
      }
      throw new Error(`${(err as Error).message}\n--- last Kafka log lines (${dir}) ---\n${logs}`);
    }
  }
}

export function kafkaInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  const version = readPomVersion(readFileSync(KAFKA_POM, 'utf8'));
  return existsSync(join(cacheRoot(env), 'kafka', version, '.complete'));
}
