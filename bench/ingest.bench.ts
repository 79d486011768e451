// Ingest benchmark: replay -> kafkajs idempotent producer -> broker -> event-source runner -> sink handler
// -> Parquet in S3 (moto). Figures: end-to-end throughput, latency from each event's ingest stamp (set by the
// producer as it sends) to the moment its lake object is written, and the lake audit (lost, duplicated).
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { awsClientConfig } from '../core/aws/clients.js';
import { loadConfig } from '../core/config/index.js';
import { createKafka } from '../core/kafka/client.js';
import { auditLake } from '../core/lake/index.js';
import { connectEventProducer } from '../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../lambdas/ingest/replay-producer.js';
import { ensureIngestTopics, startLocalSink, waitForDrain } from '../local/event-source/index.js';
import { startLocalServices, type LocalServices } from '../local/services/index.js';

const EVENTS = Number(process.env.INGEST_BENCH_EVENTS ?? 100_000);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(log: (line: string) => void): Promise<Record<string, number | string | boolean | null | object>> {
  let services: LocalServices | undefined;
  if (!process.env.KAFKA_BROKERS || !process.env.AWS_ENDPOINT_URL) {
    log('starting local Kafka and moto');
    services = await startLocalServices({ log });
    Object.assign(process.env, services.env);
  }
  try {
    const config = loadConfig({ env: { ...process.env, SIGNALFORGE_ENV: 'local' } });
    const suffix = randomBytes(4).toString('hex');
    const namespace = `bench-${suffix}`;
    const kafka = createKafka(config, { clientId: namespace });
    const admin = kafka.admin();
    await admin.connect();
    const topics = await ensureIngestTopics(admin, config, namespace);
    const s3 = new S3Client(awsClientConfig());
    const bucket = `sf-bench-ingest-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    const latencies = new Float64Array(EVENTS * 2);
    let landed = 0;
    let lastWriteAt = 0;
    const groupId = `${namespace}-sink`;
    const batchSize = 5_000;
    const batchWindowMs = 100;
    const sink = await startLocalSink({
      config,
      kafka,
      lakeBucket: bucket,
      namespace,
      groupId,
      batchSize,
      batchWindowMs,
      partitionsConsumedConcurrently: 16,
      logger: new Logger({ serviceName: 'ingest-bench', logLevel: 'ERROR' }),
      onLakeWrite: ({ rows, writtenAtMs }) => {
        for (const row of rows) if (landed < latencies.length) latencies[landed++] = writtenAtMs - Date.parse(row.event.ingestTime);
        lastWriteAt = writtenAtMs;
      },
    });
    const producer = await connectEventProducer(kafka, { lanes: 4 });
    const options = { config, events: EVENTS, namespace };
    log(`replaying ${EVENTS} events into 4 topics (${topics.join(', ')})`);
    const started = Date.now();
    const report = await produceReplay(producer, { ...options, chunkSize: 5_000 });
    await producer.disconnect();
    log(`produced in ${report.durationMs} ms (${report.eventsPerSecond}/s); waiting for the sink to drain`);
    await waitForDrain(admin, groupId, topics, 300_000);
    const wallMs = lastWriteAt - started;
    await sink.stop();

    const audit = await auditLake(s3, bucket, config.ingest.lakePrefix);
    const expected = replayEventIds(options);
    const lost = [...expected].filter((id) => !audit.countsByEventId.has(id)).length;
    const duplicated = [...audit.countsByEventId.values()].reduce((a, n) => a + (n - 1), 0);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();

    const sorted = latencies.slice(0, Math.min(landed, latencies.length)).sort();
    return {
      events: EVENTS,
      events_per_s: Math.round((EVENTS / wallMs) * 1000),
      produce_events_per_s: report.eventsPerSecond,
      p50_latency_ms: Math.round(percentile(sorted, 50)),
      p99_latency_ms: Math.round(percentile(sorted, 99)),
      max_latency_ms: Math.round(sorted[sorted.length - 1] ?? NaN),
      latency_basis: 'ingestTime (stamped by the producer as it sends) -> lake object written; replayed event times are historical',
      lost,
      duplicated,
      lake_objects: audit.objects,
      lake_rows: audit.rows,
      batch_size: batchSize,
      batch_window_ms: batchWindowMs,
      wall_ms: wallMs,
      goal_events_per_s: 20_000,
      goal_p99_ms: 1_000,
    };
  } finally {
    await services?.stop();
  }
}
