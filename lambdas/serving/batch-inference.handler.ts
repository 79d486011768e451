import { S3Client } from '@aws-sdk/client-s3';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv } from '../../core/config/index.js';
import { runBatchInference, type BatchSummary } from './batch/batch-inference.js';
import { createInferenceServiceFromEnv } from './inference/runtime.js';
import { createLogger, observed } from '../../core/observability/index.js';

const logger = createLogger('signalforge-batch-inference');

/**
 * EventBridge Scheduler (daily): score every config on the latest lake bars; results go to the lake bucket under
 * predictions/batch/.
 */
export const handler = observed({ logger }, async (): Promise<BatchSummary> => {
  const config = loadConfig();
  const s3 = awsClient(S3Client);
  const service = createInferenceServiceFromEnv({
    config,
    s3,
    log: (level, message, fields) => logger[level](message, fields ?? {}),
  });
  const lakeBucket = requiredEnv('LAKE_BUCKET');
  const summary = await runBatchInference({ config, service, s3, lakeBucket, outputBucket: lakeBucket });
  logger.info('batch inference finished', { ...summary });
  return summary;
});
