import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EventSourceRunnerStats } from './runner.js';

export interface SinkProcessOptions {
  lakeBucket: string;
  namespace?: string;
  groupId: string;
  batchSize?: number;
  batchWindowMs?: number;
  partitionsConsumedConcurrently?: number;
  /** Send each written row's latency (lake write time minus its ingestTime) back to the parent. */
  reportLatencies?: boolean;
  reportEveryMs?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Extra Node flags for the sink process, e.g. `--cpu-prof` to profile it. */
  nodeFlags?: string[];
  /**
   * `memory`: the lake writer writes to an in-process store (memory-s3.ts) instead of S3, to measure the pipeline
   * without the emulator.
   */
  lakeStore?: 's3' | 'memory';
}

/** What an in-memory lake held when the sink stopped: the bench audits it, as the process's memory goes with it. */
export interface MemoryLakeAudit {
  objects: number;
  /** The eventId of every row, copies included. */
  eventIds: string[];
}

export type SinkProcessMessage =
  | { kind: 'joined'; cpuMs: number }
  | { kind: 'writes'; rows: number; writtenAtMs: number; latenciesMs: number[] }
  | { kind: 'stopped'; stats: EventSourceRunnerStats; cpuMs: number; memoryLake?: MemoryLakeAudit };

export interface SinkProcess {
  readonly child: ChildProcess;
  /** Resolves once the sink's consumer has joined its group. */
  readonly joined: Promise<void>;
  /** Stops the sink; resolves with its runner stats and the CPU time (ms) it used after joining its group. */
  stop(): Promise<{ stats: EventSourceRunnerStats; cpuMs: number; memoryLake?: MemoryLakeAudit } | undefined>;
}

const ENTRY = fileURLToPath(new URL('./sink-process.main.ts', import.meta.url));

/**
 * Runs the local sink in a child Node process (env: KAFKA_BROKERS, AWS_ENDPOINT_URL etc. are inherited),
 * so it has a core of its own, as the deployed Lambda would, instead of sharing the caller's event loop.
 */
export function spawnSinkProcess(
  options: SinkProcessOptions,
  onWrites?: (w: Extract<SinkProcessMessage, { kind: 'writes' }>) => void,
): SinkProcess {
  const child = fork(ENTRY, [], {
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
    env: { ...process.env, SIGNALFORGE_SINK_PROCESS_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let joinedCpuMs = 0;
  let stopped: { stats: EventSourceRunnerStats; cpuMs: number; memoryLake?: MemoryLakeAudit } | undefined;
  const joined = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`sink process exited before joining its group (code ${code}, signal ${signal})`)),
    );
    child.on('message', (message: SinkProcessMessage) => {
      if (message.kind === 'joined') {
        joinedCpuMs = message.cpuMs;
        resolve();
      } else if (message.kind === 'writes') onWrites?.(message);
      else if (message.kind === 'stopped')
        stopped = {
          stats: message.stats,
          cpuMs: message.cpuMs - joinedCpuMs,
          ...(message.memoryLake ? { memoryLake: message.memoryLake } : {}),
        };
    });
  });
  joined.catch(() => undefined);
  return {
    child,
    joined,
    async stop() {
      if (child.exitCode === null && child.connected) child.send({ kind: 'stop' });
      const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timeout);
      return stopped;
    },
  };
}
