import { z } from 'zod';
import { marketBarEvent, marketBarSchema, type MarketBarEvent } from '../../../core/events/index.js';
import type { Timeframe } from '../../../core/config/index.js';
import type { FetchWindow, SecretResolver, SourceAdapter } from './adapter.js';
import { fetchJson, joinUrl } from './http.js';

const aggregatesResponse = z.object({
  results: z
    .array(
      z.object({
        t: z.number(),
        o: z.number(),
        h: z.number(),
        l: z.number(),
        c: z.number(),
        v: z.number(),
        vw: z.number().optional(),
        n: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
  next_url: z.string().optional(),
});

const RANGE: Record<Timeframe, [number, string]> = {
  '1h': [1, 'hour'],
  '4h': [4, 'hour'],
  '1d': [1, 'day'],
  '1w': [1, 'week'],
};

export interface PolygonOptions {
  baseUrl: string;
  apiKeySecretId: string;
  secrets: SecretResolver;
  timeframes: readonly Timeframe[];
}

/** Polygon.io-style aggregates (bars) API; one request per symbol and timeframe, following `next_url` pages. */
export class PolygonBarsAdapter implements SourceAdapter {
  readonly name = 'polygon';
  readonly kind = 'market-data' as const;
  constructor(private readonly options: PolygonOptions) {}

  async fetch(window: FetchWindow): Promise<MarketBarEvent[]> {
    const apiKey = await this.options.secrets(this.options.apiKeySecretId);
    const out: MarketBarEvent[] = [];
    for (const symbol of window.symbols) {
      for (const timeframe of this.options.timeframes) {
        const [multiplier, span] = RANGE[timeframe];
        let url: string | undefined = joinUrl(
          this.options.baseUrl,
          `v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${multiplier}/${span}/${window.since.getTime()}/${window.now.getTime()}?adjusted=true&sort=asc&limit=50000`,
        );
        for (let page = 0; url && page < 20; page++) {
          const body = aggregatesResponse.parse(
            await fetchJson(url, { headers: { Authorization: `Bearer ${apiKey}` } }),
          );
          for (const bar of body.results ?? []) {
            out.push(
              marketBarSchema.parse(
                marketBarEvent({
                  source: this.name,
                  synthetic: false,
                  symbol,
                  timeframe,
                  eventTime: new Date(bar.t).toISOString(),
                  ingestTime: window.now.toISOString(),
                  o: bar.o,
                  h: bar.h,
                  l: bar.l,
                  c: bar.c,
                  v: bar.v,
                  // Schema version 2: Polygon reports the bar's VWAP and trade count; a VWAP outside the bar's
                  // range (a vendor rounding artefact) is left out rather than failing the whole fetch.
                  ...(bar.vw !== undefined && bar.vw >= bar.l && bar.vw <= bar.h ? { vwap: bar.vw } : {}),
                  ...(bar.n !== undefined ? { trades: bar.n } : {}),
                }),
              ),
            );
          }
          url = body.next_url;
        }
      }
    }
    return out;
  }
}
