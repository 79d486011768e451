import type { S3Client } from '@aws-sdk/client-s3';
import { TOPIC_NAMES, type SignalForgeConfig } from '../../core/config/index.js';
import { compactLake, type CompactionReport } from '../../core/lake/index.js';

/**
 * The scheduled lake compaction (lambdas/lake/compaction.handler.ts runs the same compactLake), run once the
 * sandbox's ingest has drained and its sink stopped. Nothing writes today's day any more, so the clock is
 * set one day and the grace ahead to close it; the retrain that follows then reads day objects.
 */
export async function compactSandboxLake(
  config: SignalForgeConfig,
  s3: S3Client,
  lakeBucket: string,
  now = new Date(),
): Promise<{ value: CompactionReport; summary: string }> {
  const closeToday = new Date(now.getTime() + 86_400_000 + config.ingest.compactionGraceHours * 3_600_000);
  const report = await compactLake(s3, lakeBucket, {
    lakePrefix: config.ingest.lakePrefix,
    topics: TOPIC_NAMES,
    graceHours: config.ingest.compactionGraceHours,
    now: closeToday,
  });
  return {
    value: report,
    summary: `${report.objectsDeleted} batch objects into ${report.objectsWritten} topic/symbol/day objects (${report.rowsWritten} rows, ${report.days.length} topic-days)`,
  };
}
