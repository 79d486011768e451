import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { SERVING_METRICS } from '../../core/registry/live-metrics.js';
import { createApiGatewayHandler } from './inference/apigw.js';
import { logLineSink } from './inference/prediction-log.js';
import { createInferenceServiceFromEnv } from './inference/runtime.js';
import type { InferenceService, PredictionOutcome } from './inference/service.js';
import { createLogger, observed } from '../../core/observability/index.js';

const logger = createLogger('signalforge-inference');
const metrics = new Metrics({
  namespace: SERVING_METRICS.namespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge-inference',
});
const dim = SERVING_METRICS.dimensions;

/**
 * Per version and alias: the retrain state machine's canary bake reads these (core/registry/live-metrics.ts).
 * Published per outcome (one EMF line each), because a request whose canary fails to load records two
 * outcomes (the canary's error, then production's answer) that must not share dimensions.
 */
export function recordOutcome(o: PredictionOutcome, sink: Metrics = metrics): void {
  sink.addDimensions({ [dim.modelKey]: o.key, [dim.alias]: o.alias, [dim.modelVersion]: String(o.version) });
  sink.addMetric(SERVING_METRICS.predictions, MetricUnit.Count, 1);
  sink.addMetric(SERVING_METRICS.predictionErrors, MetricUnit.Count, o.ok ? 0 : 1);
  sink.addMetric('ModelLatency', MetricUnit.Milliseconds, o.latencyMs);
  sink.publishStoredMetrics();
}

// Built once per container, outside the handler, so sessions and alias lookups survive across invocations.
let service: InferenceService | undefined;
const getService = async (): Promise<InferenceService> =>
  (service ??= createInferenceServiceFromEnv({
    log: (level, message, fields) => logger[level](message, fields ?? {}),
    onOutcome: (o) => recordOutcome(o),
    // The prediction log travels as a log line (subscription -> Firehose -> lake); a line that cannot be written is
    // counted and alarmed.
    onPrediction: logLineSink(undefined, (err) => {
      logger.error('prediction log record lost', { error: String(err) });
      metrics.addMetric(SERVING_METRICS.predictionLogLost, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }),
  }));

// Context and the API request id on every log line; no per-request subsegment on the hot path.
export const handler: (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult> = observed(
  {
    logger,
    subsegment: false,
    correlation: (event: APIGatewayProxyEvent) => ({ requestId: event.requestContext?.requestId }),
  },
  createApiGatewayHandler(getService),
);
