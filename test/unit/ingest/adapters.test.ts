import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchema } from '../../../core/events/index.js';
import {
  NewsApiAdapter,
  PolygonBarsAdapter,
  RedditAdapter,
  SecEdgarAdapter,
} from '../../../lambdas/ingest/sources/index.js';

/** Vendor fixtures on 127.0.0.1; each route checks the auth the real API requires. */
let server: Server;
let base: string;
const seen: { path: string; headers: IncomingMessage['headers'] }[] = [];
const now = new Date('2024-05-01T20:00:00.000Z');
const since = new Date('2024-05-01T00:00:00.000Z');
const secrets = async (id: string) =>
  ({
    'polygon-key': 'pk-test',
    'news-key': 'nk-test',
    'reddit-creds': JSON.stringify({ clientId: 'cid', clientSecret: 'csecret' }),
  })[id] ?? Promise.reject(new Error(`no secret ${id}`));

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push({ path: url.pathname, headers: req.headers });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/v2/aggs/ticker/AAPL/range/1/day/')) {
      if (req.headers.authorization !== 'Bearer pk-test') return json(401, { status: 'ERROR' });
      return json(200, {
        results: [
          { t: Date.parse('2024-05-01T00:00:00Z'), o: 169.58, h: 172.71, l: 169.11, c: 169.3, v: 50383147 },
          { t: Date.parse('2024-04-30T00:00:00Z'), o: 173.33, h: 174.99, l: 170, c: 170.33, v: 65934776 },
        ],
      });
    }
    if (url.pathname === '/v2/everything') {
      if (req.headers['x-api-key'] !== 'nk-test') return json(401, { status: 'error' });
      return json(200, {
        status: 'ok',
        articles: [
          {
            source: { name: 'Reuters' },
            title: `${url.searchParams.get('q')} beats estimates`,
            description: 'Strong quarter.',
            url: 'https://example.com/a',
            publishedAt: '2024-05-01T12:00:00Z',
          },
          {
            source: { name: 'X' },
            title: null,
            description: 'no title',
            url: 'https://example.com/b',
            publishedAt: '2024-05-01T13:00:00Z',
          },
        ],
      });
    }
    if (url.pathname === '/files/company_tickers.json') {
      if (!req.headers['user-agent']?.includes('@')) return json(403, {});
      return json(200, { '0': { cik_str: 320193, ticker: 'AAPL', title: 'Apple Inc.' } });
    }
    if (url.pathname === '/submissions/CIK0000320193.json') {
      return json(200, {
        cik: '320193',
        name: 'Apple Inc.',
        filings: {
          recent: {
            accessionNumber: ['0000320193-24-000069', '0000320193-23-000106'],
            filingDate: ['2024-05-01', '2023-11-03'],
            acceptanceDateTime: ['2024-05-01T16:30:47.000Z', '2023-11-03T18:04:43.000Z'],
            form: ['8-K', '10-K'],
            primaryDocument: ['aapl-20240501.htm', 'aapl-20230930.htm'],
            primaryDocDescription: ['8-K', '10-K'],
          },
        },
      });
    }
    if (url.pathname === '/api/v1/access_token' && req.method === 'POST') {
      if (req.headers.authorization !== `Basic ${Buffer.from('cid:csecret').toString('base64')}`) return json(401, {});
      return json(200, { access_token: 'reddit-token', expires_in: 3600 });
    }
    if (url.pathname === '/r/stocks/search') {
      if (req.headers.authorization !== 'Bearer reddit-token') return json(401, {});
      return json(200, {
        data: {
          children: [
            {
              data: {
                id: 'p1',
                title: 'AAPL to the moon',
                selftext: 'great earnings',
                author: 'u1',
                created_utc: Date.parse('2024-05-01T15:00:00Z') / 1000,
                score: 42,
                permalink: '/r/stocks/p1',
              },
            },
            { data: { id: 'old', title: 'old post', created_utc: Date.parse('2024-04-01T15:00:00Z') / 1000 } },
          ],
        },
      });
    }
    json(404, { error: 'no fixture' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('source adapters against local fixtures', () => {
  it('polygon-style bars: authenticated, canonical, deterministic ids', async () => {
    const adapter = new PolygonBarsAdapter({
      baseUrl: base,
      apiKeySecretId: 'polygon-key',
      secrets,
      timeframes: ['1d'],
    });
    const bars = await adapter.fetch({ symbols: ['AAPL'], since, now });
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({
      type: 'market-bar',
      symbol: 'AAPL',
      timeframe: '1d',
      eventTime: '2024-05-01T00:00:00.000Z',
      ingestTime: now.toISOString(),
      c: 169.3,
      source: 'polygon',
      synthetic: false,
    });
    const again = await adapter.fetch({ symbols: ['AAPL'], since, now: new Date(now.getTime() + 60_000) });
    expect(again.map((b) => b.eventId)).toEqual(bars.map((b) => b.eventId));
    for (const b of bars) expect(eventSchema.safeParse(b).success).toBe(true);
  });

  it('polygon-style bars: a wrong key is an error, not an empty result', async () => {
    const adapter = new PolygonBarsAdapter({
      baseUrl: base,
      apiKeySecretId: 'polygon-key',
      secrets: async () => 'wrong',
      timeframes: ['1d'],
    });
    await expect(adapter.fetch({ symbols: ['AAPL'], since, now })).rejects.toThrow(/HTTP 401/);
  });

  it('NewsAPI: keeps titled articles, key in the X-Api-Key header', async () => {
    const news = await new NewsApiAdapter({ baseUrl: base, apiKeySecretId: 'news-key', secrets }).fetch({
      symbols: ['MSFT'],
      since,
      now,
    });
    expect(news).toHaveLength(1);
    expect(news[0]).toMatchObject({
      type: 'news',
      symbol: 'MSFT',
      headline: 'MSFT beats estimates',
      publisher: 'Reuters',
      eventTime: '2024-05-01T12:00:00.000Z',
    });
    expect(seen.some((s) => s.path === '/v2/everything' && s.headers['x-api-key'] === 'nk-test')).toBe(true);
  });

  it('SEC EDGAR: maps ticker to CIK, keeps filings inside the window, skips unknown tickers', async () => {
    const filings = await new SecEdgarAdapter({
      submissionsBaseUrl: base,
      tickersUrl: `${base}/files/company_tickers.json`,
      userAgent: 'SignalForge test@example.com',
    }).fetch({
      symbols: ['AAPL', 'SPX'],
      since,
      now,
    });
    expect(filings).toHaveLength(1);
    expect(filings[0]).toMatchObject({
      type: 'filing',
      symbol: 'AAPL',
      formType: '8-K',
      accessionNumber: '0000320193-24-000069',
      cik: '320193',
      companyName: 'Apple Inc.',
    });
    expect(filings[0]!.url).toBe('https://www.sec.gov/Archives/edgar/data/320193/000032019324000069/aapl-20240501.htm');
  });

  it('Reddit: client-credentials OAuth, then subreddit search inside the window', async () => {
    const posts = await new RedditAdapter({
      authUrl: base,
      apiBaseUrl: base,
      subreddits: ['stocks'],
      credentialsSecretId: 'reddit-creds',
      secrets,
    }).fetch({ symbols: ['AAPL'], since, now });
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({
      type: 'social-post',
      platform: 'reddit/r/stocks',
      engagement: 42,
      text: 'AAPL to the moon\n\ngreat earnings',
      url: 'https://www.reddit.com/r/stocks/p1',
    });
  });
});
