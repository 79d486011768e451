import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { datasetManifestSchema, readUri, type DatasetManifest } from '../core/artifacts/index.js';
import { TIMEFRAMES, type Timeframe } from '../core/config/index.js';
import { barTime, ohlcvBarSchema, type OhlcvBar, type SentimentPoint } from '../core/features/index.js';
import { gaussian } from '../core/random/index.js';
import { Rng, deriveSeed } from './rng.js';

/** The bars (and optional sentiment) of one (symbol, timeframe), oldest first, one bar per time. */
export interface SeriesData {
  key: string;
  symbol: string;
  timeframe: Timeframe;
  bars: OhlcvBar[];
  sentiment?: SentimentPoint[];
}

export interface TrainingData {
  manifestId: string;
  series: Map<string, SeriesData>;
}

/** `{ manifestId?, series: { "AAPL#1d": [{t,o,h,l,c,v}, ...] } }`: a local stand-in for the lake (sandbox, tests). */
const barsFileSchema = z.object({
  manifestId: z.string().optional(),
  series: z.record(z.string().regex(/^[A-Z][A-Z0-9.]*#(1h|4h|1d|1w)$/), z.array(ohlcvBarSchema)),
});

function splitKey(key: string): { symbol: string; timeframe: Timeframe } {
  const [symbol, timeframe] = key.split('#') as [string, Timeframe];
  if (!TIMEFRAMES.includes(timeframe)) throw new Error(`bad config key ${key}`);
  return { symbol, timeframe };
}

/** Sorts by time and keeps the last bar seen for a time (a replayed or corrected bar wins). */
export function normaliseBars(bars: readonly OhlcvBar[]): OhlcvBar[] {
  const byTime = new Map<number, OhlcvBar>();
  for (const b of bars) byTime.set(barTime(b.t), { ...b, t: barTime(b.t) });
  return [...byTime.values()].sort((a, b) => (a.t as number) - (b.t as number));
}

/**
 * Reads every manifest object at its pinned S3 version and groups market bars by symbol#timeframe; news and social
 * sentiment by symbol.
 */
export async function loadFromManifest(manifest: DatasetManifest, s3?: S3Client): Promise<TrainingData> {
  // Loaded on demand: the lake reader (parquet, AWS SDK) is only needed for manifests.
  const { readLakeRefs } = await import('../core/lake/index.js');
  const client =
    s3 ?? new (await import('@aws-sdk/client-s3')).S3Client((await import('../core/aws/clients.js')).awsClientConfig());
  const bars = new Map<string, OhlcvBar[]>();
  const sentiment = new Map<string, SentimentPoint[]>();
  // Each pinned object version once, filtered to the manifest's symbols, one row per Kafka record: batch
  // objects (every symbol) and compacted day objects (one symbol) read alike.
  for (const { event: ev } of await readLakeRefs(client, manifest.bucket, manifest.objects)) {
    if (ev.type === 'market-bar') {
      const key = `${ev.symbol}#${ev.timeframe}`;
      const list = bars.get(key) ?? [];
      list.push({ t: Date.parse(ev.eventTime), o: ev.o, h: ev.h, l: ev.l, c: ev.c, v: ev.v });
      bars.set(key, list);
    } else if ((ev.type === 'news' || ev.type === 'social-post') && ev.sentiment) {
      const list = sentiment.get(ev.symbol) ?? [];
      list.push({ t: Date.parse(ev.eventTime), score: ev.sentiment.score });
      sentiment.set(ev.symbol, list);
    }
  }
  const series = new Map<string, SeriesData>();
  for (const [key, list] of bars) {
    const { symbol, timeframe } = splitKey(key);
    const s = sentiment.get(symbol)?.sort((a, b) => a.t - b.t);
    series.set(key, { key, symbol, timeframe, bars: normaliseBars(list), ...(s ? { sentiment: s } : {}) });
  }
  return { manifestId: manifest.manifestId, series };
}

const BAR_MS: Record<Timeframe, number> = { '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000, '1w': 604_800_000 };

/**
 * Geometric random walk with a little momentum (AR(1) returns), so models have something to learn.
 * For tests and benchmarks only; the lake holds the real data.
 */
export function syntheticSeries(key: string, bars: number, seed: number): SeriesData {
  const { symbol, timeframe } = splitKey(key);
  const rng = new Rng(deriveSeed(seed, key));
  const gauss = () => gaussian(() => rng.next());
  const out: OhlcvBar[] = [];
  let price = 50 + rng.next() * 200;
  let ret = 0;
  const t0 = Date.UTC(2020, 0, 6);
  for (let i = 0; i < bars; i++) {
    ret = 0.3 * ret + 0.01 * gauss();
    const open = price;
    price = Math.max(1, price * (1 + ret));
    const hi = Math.max(open, price) * (1 + Math.abs(gauss()) * 0.002);
    const lo = Math.min(open, price) * (1 - Math.abs(gauss()) * 0.002);
    out.push({ t: t0 + i * BAR_MS[timeframe], o: open, h: hi, l: lo, c: price, v: Math.round(1e5 * (1 + rng.next())) });
  }
  return { key, symbol, timeframe, bars: out };
}

/**
 * `--data` forms: `synthetic:<bars>[:<seed>]`; a dataset manifest (path or s3:// URI) naming lake
 * objects with versions; or a bars file `{ series: { "AAPL#1d": [...] } }`.
 */
export async function loadTrainingData(source: string, keys: readonly string[], s3?: S3Client): Promise<TrainingData> {
  const synth = /^synthetic:(\d+)(?::(\d+))?$/.exec(source);
  if (synth) {
    const n = Number(synth[1]);
    const seed = Number(synth[2] ?? 1);
    return { manifestId: `synthetic-${n}-${seed}`, series: new Map(keys.map((k) => [k, syntheticSeries(k, n, seed)])) };
  }
  const json: unknown = JSON.parse(new TextDecoder().decode(await readUri(source, s3)));
  if (json && typeof json === 'object' && 'objects' in json)
    return loadFromManifest(datasetManifestSchema.parse(json), s3);
  const file = barsFileSchema.parse(json);
  const series = new Map<string, SeriesData>();
  for (const [key, bars] of Object.entries(file.series))
    series.set(key, { key, ...splitKey(key), bars: normaliseBars(bars) });
  return { manifestId: file.manifestId ?? `bars-file:${source}`, series };
}
