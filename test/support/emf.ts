/** One CloudWatch embedded-metric-format line as Powertools Metrics writes it: the envelope, then the values. */
export interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[];
  };
  /** Dimension values and metric values, by name. */
  [field: string]: unknown;
}

/** The EMF records among lines a test captured from stdout (other log lines are left out). */
export function emfRecords(lines: readonly string[]): EmfRecord[] {
  return lines.filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as EmfRecord);
}
