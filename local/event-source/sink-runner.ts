import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Kafka } from 'kafkajs';
import { awsClientConfig } from '../../core/aws/clients.js';
import { commaList, TOPIC_NAMES, type SignalForgeConfig } from '../../core/config/index.js';
import { physicalTopic } from '../../core/events/index.js';
import { createKafka } from '../../core/kafka/client.js';
import type { OnlineBarStore } from '../../core/online/index.js';
import { LexiconSentimentScorer } from '../../core/sentiment/index.js';
import { createSinkHandler, type LakeWrite } from '../../lambdas/ingest/sink.js';
import { startEventSourceRunner, type EventSourceRunner } from './runner.js';

export interface LocalSinkOptions {
  config: SignalForgeConfig;
  lakeBucket: string;
  deadLetterBucket?: string;
  /** Topic namespace (`<namespace>.market-data`), for several pipelines on one broker. */
  namespace?: string;
  kafka?: Kafka;
  brokers?: string[];
  groupId?: string;
  batchSize?: number;
  batchWindowMs?: number;
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  s3?: S3Client;
  logger?: Logger;
  metrics?: Metrics;
  onLakeWrite?: (write: LakeWrite) => void;
  /** The online bar store the deployed market-data sink keeps (ONLINE_STORE_TABLE). */
  onlineStore?: Pick<OnlineBarStore, 'update' | 'trailingBars'>;
}

/**
 * The sink Lambda as it runs locally: the deployed handler factory (createSinkHandler), fed by the
 * event-source runner with the batch size and window from config (overridable), over all four topics.
 */
export async function startLocalSink(options: LocalSinkOptions): Promise<EventSourceRunner> {
  const { config } = options;
  const kafka = options.kafka ?? createKafka(config, { brokers: options.brokers });
  const brokers = options.brokers ?? commaList(process.env.KAFKA_BROKERS);
  const handler = createSinkHandler({
    config,
    s3: options.s3 ?? new S3Client(awsClientConfig()),
    lakeBucket: options.lakeBucket,
    deadLetterBucket: options.deadLetterBucket,
    scorer: new LexiconSentimentScorer(),
    logger: options.logger ?? new Logger({ serviceName: 'ingest-sink-local', logLevel: 'WARN' }),
    metrics: options.metrics,
    onLakeWrite: options.onLakeWrite,
    onlineStore: options.onlineStore,
  });
  const groupId = options.groupId ?? `${config.envName}-ingest-sink${options.namespace ? `-${options.namespace}` : ''}`;
  return startEventSourceRunner({
    kafka,
    groupId,
    topics: TOPIC_NAMES.map((t) => physicalTopic(t, options.namespace)),
    handler,
    batchSize: options.batchSize ?? config.ingest.batchSize,
    batchWindowMs: options.batchWindowMs ?? config.ingest.batchWindowSeconds * 1000,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    source: {
      eventSourceArn: `arn:aws:kafka:${config.region}:000000000000:cluster/${config.envName}-local/${groupId}`,
      bootstrapServers: brokers.join(','),
    },
    functionName: `${config.envName}-ingest-sink`,
    sessionTimeoutMs: options.sessionTimeoutMs,
    log: (level, message, extra) =>
      process.stderr.write(`event-source ${level}: ${message} ${extra ? JSON.stringify(extra) : ''}\n`),
  });
}
