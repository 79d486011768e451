import { S3Client } from '@aws-sdk/client-s3';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv } from '../../core/config/index.js';
import { onlineStoreFromEnv } from '../../core/online/index.js';
import { LexiconSentimentScorer } from '../../core/sentiment/index.js';
import { createSinkHandler, type KafkaBatchResponse } from './sink.js';
import { createLogger } from '../../core/observability/index.js';

// Built on first invocation rather than at import, so importing this module (CDK, tests) needs no env.
let sink: ((event: MSKEvent, context: Context) => Promise<KafkaBatchResponse>) | undefined;

function build(): NonNullable<typeof sink> {
  const lakeBucket = requiredEnv('LAKE_BUCKET');
  const topic = process.env.TOPIC ?? 'unknown';
  const logger = createLogger('ingest-sink', { topic });
  const metrics = new Metrics({ namespace: 'SignalForge', serviceName: 'ingest-sink', defaultDimensions: { topic } });
  const config = loadConfig();
  return createSinkHandler({
    config,
    onlineStore: onlineStoreFromEnv(config),
    s3: awsClient(S3Client),
    lakeBucket,
    deadLetterBucket: process.env.DEAD_LETTER_BUCKET || undefined,
    scorer: new LexiconSentimentScorer(),
    logger,
    metrics,
  });
}

export const handler = async (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
  sink ??= build();
  return sink(event, context);
};
