import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { OnlineBarStore } from '../../core/online/index.js';
import type { CanaryStats, LiveMetricsSource, ModelRegistry } from '../../core/registry/index.js';
import { createApiGatewayHandler, type ApiGatewayHandler } from '../../lambdas/serving/inference/apigw.js';
import { createInferenceServiceFromEnv } from '../../lambdas/serving/inference/runtime.js';
import type { PredictionSink } from '../../lambdas/serving/inference/prediction-log.js';
import type { InferenceService } from '../../lambdas/serving/inference/service.js';
import { startLocalApi, type LocalApi } from '../http/server.js';

export interface SandboxApi {
  api: LocalApi;
  service: InferenceService;
  /** Serving counters as the canary bake's live metrics (CloudWatch's role in AWS). */
  liveMetrics: LiveMetricsSource;
  /** Publishes the run report at GET /report. */
  setReport(html: string): void;
}

/** Requests and errors the local service counted for one model version, over every alias it served under. */
export function statsFor(service: Pick<InferenceService, 'stats'>, key: string, version: number): CanaryStats {
  let requests = 0;
  let errors = 0;
  for (const [id, s] of Object.entries(service.stats())) {
    const [k, , v] = id.split('|');
    if (k === key && Number(v) === version) {
      requests += s.requests;
      errors += s.errors;
    }
  }
  return { requests, errors };
}

/** The inference routes plus GET /report; everything but /report goes to the handler API Gateway invokes. */
export function withReportRoute(inner: ApiGatewayHandler, report: () => string | undefined): ApiGatewayHandler {
  return async (event) => {
    if (event.path === '/report' && (event.httpMethod === 'GET' || event.httpMethod === 'HEAD')) {
      const html = report();
      if (html === undefined) {
        return {
          statusCode: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' },
          body: 'the run report is written once the pipeline has finished\n',
        };
      }
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        body: event.httpMethod === 'HEAD' ? '' : html,
      };
    }
    return inner(event);
  };
}

/**
 * Starts serving before training, as the deployed API runs before a retrain: /health answers 503 until
 * the first model is promoted, and the canary bake judges the traffic this server counts.
 */
export async function startSandboxApi(input: {
  config: SignalForgeConfig;
  registry: ModelRegistry;
  s3: S3Client;
  port: number;
  onlineStore?: OnlineBarStore;
  onPrediction?: PredictionSink;
}): Promise<SandboxApi> {
  const service = createInferenceServiceFromEnv({
    config: input.config,
    ...(input.onlineStore ? { onlineStore: input.onlineStore } : {}),
    registry: input.registry,
    s3: input.s3,
    ...(input.onPrediction ? { onPrediction: input.onPrediction } : {}),
    // The sandbox prints its own progress; the service's per-request logs would drown it.
    log: (level, message, fields) => {
      if (level === 'error')
        process.stderr.write(`inference error: ${message} ${fields ? JSON.stringify(fields) : ''}\n`);
    },
  });
  let html: string | undefined;
  const handler = withReportRoute(createApiGatewayHandler(service), () => html);
  const api = await startLocalApi({ handler, port: input.port, host: '127.0.0.1' });
  return {
    api,
    service,
    liveMetrics: { canaryStats: async (key, version) => statsFor(service, key, version) },
    setReport(next) {
      html = next;
    },
  };
}
