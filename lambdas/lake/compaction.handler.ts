import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv, TOPIC_NAMES } from '../../core/config/index.js';
import { compactLake, type CompactionReport } from '../../core/lake/index.js';

const logger = new Logger({ serviceName: 'lake-compaction' });

/** Scheduled (lib/ingest): rewrites closed lake days into one object per topic/symbol/day. */
export const handler = async (): Promise<Omit<CompactionReport, 'days'> & { days: number }> => {
  const lakeBucket = requiredEnv('LAKE_BUCKET');
  const config = loadConfig();
  const report = await compactLake(awsClient(S3Client), lakeBucket, {
    lakePrefix: config.ingest.lakePrefix,
    topics: TOPIC_NAMES,
    graceHours: config.ingest.compactionGraceHours,
    now: new Date(),
  });
  logger.info('lake compacted', { ...report, days: report.days.slice(0, 50) });
  return { ...report, days: report.days.length };
};
