import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClient } from '../../core/aws/clients.js';
import { loadConfig, requiredEnv } from '../../core/config/index.js';
import { startRetrain } from '../training/start-retrain.js';
import { runDriftCheck, type ConfigDrift, type DriftReport } from './drift/drift-check.js';
import { createInferenceServiceFromEnv } from './inference/runtime.js';
import { createLogger, observed } from '../../core/observability/index.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge-drift';
const logger = createLogger(serviceName);
const metrics = new Metrics({ namespace: 'SignalForge', serviceName });

/** Per-config PSI as metrics, so a CloudWatch alarm can watch drift as well as this function acting on it. */
function emitConfigMetrics(c: ConfigDrift): void {
  if (c.status !== 'checked') return;
  const single = metrics.singleMetric();
  single.addDimensions({ ModelKey: c.key });
  if (c.featurePsiMax !== null) single.addMetric('FeaturePsiMax', MetricUnit.NoUnit, c.featurePsiMax);
  if (c.predictionPsi !== null) single.addMetric('PredictionPsi', MetricUnit.NoUnit, c.predictionPsi);
}

/** EventBridge Scheduler (every 4 h by default): PSI of live features and predictions against each model's baseline. */
export const handler = observed({ logger }, async (): Promise<DriftReport> => {
  const config = loadConfig();
  const s3 = awsClient(S3Client);
  const service = createInferenceServiceFromEnv({
    config,
    s3,
    log: (level, message, fields) => logger[level](message, fields ?? {}),
  });
  const sfn = awsClient(SFNClient);
  const stateMachineArn = requiredEnv('RETRAIN_STATE_MACHINE_ARN');
  const report = await runDriftCheck({
    config,
    service,
    s3,
    lakeBucket: requiredEnv('LAKE_BUCKET'),
    startRetrain: (input) => startRetrain(input, { client: sfn, stateMachineArn }),
    onConfig: emitConfigMetrics,
  });
  metrics.addMetric('ConfigsChecked', MetricUnit.Count, report.configs.filter((c) => c.status === 'checked').length);
  metrics.addMetric('ConfigsDrifted', MetricUnit.Count, report.drifted.length);
  metrics.publishStoredMetrics();
  logger.info('drift check finished', {
    drifted: report.drifted,
    retrain: report.retrain,
    threshold: report.threshold,
  });
  return report;
});
