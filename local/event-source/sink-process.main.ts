// Child-process entry for spawnSinkProcess: the local sink (deployed handler + event-source runner) in a
// process of its own, as the Lambda runs apart from the producers. It reports over IPC when it has joined
// its consumer group, and, every `reportEveryMs`, the lake writes since the last report.
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../../core/config/index.js';
import type { LakeWrite } from '../../lambdas/ingest/sink.js';
import type { SinkProcessMessage, SinkProcessOptions } from './sink-process.js';
import { auditLake } from '../../core/lake/index.js';
import { memoryS3Client } from './memory-s3.js';
import { startLocalSink } from './sink-runner.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const options = JSON.parse(process.env.SIGNALFORGE_SINK_PROCESS_OPTIONS ?? '{}') as SinkProcessOptions;
const send = (message: SinkProcessMessage) => process.send?.(message);

let pending: { rows: number; writtenAtMs: number; latenciesMs: number[] } = {
  rows: 0,
  writtenAtMs: 0,
  latenciesMs: [],
};
const flush = () => {
  if (pending.rows === 0) return;
  send({ kind: 'writes', ...pending });
  pending = { rows: 0, writtenAtMs: 0, latenciesMs: [] };
};

const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: process.env.SIGNALFORGE_ENV ?? 'local' } });
const memoryS3 = options.lakeStore === 'memory' ? memoryS3Client() : undefined;
const runner = await startLocalSink({
  config,
  s3: memoryS3,
  lakeBucket: options.lakeBucket,
  namespace: options.namespace,
  groupId: options.groupId,
  batchSize: options.batchSize,
  batchWindowMs: options.batchWindowMs,
  partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
  logger: new Logger({ serviceName: 'ingest-sink-process', logLevel: options.logLevel ?? 'WARN' }),
  onLakeWrite: ({ rows, writtenAtMs }: LakeWrite) => {
    pending.rows += rows.length;
    pending.writtenAtMs = Math.max(pending.writtenAtMs, writtenAtMs);
    if (options.reportLatencies)
      for (const row of rows) pending.latenciesMs.push(writtenAtMs - Date.parse(row.event.ingestTime));
  },
});
const timer = setInterval(flush, options.reportEveryMs ?? 200);
await runner.joined;
send({ kind: 'joined', cpuMs: cpuMs() });

process.on('message', (message: { kind?: string }) => {
  if (message?.kind !== 'stop') return;
  clearInterval(timer);
  void runner.stop().then(async () => {
    flush();
    const cpu = cpuMs();
    const audit = memoryS3 ? await auditLake(memoryS3, options.lakeBucket, config.ingest.lakePrefix) : undefined;
    const memoryLake = audit
      ? { objects: audit.objects, eventIds: [...audit.countsByEventId].flatMap(([id, n]) => Array<string>(n).fill(id)) }
      : undefined;
    // Keep-alive S3 sockets would hold the process open; leave once the parent has the stats.
    process.send?.(
      {
        kind: 'stopped',
        stats: runner.stats,
        cpuMs: cpu,
        ...(memoryLake ? { memoryLake } : {}),
      } satisfies SinkProcessMessage,
      () => process.exit(0),
    );
  });
});
