import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { SignalForgeConfig, TopicName } from '../../core/config/index.js';
import type { OnlineBarStore } from '../../core/online/index.js';
import { getObjectBytes, listKeys, listLakeObjects, readLakeEvents } from '../../core/lake/index.js';
import { listQuarantine, readQuarantineEntry } from '../../core/quality/index.js';
import { connectEventProducer } from '../../lambdas/ingest/producer.js';
import { produceReplay, type ReplayReport } from '../replay/replay-producer.js';
import type { BarSeriesModel } from '../replay/replay.js';
import { startLocalSink, waitForDrain } from '../event-source/index.js';
import type { SandboxResources } from './resources.js';

export interface IngestFigures {
  replay: ReplayReport;
  /** Distinct events readable back from the lake. */
  eventsIngested: number;
  eventsByTopic: Partial<Record<TopicName, number>>;
  lakeObjects: number;
  deadLetters: { reason: string; count: number }[];
  dlqRecords: number;
  /** Implausible records the sink quarantined, by plausibility rule. */
  quarantine: { reason: string; count: number }[];
  quarantinedRecords: number;
  /** Records the sink runner handed to the handler, retries included. */
  recordsDelivered: number;
  invocations: number;
}

export interface IngestProgress {
  produced(sent: number, total: number): void;
  landed(events: number): void;
}

export interface RunIngestInput {
  config: SignalForgeConfig;
  /** The online bar store the sink keeps after each lake write. */
  onlineStore?: OnlineBarStore;
  kafka: Kafka;
  brokers: string[];
  s3: S3Client;
  resources: SandboxResources;
  events: number;
  poison: number;
  /** Well-formed but implausible records (core/quality), sent after the events. */
  implausible?: number;
  seed?: number;
  /** Generating model of every bar series (a scenario); today's data when absent. */
  barModel?: BarSeriesModel;
  /** Give up when the sink's lag has not shrunk for this long (default 2 minutes). */
  drainStallMs?: number;
  progress?: IngestProgress;
  /** Called with the running sink so the caller can stop it on an interrupt. */
  onSinkStarted?: (stop: () => Promise<void>) => void;
}

/**
 * The sandbox's sink: the deployed sink handler behind the local event-source runner, in the sandbox's one consumer
 * group, keeping the online store after each lake write. The ingest stage and the live phase both land through it.
 */
export async function startSandboxSink(
  input: Pick<RunIngestInput, 'config' | 'resources' | 'kafka' | 'brokers' | 's3' | 'onlineStore'>,
  onLakeWrite?: Parameters<typeof startLocalSink>[0]['onLakeWrite'],
): Promise<{ sink: Awaited<ReturnType<typeof startLocalSink>>; groupId: string }> {
  const { config, resources } = input;
  const groupId = `${config.envName}-ingest-sink${resources.namespace ? `-${resources.namespace}` : ''}`;
  const sink = await startLocalSink({
    config,
    lakeBucket: resources.lakeBucket,
    namespace: resources.namespace,
    kafka: input.kafka,
    brokers: input.brokers,
    groupId,
    s3: input.s3,
    ...(input.onlineStore ? { onlineStore: input.onlineStore } : {}),
    ...(onLakeWrite ? { onLakeWrite } : {}),
  });
  return { sink, groupId };
}

/**
 * Replay -> Kafka -> local event-source runner -> the deployed sink handler -> S3 lake. The sink runs
 * while the replay produces (as in AWS); the stage ends when the sink's consumer group has committed
 * every record, and then counts what actually landed rather than what was sent.
 */
export async function runIngest(input: RunIngestInput): Promise<IngestFigures> {
  const { config, resources } = input;
  const landed = new Set<string>();
  const { sink, groupId } = await startSandboxSink(input, (write) => {
    for (const row of write.rows) landed.add(row.event.eventId);
    input.progress?.landed(landed.size);
  });
  let sinkStopped = false;
  const stopSink = async () => {
    if (sinkStopped) return;
    sinkStopped = true;
    await sink.stop();
  };
  input.onSinkStarted?.(stopSink);
  const admin = input.kafka.admin();
  await admin.connect();
  try {
    const producer = await connectEventProducer(input.kafka);
    const total = input.events + input.poison + (input.implausible ?? 0);
    let replay: ReplayReport;
    try {
      replay = await produceReplay(producer, {
        config,
        events: input.events,
        poison: input.poison,
        implausible: input.implausible ?? 0,
        seed: input.seed ?? 42,
        ...(input.barModel ? { barModel: input.barModel } : {}),
        namespace: resources.namespace,
        chunkSize: 1_000,
        onProgress: (sent) => input.progress?.produced(sent, total),
      });
    } finally {
      await producer.disconnect();
    }
    await waitForDrain(admin, groupId, Object.values(resources.topics), input.drainStallMs ?? 120_000);
    const stats = sink.stats;
    await stopSink();
    return {
      replay,
      ...(await countLanded(config, input.s3, resources)),
      recordsDelivered: stats.recordsDelivered,
      invocations: stats.invocations,
    };
  } finally {
    await stopSink().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** What the lake and the dead-letter prefix hold now, read back from S3. */
export async function countLanded(config: SignalForgeConfig, s3: S3Client, resources: SandboxResources) {
  const objects = await listLakeObjects(s3, resources.lakeBucket, config.ingest.lakePrefix);
  const events = await readLakeEvents(
    s3,
    resources.lakeBucket,
    objects.map((o) => o.key),
  );
  const ids = new Set<string>();
  const eventsByTopic: Partial<Record<TopicName, number>> = {};
  const topicOfType: Record<string, TopicName> = {
    'market-bar': 'market-data',
    news: 'financial-news',
    'social-post': 'social-sentiment',
    filing: 'regulatory-filings',
  };
  for (const e of events) {
    if (ids.has(e.eventId)) continue;
    ids.add(e.eventId);
    const topic = topicOfType[e.type];
    if (topic) eventsByTopic[topic] = (eventsByTopic[topic] ?? 0) + 1;
  }
  const letterKeys = (await listKeys(s3, resources.lakeBucket, `${config.ingest.deadLetterPrefix}/`)).filter((k) =>
    k.key.endsWith('.json'),
  );
  const reasons = new Map<string, number>();
  for (const { key } of letterKeys) {
    const bytes = await getObjectBytes(s3, resources.lakeBucket, key);
    let reason = 'unknown';
    try {
      reason = String(
        (JSON.parse(Buffer.from(bytes ?? new Uint8Array()).toString('utf8')) as { reason?: unknown }).reason ??
          'unknown',
      );
    } catch {
      // An unreadable letter still counts as one dead-lettered record.
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const quarantined = await listQuarantine(s3, resources.lakeBucket, config.quality.quarantinePrefix);
  const rules = new Map<string, number>();
  for (const { key } of quarantined) {
    const rule = (await readQuarantineEntry(s3, resources.lakeBucket, key).catch(() => undefined))?.rule ?? 'unknown';
    rules.set(rule, (rules.get(rule) ?? 0) + 1);
  }
  return {
    eventsIngested: ids.size,
    eventsByTopic,
    lakeObjects: objects.length,
    deadLetters: [...reasons].map(([reason, count]) => ({ reason, count })),
    dlqRecords: letterKeys.length,
    quarantine: [...rules].map(([reason, count]) => ({ reason, count })),
    quarantinedRecords: quarantined.length,
  };
}
