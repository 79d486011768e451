import { z } from 'zod';
import { TIMEFRAMES, type TopicName } from '../config/index.js';

/**
 * Envelope version of the event types unchanged since the first release (news, posts, filings). A type's
 * version is bumped when a field changes; readers accept the current version N and N-1 and upcast N-1 into
 * the current shape in one place, `upcastEvent` (core/events/upcast.ts).
 */
export const SCHEMA_VERSION = 1 as const;
/** Market bars gained the optional `vwap` and `trades` in version 2. */
export const MARKET_BAR_SCHEMA_VERSION = 2 as const;

const isoTime = z.iso.datetime({ offset: true });
const ticker = z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'symbols are upper-case tickers such as AAPL');
const price = z.number().finite().positive();

export const sentimentSchema = z.object({
  /** In [-1, 1]; negative is bearish. */
  score: z.number().min(-1).max(1),
  /** Which scorer produced it, e.g. `afinn-165-financialmarketnews@3` or a FinBERT model id. */
  model: z.string().min(1),
});
export type Sentiment = z.infer<typeof sentimentSchema>;

const envelopeFields = {
  eventId: z.string().regex(/^[0-9a-f]{32}$/, 'eventId is 32 lower-case hex characters'),
  symbol: ticker,
  eventTime: isoTime,
  ingestTime: isoTime,
  /** Vendor or generator name: `polygon`, `newsapi`, `sec-edgar`, `reddit`, `vega-datasets`, `synthetic-gbm`, ... */
  source: z.string().min(1).max(64),
  /** True for generated data, so nobody trains a production model on it without knowing. */
  synthetic: z.boolean(),
};
const envelope = { ...envelopeFields, schemaVersion: z.literal(SCHEMA_VERSION) };

const ohlcFields = {
  type: z.literal('market-bar'),
  timeframe: z.enum(TIMEFRAMES),
  o: price,
  h: price,
  l: price,
  c: price,
  v: z.number().finite().nonnegative(),
};
const ohlcConsistent = (b: { o: number; h: number; l: number; c: number }) =>
  b.h >= Math.max(b.o, b.c, b.l) && b.l <= Math.min(b.o, b.c);
const ohlcMessage = { message: 'high must be >= open/close/low and low <= open/close', path: ['h'] };

/** Version 1 of the market bar (N-1): read from old lake objects and old producers, upcast on read. */
export const marketBarV1Schema = z
  .object({ ...envelopeFields, schemaVersion: z.literal(1), ...ohlcFields })
  .refine(ohlcConsistent, ohlcMessage);

/** The current market bar (version 2): what producers write and every reader sees after upcasting. */
export const marketBarSchema = z
  .object({
    ...envelopeFields,
    schemaVersion: z.literal(MARKET_BAR_SCHEMA_VERSION),
    ...ohlcFields,
    /** Volume-weighted average price of the bar, when the vendor reports it. */
    vwap: price.optional(),
    /** Number of trades in the bar, when the vendor reports it. */
    trades: z.number().int().nonnegative().optional(),
  })
  .refine(ohlcConsistent, ohlcMessage)
  .refine((b) => b.vwap === undefined || (b.vwap >= b.l && b.vwap <= b.h), {
    message: 'vwap must lie within low..high',
    path: ['vwap'],
  });

export const newsSchema = z.object({
  ...envelope,
  type: z.literal('news'),
  headline: z.string().min(1).max(1000),
  summary: z.string().max(20_000).optional(),
  url: z.string().max(2048).optional(),
  publisher: z.string().max(256).optional(),
  sentiment: sentimentSchema.optional(),
});

export const socialPostSchema = z.object({
  ...envelope,
  type: z.literal('social-post'),
  platform: z.string().min(1).max(64),
  text: z.string().min(1).max(40_000),
  author: z.string().max(256).optional(),
  url: z.string().max(2048).optional(),
  /** Up-votes or likes at fetch time. */
  engagement: z.number().int().nonnegative().optional(),
  sentiment: sentimentSchema.optional(),
});

export const filingSchema = z.object({
  ...envelope,
  type: z.literal('filing'),
  formType: z.string().min(1).max(32),
  accessionNumber: z.string().min(1).max(64),
  cik: z.string().regex(/^\d{1,10}$/),
  companyName: z.string().max(256).optional(),
  title: z.string().max(2000).optional(),
  url: z.string().max(2048).optional(),
});

/** The current shape of every event type (what is written). Read with `readEventSchema`, which also takes N-1. */
export const currentEventSchema = z.discriminatedUnion('type', [
  marketBarSchema,
  newsSchema,
  socialPostSchema,
  filingSchema,
]);

export type MarketBarEvent = z.infer<typeof marketBarSchema>;
export type NewsEvent = z.infer<typeof newsSchema>;
export type SocialPostEvent = z.infer<typeof socialPostSchema>;
export type FilingEvent = z.infer<typeof filingSchema>;
export type SignalEvent = z.infer<typeof currentEventSchema>;
export type EventType = SignalEvent['type'];

export const EVENT_TYPES = ['market-bar', 'news', 'social-post', 'filing'] as const satisfies readonly EventType[];

/** Each event type has exactly one topic; the sink rejects an event that arrives on another. */
export const TOPIC_BY_EVENT_TYPE: Record<EventType, TopicName> = {
  'market-bar': 'market-data',
  news: 'financial-news',
  'social-post': 'social-sentiment',
  filing: 'regulatory-filings',
};

export const EVENT_TYPE_BY_TOPIC: Record<TopicName, EventType> = {
  'market-data': 'market-bar',
  'financial-news': 'news',
  'social-sentiment': 'social-post',
  'regulatory-filings': 'filing',
};

export function topicForEvent(event: Pick<SignalEvent, 'type'>): TopicName {
  return TOPIC_BY_EVENT_TYPE[event.type];
}

/** Text a sentiment scorer reads, or undefined for events that carry no prose. */
export function sentimentText(event: SignalEvent): string | undefined {
  if (event.type === 'news') return event.summary ? `${event.headline}. ${event.summary}` : event.headline;
  if (event.type === 'social-post') return event.text;
  return undefined;
}

/**
 * The logical topic of a Kafka topic name: `market-data` itself, or a namespaced `<namespace>.market-data`
 * (tests and side-by-side sandboxes share one broker that way).
 */
export function logicalTopic(actual: string): TopicName | undefined {
  const base = actual.includes('.') ? actual.slice(actual.lastIndexOf('.') + 1) : actual;
  return base in EVENT_TYPE_BY_TOPIC ? (base as TopicName) : undefined;
}

export function physicalTopic(topic: TopicName, namespace?: string): string {
  return namespace ? `${namespace}.${topic}` : topic;
}
