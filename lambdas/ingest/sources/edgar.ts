import { z } from 'zod';
import { eventIdFor, filingSchema, SCHEMA_VERSION, type FilingEvent } from '../../../core/events/index.js';
import type { FetchWindow, SourceAdapter } from './adapter.js';
import { fetchJson, joinUrl } from './http.js';

const tickersResponse = z.record(z.string(), z.object({ cik_str: z.number(), ticker: z.string(), title: z.string() }));
const submissionsResponse = z.object({
  cik: z.union([z.string(), z.number()]),
  name: z.string(),
  filings: z.object({
    recent: z.object({
      accessionNumber: z.array(z.string()),
      filingDate: z.array(z.string()),
      acceptanceDateTime: z.array(z.string()).optional(),
      form: z.array(z.string()),
      primaryDocument: z.array(z.string()).optional(),
      primaryDocDescription: z.array(z.string()).optional(),
    }),
  }),
});

export interface EdgarOptions {
  submissionsBaseUrl: string;
  tickersUrl: string;
  userAgent: string;
}

/** SEC EDGAR: ticker -> CIK from company_tickers.json (cached), then each company's recent submissions. */
export class SecEdgarAdapter implements SourceAdapter {
  readonly name = 'sec-edgar';
  readonly kind = 'filings' as const;
  private ciks: Promise<Map<string, number>> | undefined;
  constructor(private readonly options: EdgarOptions) {}

  private headers() {
    return { 'User-Agent': this.options.userAgent, Accept: 'application/json' };
  }

  private tickerMap(): Promise<Map<string, number>> {
    this.ciks ??= fetchJson(this.options.tickersUrl, { headers: this.headers() }).then((body) => {
      const map = new Map<string, number>();
      for (const entry of Object.values(tickersResponse.parse(body)))
        map.set(entry.ticker.toUpperCase(), entry.cik_str);
      return map;
    });
    return this.ciks;
  }

  async fetch(window: FetchWindow): Promise<FilingEvent[]> {
    const ciks = await this.tickerMap();
    const out: FilingEvent[] = [];
    for (const symbol of window.symbols) {
      const cik = ciks.get(symbol);
      if (cik === undefined) continue; // indices (SPX) and unknown tickers file nothing
      const padded = String(cik).padStart(10, '0');
      const body = submissionsResponse.parse(
        await fetchJson(joinUrl(this.options.submissionsBaseUrl, `submissions/CIK${padded}.json`), {
          headers: this.headers(),
        }),
      );
      const recent = body.filings.recent;
      recent.accessionNumber.forEach((accession, i) => {
        const accepted = recent.acceptanceDateTime?.[i] ?? `${recent.filingDate[i]}T00:00:00Z`;
        const eventTime = new Date(accepted).toISOString();
        if (new Date(eventTime) < window.since || new Date(eventTime) > window.now) return;
        const doc = recent.primaryDocument?.[i];
        out.push(
          filingSchema.parse({
            eventId: eventIdFor(this.name, accession),
            type: 'filing',
            schemaVersion: SCHEMA_VERSION,
            symbol,
            eventTime,
            ingestTime: window.now.toISOString(),
            source: this.name,
            synthetic: false,
            formType: recent.form[i] ?? 'UNKNOWN',
            accessionNumber: accession,
            cik: String(cik),
            companyName: body.name,
            title: recent.primaryDocDescription?.[i] || undefined,
            url: doc
              ? `https://www.sec.gov/Archives/edgar/data/${cik}/${accession.replace(/-/g, '')}/${doc}`
              : undefined,
          }),
        );
      });
    }
    return out;
  }
}
