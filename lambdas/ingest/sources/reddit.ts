import { z } from 'zod';
import { eventIdFor, SCHEMA_VERSION, socialPostSchema, type SocialPostEvent } from '../../../core/events/index.js';
import type { FetchWindow, SecretResolver, SourceAdapter } from './adapter.js';
import { fetchJson, joinUrl } from './http.js';

const tokenResponse = z.object({ access_token: z.string(), expires_in: z.number().optional() });
const listingResponse = z.object({
  data: z.object({
    children: z.array(
      z.object({
        data: z.object({
          id: z.string(),
          title: z.string().optional(),
          selftext: z.string().optional(),
          author: z.string().optional(),
          created_utc: z.number(),
          score: z.number().optional(),
          permalink: z.string().optional(),
        }),
      }),
    ),
  }),
});
const credentials = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });

export interface RedditOptions {
  authUrl: string;
  apiBaseUrl: string;
  subreddits: readonly string[];
  credentialsSecretId: string;
  secrets: SecretResolver;
  userAgent?: string;
}

/** Reddit application-only OAuth, then a symbol search in each configured subreddit. */
export class RedditAdapter implements SourceAdapter {
  readonly name = 'reddit';
  readonly kind = 'social' as const;
  private token: { value: string; expiresAt: number } | undefined;
  constructor(private readonly options: RedditOptions) {}

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 60_000) return this.token.value;
    const creds = credentials.parse(JSON.parse(await this.options.secrets(this.options.credentialsSecretId)));
    const basic = Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64');
    const body = tokenResponse.parse(
      await fetchJson(joinUrl(this.options.authUrl, 'api/v1/access_token'), {
        method: 'POST',
        headers: {
          Authorization: `Basic ${basic}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'User-Agent': this.userAgent(),
        },
        body: 'grant_type=client_credentials',
      }),
    );
    this.token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }

  private userAgent() {
    return this.options.userAgent ?? 'signalforge-ingest/0.1';
  }

  async fetch(window: FetchWindow): Promise<SocialPostEvent[]> {
    const token = await this.accessToken();
    const out: SocialPostEvent[] = [];
    for (const symbol of window.symbols) {
      for (const sub of this.options.subreddits) {
        const query = new URLSearchParams({ q: symbol, restrict_sr: '1', sort: 'new', limit: '100', t: 'day' });
        const body = listingResponse.parse(
          await fetchJson(joinUrl(this.options.apiBaseUrl, `r/${sub}/search?${query}`), {
            headers: { Authorization: `Bearer ${token}`, 'User-Agent': this.userAgent() },
          }),
        );
        for (const { data: post } of body.data.children) {
          const eventTime = new Date(post.created_utc * 1000);
          if (eventTime < window.since || eventTime > window.now) continue;
          const text = [post.title, post.selftext].filter(Boolean).join('\n\n').slice(0, 40_000);
          if (!text) continue;
          out.push(
            socialPostSchema.parse({
              eventId: eventIdFor(this.name, `${symbol}|${post.id}`),
              type: 'social-post',
              schemaVersion: SCHEMA_VERSION,
              symbol,
              eventTime: eventTime.toISOString(),
              ingestTime: window.now.toISOString(),
              source: this.name,
              synthetic: false,
              platform: `reddit/r/${sub}`,
              text,
              author: post.author,
              url: post.permalink ? `https://www.reddit.com${post.permalink}` : undefined,
              engagement: post.score !== undefined ? Math.max(0, Math.round(post.score)) : undefined,
            }),
          );
        }
      }
    }
    return out;
  }
}
