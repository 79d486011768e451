import type { SignalForgeConfig } from '../../../core/config/index.js';
import { defaultConfig } from '../../../core/config/index.js';
import type { SecretResolver, SourceAdapter, SourceKind } from './adapter.js';
import { SecEdgarAdapter } from './edgar.js';
import { NewsApiAdapter } from './newsapi.js';
import { PolygonBarsAdapter } from './polygon.js';
import { RedditAdapter } from './reddit.js';

export type { FetchWindow, SecretResolver, SourceAdapter, SourceKind } from './adapter.js';
export { PolygonBarsAdapter, NewsApiAdapter, SecEdgarAdapter, RedditAdapter };

export const SOURCE_KINDS: readonly SourceKind[] = ['market-data', 'news', 'social', 'filings'];

/** The adapter for a producer's SOURCE, with endpoints from config and keys through `secrets`. */
export function adapterFor(kind: SourceKind, config: SignalForgeConfig, secrets: SecretResolver): SourceAdapter {
  const sources = config.sources ?? defaultConfig.sources!;
  switch (kind) {
    case 'market-data':
      return new PolygonBarsAdapter({ ...sources.marketData, secrets, timeframes: config.universe.timeframes });
    case 'news':
      return new NewsApiAdapter({ ...sources.news, secrets });
    case 'filings':
      return new SecEdgarAdapter(sources.filings);
    case 'social':
      return new RedditAdapter({ ...sources.social, secrets });
  }
}

export function lookbackMinutes(kind: SourceKind, config: SignalForgeConfig): number {
  const sources = config.sources ?? defaultConfig.sources!;
  return { 'market-data': sources.marketData, news: sources.news, filings: sources.filings, social: sources.social }[
    kind
  ].lookbackMinutes;
}
