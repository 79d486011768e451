import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, modelConfigKeys, requiredEnv } from '../../core/config/index.js';
import { createLogger, observed } from '../../core/observability/index.js';
import type { LiveQuality } from '../../core/live/index.js';
import { LiveQualityStore, registryFromEnv } from '../../core/registry/index.js';
import { startRetrain } from '../training/start-retrain.js';
import { createArtifactReader } from './inference/model-input.js';
import { checkDegradation, checkNewData } from './live/triggers.js';
import { runOutcomeJoin } from './outcomes/join-task.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge-live-loop';
const logger = createLogger(serviceName);
const metrics = new Metrics({ namespace: 'SignalForge', serviceName });

/** Names the dashboard's live widgets read (lib/monitoring). */
export const LIVE_METRICS = {
  accuracy: 'LiveDirectionalAccuracy',
  netPnl: 'LiveNetPnl',
  mse: 'LiveMse',
  samples: 'LiveSamples',
} as const;

/** One EMF document per version and variant: realised directional accuracy, net PnL, MSE over the rolling window. */
export function emitLiveQuality(q: LiveQuality, sink: Metrics = metrics): void {
  const single = sink.singleMetric();
  single.addDimensions({ ModelKey: q.key, ModelVersion: String(q.version), Variant: q.variant });
  single.addMetric(LIVE_METRICS.accuracy, MetricUnit.NoUnit, q.directionalAccuracy);
  single.addMetric(LIVE_METRICS.netPnl, MetricUnit.NoUnit, q.netPnl);
  single.addMetric(LIVE_METRICS.mse, MetricUnit.NoUnit, q.mse);
  single.addMetric(LIVE_METRICS.samples, MetricUnit.Count, q.samples);
}

/**
 * EventBridge Scheduler (hourly): joins logged predictions with realised bars, publishes live metrics,
 * then runs the `degradation` and `new-data` triggers through the same retrain entry as schedule and drift.
 */
export const handler = observed({ logger }, async () => {
  const config = loadConfig();
  const s3 = awsClient(S3Client);
  const lakeBucket = requiredEnv('LAKE_BUCKET');
  const registry = registryFromEnv();
  const keys = modelConfigKeys(config).map((k) => k.key);
  const joins = await runOutcomeJoin(
    {
      config,
      s3,
      lakeBucket,
      liveQuality: new LiveQualityStore({ tableName: registry.tableName }),
      emit: (q) => emitLiveQuality(q),
    },
    keys,
  );
  const sfn = awsClient(SFNClient);
  const stateMachineArn = requiredEnv('RETRAIN_STATE_MACHINE_ARN');
  const triggerDeps = {
    config,
    s3,
    lakeBucket,
    registry,
    readArtifact: createArtifactReader(s3),
    startRetrain: (input: Parameters<typeof startRetrain>[0]) => startRetrain(input, { client: sfn, stateMachineArn }),
  };
  const degradation = await checkDegradation(triggerDeps, keys);
  const newData = await checkNewData(triggerDeps, keys);
  metrics.addMetric(
    'OutcomesJoined',
    MetricUnit.Count,
    joins.reduce((s, j) => s + j.joined, 0),
  );
  metrics.addMetric(
    'PredictionLogInvalidLines',
    MetricUnit.Count,
    joins.reduce((s, j) => s + j.invalidLines, 0),
  );
  metrics.publishStoredMetrics();
  logger.info('live loop finished', {
    joined: joins.map((j) => ({ key: j.key, joined: j.joined, pending: j.pending })),
    degradation,
    newData,
  });
  return { joins: joins.map(({ quality: _q, ...rest }) => rest), degradation, newData };
});
