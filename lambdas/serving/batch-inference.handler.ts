import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../core/aws/clients.js';
import { loadConfig } from '../../core/config/index.js';
import { runBatchInference, type BatchSummary } from './batch/batch-inference.js';
import { createInferenceServiceFromEnv } from './inference/runtime.js';

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge-batch-inference' });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** EventBridge Scheduler (daily): score every config on the latest lake bars; results go to the lake bucket under predictions/batch/. */
export const handler = async (): Promise<BatchSummary> => {
  const config = loadConfig();
  const s3 = new S3Client(awsClientConfig());
  const service = createInferenceServiceFromEnv({ config, s3, log: (level, message, fields) => logger[level](message, fields ?? {}) });
  const lakeBucket = required('LAKE_BUCKET');
  const summary = await runBatchInference({ config, service, s3, lakeBucket, outputBucket: lakeBucket });
  logger.info('batch inference finished', { ...summary });
  return summary;
};
