import { z } from 'zod';
import { TIMEFRAMES, type TopicName } from '../config/index.js';

/** Bumped when a field changes meaning; readers accept every version they list here. */
export const SCHEMA_VERSION = 1 as const;

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

const envelope = {
  eventId: z.string().regex(/^[0-9a-f]{32}$/, 'eventId is 32 lower-case hex characters'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  symbol: ticker,
  eventTime: isoTime,
  ingestTime: isoTime,
  /** Vendor or generator name: `polygon`, `newsapi`, `sec-edgar`, `reddit`, `vega-datasets`, `synthetic-gbm`, ... */
  source: z.string().min(1).max(64),
  /** True for generated data, so nobody trains a production model on it without knowing. */
  synthetic: z.boolean(),
};

export const marketBarSchema = z
  .object({
    ...envelope,
    type: z.literal('market-bar'),
    timeframe: z.enum(TIMEFRAMES),
    o: price,
    h: price,
    l: price,
    c: price,
    v: z.number().finite().nonnegative(),
  })
  .refine((b) => b.h >= Math.max(b.o, b.c, b.l) && b.l <= Math.min(b.o, b.c), {
    message: 'high must be >= open/close/low and low <= open/close',
    path: ['h'],
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

export const eventSchema = z.discriminatedUnion('type', [marketBarSchema, newsSchema, socialPostSchema, filingSchema]);

export type MarketBarEvent = z.infer<typeof marketBarSchema>;
export type NewsEvent = z.infer<typeof newsSchema>;
export type SocialPostEvent = z.infer<typeof socialPostSchema>;
export type FilingEvent = z.infer<typeof filingSchema>;
export type SignalEvent = z.infer<typeof eventSchema>;
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
