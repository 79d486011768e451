import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Records the sink kept out of the lake, by logical topic, kind and reason (dead-letter reason or plausibility rule).
 */
export interface Rejection {
  topic: string;
  kind: 'dead-letter' | 'quarantine';
  reason: string;
}

export const REJECTION_METRIC: Record<Rejection['kind'], string> = {
  'dead-letter': 'DeadLetteredByReason',
  quarantine: 'QuarantinedByReason',
};

/**
 * One EMF metric per (topic, kind, reason): a single-metric flush carries its own `topic` and `reason`
 * dimensions, which the handler's stored metrics (one dimension set per invocation) cannot.
 */
export function emitRejectionMetrics(metrics: Metrics, rejections: readonly Rejection[]): void {
  const counts = new Map<string, { r: Rejection; n: number }>();
  for (const r of rejections) {
    const id = `${r.topic}\u0000${r.kind}\u0000${r.reason}`;
    const entry = counts.get(id);
    if (entry) entry.n += 1;
    else counts.set(id, { r, n: 1 });
  }
  for (const { r, n } of counts.values()) {
    const single = metrics.singleMetric();
    // Exactly {topic, reason}: the handler's default dimensions (service, its own topic) would clash with these.
    single.clearDefaultDimensions();
    single.addDimensions({ topic: r.topic, reason: r.reason });
    single.addMetric(REJECTION_METRIC[r.kind], MetricUnit.Count, n);
  }
}
