import { z } from 'zod';
import { eventIdFor, newsSchema, SCHEMA_VERSION, type NewsEvent } from '../../../core/events/index.js';
import type { FetchWindow, SecretResolver, SourceAdapter } from './adapter.js';
import { fetchJson, joinUrl } from './http.js';

const everythingResponse = z.object({
  status: z.string(),
  articles: z.array(
    z.object({
      source: z.object({ name: z.string().nullish() }).nullish(),
      title: z.string().nullish(),
      description: z.string().nullish(),
      url: z.string().nullish(),
      publishedAt: z.string(),
    }),
  ),
});

export interface NewsApiOptions {
  baseUrl: string;
  apiKeySecretId: string;
  secrets: SecretResolver;
}

/** NewsAPI `/v2/everything`, one query per symbol; articles without a title are skipped (nothing to score). */
export class NewsApiAdapter implements SourceAdapter {
  readonly name = 'newsapi';
  readonly kind = 'news' as const;
  constructor(private readonly options: NewsApiOptions) {}

  async fetch(window: FetchWindow): Promise<NewsEvent[]> {
    const apiKey = await this.options.secrets(this.options.apiKeySecretId);
    const out: NewsEvent[] = [];
    for (const symbol of window.symbols) {
      const query = new URLSearchParams({
        q: symbol,
        from: window.since.toISOString(),
        to: window.now.toISOString(),
        sortBy: 'publishedAt',
        language: 'en',
        pageSize: '100',
      });
      const body = everythingResponse.parse(
        await fetchJson(joinUrl(this.options.baseUrl, `v2/everything?${query}`), { headers: { 'X-Api-Key': apiKey } }),
      );
      if (body.status !== 'ok') throw new Error(`NewsAPI status ${body.status}`);
      for (const a of body.articles) {
        if (!a.title) continue;
        const eventTime = new Date(a.publishedAt).toISOString();
        out.push(
          newsSchema.parse({
            eventId: eventIdFor(this.name, `${symbol}|${a.url ?? a.title}|${eventTime}`),
            type: 'news',
            schemaVersion: SCHEMA_VERSION,
            symbol,
            eventTime,
            ingestTime: window.now.toISOString(),
            source: this.name,
            synthetic: false,
            headline: a.title.slice(0, 1000),
            summary: a.description?.slice(0, 20_000) ?? undefined,
            url: a.url ?? undefined,
            publisher: a.source?.name ?? undefined,
          }),
        );
      }
    }
    return out;
  }
}
