/**
 * Resource names shared by SignalForge handlers (names from the shared contract). The config is not
 * here: SignalForgeFunction bundles it into the asset (lib/constructs/deployed-config.ts).
 */
export function runtimeEnvironment(
  resources: Partial<
    Record<
      | 'LAKE_BUCKET'
      | 'ARTIFACT_BUCKET'
      | 'REGISTRY_TABLE'
      | 'MSK_CLUSTER_ARN'
      | 'ALERT_TOPIC_ARN'
      | 'RETRAIN_STATE_MACHINE_ARN',
      string
    >
  >,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(resources)) if (value !== undefined) env[key] = value;
  return env;
}

/** Producer sources and the config keys and topics they map to. */
export const PRODUCER_SOURCES = [
  { source: 'market-data', scheduleKey: 'marketData', topic: 'market-data', id: 'MarketData' },
  { source: 'news', scheduleKey: 'news', topic: 'financial-news', id: 'News' },
  { source: 'social', scheduleKey: 'social', topic: 'social-sentiment', id: 'Social' },
  { source: 'filings', scheduleKey: 'filings', topic: 'regulatory-filings', id: 'Filings' },
] as const;

/** PascalCase construct id for a kebab-case name, e.g. `market-data` -> `MarketData`. */
export function constructIdFor(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
