import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { awsClient } from '../aws/clients.js';

/**
 * Live serving metrics the canary bake judges. Serving emits per request, in namespace `SignalForge`,
 * `Predictions` and `PredictionErrors` (Count) with dimension ModelKey plus either ModelVersion (the
 * version served) or Alias (`canary`/`production`); other dimensions (Powertools' `service`) may be
 * present. The reader discovers the series with ListMetrics, so the exact dimension set may vary.
 */
export const SERVING_METRICS = {
  namespace: 'SignalForge',
  /** Count of predictions served. */
  predictions: 'Predictions',
  /** Count of failed predictions (5xx, model errors, non-finite outputs). */
  predictionErrors: 'PredictionErrors',
  /** Count of prediction log records that could not be written (alarmed: a lost record is never silent). */
  predictionLogLost: 'PredictionLogLost',
  dimensions: { modelKey: 'ModelKey', modelVersion: 'ModelVersion', alias: 'Alias' },
} as const;

export interface CanaryStats {
  requests: number;
  errors: number;
}

export interface LiveMetricsSource {
  canaryStats(key: string, version: number, since: Date, until: Date): Promise<CanaryStats>;
}

type Dimensions = { Name: string; Value: string }[];

/**
 * Reads SERVING_METRICS from CloudWatch (moto locally): the series tagged with the canary's version, or,
 * when serving tags by alias only, the `canary` alias series (the bake verifies the alias did not move).
 */
export class CloudWatchLiveMetrics implements LiveMetricsSource {
  private readonly client: CloudWatchClient;
  private readonly namespace: string;

  /** `namespace` defaults to SERVING_METRICS.namespace; tests sharing one emulator use their own. */
  constructor(options: { client?: CloudWatchClient; namespace?: string } = {}) {
    this.client = options.client ?? awsClient(CloudWatchClient);
    this.namespace = options.namespace ?? SERVING_METRICS.namespace;
  }

  async canaryStats(key: string, version: number, since: Date, until: Date): Promise<CanaryStats> {
    const d = SERVING_METRICS.dimensions;
    let series = await this.series(SERVING_METRICS.predictions, [
      { Name: d.modelKey, Value: key },
      { Name: d.modelVersion, Value: String(version) },
    ]);
    if (series.length === 0)
      series = await this.series(SERVING_METRICS.predictions, [
        { Name: d.modelKey, Value: key },
        { Name: d.alias, Value: 'canary' },
      ]);
    let requests = 0;
    let errors = 0;
    for (const dims of series) {
      const [r, e] = await Promise.all([
        this.sum(SERVING_METRICS.predictions, dims, since, until),
        this.sum(SERVING_METRICS.predictionErrors, dims, since, until),
      ]);
      requests += r;
      errors += e;
    }
    return { requests, errors };
  }

  private async series(metric: string, filter: Dimensions): Promise<Dimensions[]> {
    const out: Dimensions[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListMetricsCommand({ Namespace: this.namespace, MetricName: metric, Dimensions: filter, NextToken: token }),
      );
      for (const m of res.Metrics ?? [])
        out.push((m.Dimensions ?? []).map((x) => ({ Name: x.Name!, Value: x.Value! })));
      token = res.NextToken;
    } while (token);
    return out;
  }

  private async sum(metric: string, dimensions: Dimensions, since: Date, until: Date): Promise<number> {
    // Whole minutes either side: CloudWatch buckets by period, and the canary's first minute counts.
    const start = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
    const end = new Date(Math.ceil(until.getTime() / 60_000) * 60_000 + 60_000);
    const res = await this.client.send(
      new GetMetricStatisticsCommand({
        Namespace: this.namespace,
        MetricName: metric,
        Dimensions: dimensions,
        StartTime: start,
        EndTime: end,
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    return (res.Datapoints ?? []).reduce((acc, p) => acc + (p.Sum ?? 0), 0);
  }
}
