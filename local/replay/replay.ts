import type { SignalForgeConfig, Timeframe, TopicName } from '../../core/config/index.js';
import {
  eventIdFor,
  marketBarEvent,
  SCHEMA_VERSION,
  type FilingEvent,
  type MarketBarEvent,
  type NewsEvent,
  type SignalEvent,
  type SocialPostEvent,
  sentimentText,
} from '../../core/events/index.js';
import type { SentimentPoint } from '../../core/features/index.js';
import type { PlausibilityRule } from '../../core/quality/index.js';
import { LexiconSentimentScorer } from '../../core/sentiment/index.js';
import { gaussian, pick, seededRandom, seedFor } from '../../core/random/index.js';
import { calibrate, loadMonthlyCloses, loadSp500Daily, resampleWeekly, type DailyBar } from './vega.js';
import { shapeBar } from './bar-shape.js';

/**
 * A deliberately bad record: malformed (for the sink's dead-letter path) or well-formed but implausible (quarantine).
 */
export interface PoisonRecord {
  topic: TopicName;
  key: string;
  value: Buffer;
  /** The dead-letter reason, or the plausibility rule, the sink is expected to give it. */
  expectedReason: 'invalid-json' | 'schema-violation' | 'oversized' | 'wrong-topic' | PlausibilityRule;
  /** Where the sink is expected to put it. */
  expectedOutcome: 'dead-letter' | 'quarantine';
}

export type ReplayItem = { kind: 'event'; event: SignalEvent } | { kind: 'poison'; poison: PoisonRecord };

/**
 * A generating model for every bar series: when set, it replaces both the calibrated GBM and the real
 * S&P 500 bars, so the data's predictability is known (the sandbox's `noise` and `signal` scenarios).
 */
export interface BarSeriesModel {
  /** Recorded as each bar's `source`, e.g. `scenario-noise`. */
  source: string;
  /**
   * `count` consecutive log returns of one series at bar length `dt` (in years), from its own seeded stream;
   * return i leads into the bar opening at `series.times[i]`. `series.sentiment` holds the lexicon scores of the
   * symbol's replayed news and posts, for models whose returns respond to them.
   */
  logReturns(rand: () => number, count: number, dt: number, series?: SeriesContext): number[];
}

/** What a bar model may know of the series it generates: its bar open times and its symbol's scored text. */
export interface SeriesContext {
  times: readonly number[];
  sentiment: readonly SentimentPoint[];
}

export interface ReplayOptions {
  config: SignalForgeConfig;
  /** Generate every bar series from this model instead of GBM and real data. */
  barModel?: BarSeriesModel;
  /** Valid events to emit (poison records come on top). */
  events: number;
  poison?: number;
  /**
   * Well-formed but implausible records (one per plausibility rule in turn), sent after the events; quarantined by the
   * sink.
   */
  implausible?: number;
  seed?: number;
  /** Share of events per kind; the rest are market bars. */
  mix?: { news: number; social: number; filings: number };
}

export interface ReplayPlan {
  bars: number;
  realBars: number;
  news: number;
  social: number;
  filings: number;
  poison: number;
  implausible: number;
}

const DEFAULT_MIX = { news: 0.07, social: 0.1, filings: 0.03 };
/** The synthetic series end where the real S&P 500 data ends, so real and generated history line up. */
const ANCHOR = Date.parse('2020-04-17T00:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BAR_MS: Record<Timeframe, number> = { '1h': HOUR, '4h': 4 * HOUR, '1d': DAY, '1w': 7 * DAY };
const YEAR_FRACTION: Record<Timeframe, number> = {
  '1h': 1 / (252 * 7),
  '4h': 1 / (252 * 2),
  '1d': 1 / 252,
  '1w': 1 / 52,
};
/** UTC hours at which intraday bars open (US cash session, roughly). */
const INTRADAY_HOURS: Partial<Record<Timeframe, number[]>> = { '1h': [14, 15, 16, 17, 18, 19, 20], '4h': [13, 17] };
/** Placeholder; the sender stamps the real ingest time as it sends. */
const UNSENT = '1970-01-01T00:00:00.000Z';

let sp500Cache: { daily: DailyBar[]; weekly: DailyBar[] } | undefined;
function sp500() {
  if (!sp500Cache) {
    const daily = loadSp500Daily();
    sp500Cache = { daily, weekly: resampleWeekly(daily) };
  }
  return sp500Cache;
}

/** Bar open times (ms), oldest first, `count` of them ending at or before ANCHOR on weekdays. */
export function timeGrid(timeframe: Timeframe, count: number): number[] {
  const times: number[] = [];
  let day = ANCHOR;
  const isWeekday = (t: number) => ![0, 6].includes(new Date(t).getUTCDay());
  while (times.length < count) {
    if (timeframe === '1w') {
      if (new Date(day).getUTCDay() === 1) times.push(day);
    } else if (isWeekday(day)) {
      const hours = INTRADAY_HOURS[timeframe];
      if (!hours) times.push(day);
      else for (let i = hours.length - 1; i >= 0 && times.length < count; i--) times.push(day + hours[i]! * HOUR);
    }
    day -= DAY;
  }
  return times.reverse();
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function realBar(symbol: string, timeframe: Timeframe, bar: DailyBar): MarketBarEvent {
  const { o, h, l, c, v } = bar;
  return marketBarEvent({
    source: 'vega-datasets',
    synthetic: false,
    symbol,
    timeframe,
    eventTime: `${bar.date}T00:00:00.000Z`,
    ingestTime: UNSENT,
    o,
    h,
    l,
    c,
    v,
  });
}

function* syntheticBars(
  symbol: string,
  timeframe: Timeframe,
  count: number,
  seed: number,
  calibration: Map<string, ReturnType<typeof calibrate>>,
  model?: BarSeriesModel,
  sentiment: readonly SentimentPoint[] = [],
): Generator<MarketBarEvent> {
  const rand = seededRandom(seedFor(seed, 'bars', symbol, timeframe));
  const cal = calibration.get(symbol);
  const drift = cal?.drift ?? 0.04 + rand() * 0.08;
  const vol = cal?.vol ?? 0.18 + rand() * 0.25;
  const dt = YEAR_FRACTION[timeframe];
  const times = timeGrid(timeframe, count);
  const gbm = () => (drift - (vol * vol) / 2) * dt + vol * Math.sqrt(dt) * gaussian(rand);
  // The model draws from its own stream, so the bars' shape (wicks, volume) does not shift its returns.
  const returns = model
    ? model.logReturns(seededRandom(seedFor(seed, 'returns', symbol, timeframe)), count, dt, { times, sentiment })
    : undefined;
  const total = returns ? returns.reduce((a, r) => a + r, 0) : drift * dt * count;
  // Walk backwards from the calibrated last price so each series ends near today's real level.
  let close = (cal?.last ?? 20 + rand() * 480) * Math.exp(-total);
  const shape = { wiggle: vol * Math.sqrt(dt) * 0.5, baseVolume: 1e6 * (1 + rand() * 20) * (dt * 252) };
  for (const [i, t] of times.entries()) {
    const open = close;
    close = open * Math.exp(returns ? returns[i]! : gbm());
    const { o, h, l, c, v } = shapeBar(open, close, shape, rand);
    yield marketBarEvent({
      source: model?.source ?? 'synthetic-gbm',
      synthetic: true,
      symbol,
      timeframe,
      eventTime: new Date(t).toISOString(),
      ingestTime: UNSENT,
      o,
      h,
      l,
      c,
      v,
    });
  }
}

const POSITIVE = [
  'beats earnings estimates',
  'raises full-year guidance',
  'shares surge on strong demand',
  'wins major contract',
  'announces record profit',
  'upgraded to buy by analysts',
];
const NEGATIVE = [
  'misses revenue estimates',
  'cuts guidance amid weak demand',
  'shares plunge after downgrade',
  'faces regulatory probe',
  'reports loss as costs rise',
  'recalls products over defects',
];
const NEUTRAL = [
  'schedules quarterly earnings call',
  'names new chief financial officer',
  'to present at industry conference',
  'files routine disclosure',
  'updates shareholder meeting date',
];
const SOCIAL = [
  'to the moon, great quarter ahead',
  'this stock is a disaster, selling everything',
  'holding long term, solid fundamentals',
  'bearish, terrible guidance',
  'bullish breakout, strong buy',
  'meh, sideways until earnings',
];
const FORMS = ['10-K', '10-Q', '8-K', '4', 'S-3'];

/**
 * A text event's time inside one bar interval (t[k-1], t[k]] of one of its symbol's series, the series taken in
 * rotation so each timeframe's sentiment window sees its share. Features count the item at bar k, whose open is the
 * first bar time at or after it, never earlier. A symbol with no replayed series gets a time in the year before
 * ANCHOR.
 */
function textEventTime(rand: () => number, grids: readonly (readonly number[])[], i: number): string {
  const usable = grids.filter((g) => g.length >= 2);
  if (usable.length === 0) return new Date(ANCHOR - Math.floor(rand() * 365 * DAY)).toISOString();
  const grid = usable[i % usable.length]!;
  const k = 1 + Math.floor(rand() * (grid.length - 1));
  const gap = grid[k]! - grid[k - 1]!;
  return new Date(grid[k - 1]! + 1 + Math.floor(rand() * gap)).toISOString();
}

/** What every synthetic text event carries: its id (from its source and `naturalKey`), time and provenance. */
function textEnvelope(source: string, naturalKey: string, symbol: string, eventTime: string) {
  return {
    eventId: eventIdFor(source, naturalKey),
    symbol,
    eventTime,
    ingestTime: UNSENT,
    source,
    synthetic: true,
  };
}

function news(symbol: string, i: number, rand: () => number, eventTime: string, stream = ''): NewsEvent {
  const tone = rand();
  const phrase = tone < 0.4 ? pick(rand, POSITIVE) : tone < 0.8 ? pick(rand, NEGATIVE) : pick(rand, NEUTRAL);
  return {
    ...textEnvelope('synthetic-news', `${stream}${symbol}|${i}`, symbol, eventTime),
    type: 'news',
    schemaVersion: SCHEMA_VERSION,
    headline: `${symbol} ${phrase}`,
    summary: `Synthetic article ${i} about ${symbol}: the company ${phrase}.`,
    publisher: 'SignalForge Synthetic Wire',
  };
}

function social(symbol: string, i: number, rand: () => number, eventTime: string, stream = ''): SocialPostEvent {
  return {
    ...textEnvelope('synthetic-social', `${stream}${symbol}|${i}`, symbol, eventTime),
    type: 'social-post',
    schemaVersion: SCHEMA_VERSION,
    platform: 'synthetic/reddit',
    text: `$${symbol} ${pick(rand, SOCIAL)}`,
    author: `user${Math.floor(rand() * 10_000)}`,
    engagement: Math.floor(rand() * 500),
  };
}

/**
 * A news item (even `i`) or a post (odd) about `symbol` at `eventTime`, from the replay's phrase lists; `stream`
 * keeps the ids apart from the replay's (the sandbox's live phase).
 */
export function textEvent(
  symbol: string,
  i: number,
  rand: () => number,
  eventTime: string,
  stream: string,
): NewsEvent | SocialPostEvent {
  return i % 2 === 0 ? news(symbol, i, rand, eventTime, stream) : social(symbol, i, rand, eventTime, stream);
}

function filing(symbol: string, i: number, rand: () => number, seed: number, eventTime: string): FilingEvent {
  const cik = String(seedFor(seed, 'cik', symbol) % 2_000_000);
  const accession = `${cik.padStart(10, '0')}-20-${String(i).padStart(6, '0')}`;
  const formType = pick(rand, FORMS);
  return {
    ...textEnvelope('synthetic-filings', accession, symbol, eventTime),
    type: 'filing',
    schemaVersion: SCHEMA_VERSION,
    formType,
    accessionNumber: accession,
    cik,
    companyName: `${symbol} Inc. (synthetic)`,
    title: `${formType} filing ${i}`,
  };
}

/** A well-formed event sent as a deliberately bad record: its JSON on `topic`, keyed by its symbol. */
function eventRecord(
  topic: TopicName,
  event: SignalEvent,
  expectedReason: PoisonRecord['expectedReason'],
  expectedOutcome: PoisonRecord['expectedOutcome'],
): PoisonRecord {
  return { topic, key: event.symbol, value: Buffer.from(JSON.stringify(event)), expectedReason, expectedOutcome };
}

export function poisonRecord(config: SignalForgeConfig, i: number): PoisonRecord {
  const symbol = config.universe.symbols[i % config.universe.symbols.length]!;
  switch (i % 4) {
    case 0:
      return {
        topic: 'market-data',
        key: symbol,
        value: Buffer.from(`{"type":"market-bar","symbol":"${symbol}",`),
        expectedReason: 'invalid-json',
        expectedOutcome: 'dead-letter',
      };
    case 1:
      return {
        topic: 'financial-news',
        key: symbol,
        value: Buffer.from(JSON.stringify({ type: 'news', symbol, headline: 42, eventTime: 'yesterday' })),
        expectedReason: 'schema-violation',
        expectedOutcome: 'dead-letter',
      };
    case 2:
      return {
        topic: 'social-sentiment',
        key: symbol,
        value: Buffer.alloc(config.ingest.maxRecordBytes + 4096, 0x61),
        expectedReason: 'oversized',
        expectedOutcome: 'dead-letter',
      };
    default: {
      // A valid filing sent to the market-data topic.
      const rand = seededRandom(seedFor('poison', i));
      const event = {
        ...filing(symbol, 1_000_000 + i, rand, 1, textEventTime(rand, [], i)),
        ingestTime: new Date(0).toISOString(),
      };
      return eventRecord('market-data', event, 'wrong-topic', 'dead-letter');
    }
  }
}

/**
 * A record that parses and fits the schema but could never have happened, one plausibility rule per `i` in
 * turn. The bar-move case needs a series' last bar (`lastBars`, from the replay just sent): ten times its
 * close one bar later. Sent after every event, on the series' own key, so Kafka delivers it after its history.
 */
export function implausibleRecord(
  config: SignalForgeConfig,
  i: number,
  lastBars: readonly MarketBarEvent[],
  now = new Date(),
): PoisonRecord {
  const symbol = config.universe.symbols[i % config.universe.symbols.length]!;
  const timeframe = config.universe.timeframes[0]!;
  const ingestTime = now.toISOString();
  const source = 'sandbox-implausible';
  const bar = (over: Partial<MarketBarEvent>): PoisonRecord => {
    const event = {
      ...marketBarEvent({
        source,
        synthetic: true,
        symbol,
        timeframe,
        eventTime: '2019-03-01T00:00:00.000Z',
        ingestTime,
        o: 100,
        h: 101,
        l: 99,
        c: 100,
        v: 1000,
      }),
      eventId: eventIdFor(source, String(i)),
      ...over,
    };
    return eventRecord('market-data', event, 'universe', 'quarantine');
  };
  const last = lastBars[Math.floor(i / 5) % Math.max(1, lastBars.length)];
  switch (i % 5) {
    case 0:
      return { ...bar({ symbol: 'ZZZQ' }), key: 'ZZZQ', expectedReason: 'universe' };
    case 1:
      return { ...bar({ eventTime: '2100-01-01T00:00:00.000Z' }), expectedReason: 'event-time' };
    case 3: {
      const event: NewsEvent = {
        eventId: eventIdFor(source, String(i)),
        type: 'news',
        schemaVersion: SCHEMA_VERSION,
        symbol,
        eventTime: '2019-03-01T00:00:00.000Z',
        ingestTime,
        source,
        synthetic: true,
        headline: `${symbol} headline`,
        publisher: 'Wire\u0007Service',
      };
      return eventRecord('financial-news', event, 'identifier-chars', 'quarantine');
    }
    case 4:
      if (last) {
        const spike = round(last.c * 10);
        const t = new Date(Date.parse(last.eventTime) + BAR_MS[last.timeframe]).toISOString();
        return {
          ...bar({
            symbol: last.symbol,
            timeframe: last.timeframe,
            eventTime: t,
            o: spike,
            h: spike,
            l: spike,
            c: spike,
          }),
          key: last.symbol,
          expectedReason: 'bar-move',
        };
      }
      return { ...bar({ o: 5e7, h: 5e7, l: 5e7, c: 5e7 }), expectedReason: 'price-bounds' };
    default:
      return { ...bar({ o: 5e7, h: 5e7, l: 5e7, c: 5e7 }), expectedReason: 'price-bounds' };
  }
}

export function replayPlan(options: ReplayOptions): ReplayPlan {
  const mix = options.mix ?? DEFAULT_MIX;
  const total = options.events;
  const news = Math.round(total * mix.news);
  const social = Math.round(total * mix.social);
  const filings = Math.round(total * mix.filings);
  const bars = total - news - social - filings;
  const { symbols, timeframes } = options.config.universe;
  const spx = symbols.includes('SPX') && !options.barModel ? sp500() : undefined;
  const realAvailable = spx
    ? (timeframes.includes('1d') ? spx.daily.length : 0) + (timeframes.includes('1w') ? spx.weekly.length : 0)
    : 0;
  return {
    bars,
    realBars: Math.min(bars, Math.floor(bars / 2), realAvailable),
    news,
    social,
    filings,
    poison: options.poison ?? 0,
    implausible: options.implausible ?? 0,
  };
}

/** The replay's news, posts and filings in emission order (kinds in rotation), each timed inside a bar interval. */
function replayTextEvents(
  plan: ReplayPlan,
  symbols: readonly string[],
  grids: ReadonlyMap<string, number[][]>,
  seed: number,
): SignalEvent[] {
  const rand = seededRandom(seedFor(seed, 'text'));
  const counts = [plan.news, plan.social, plan.filings];
  const total = plan.news + plan.social + plan.filings;
  const made = [0, 0, 0];
  const out: SignalEvent[] = [];
  for (let slot = 0; out.length < total; slot++) {
    const k = slot % 3;
    if (made[k]! >= counts[k]!) continue;
    const i = made[k]!++;
    const symbol = symbols[i % symbols.length]!;
    // The symbol's j-th event of this kind goes to its series in rotation.
    const time = textEventTime(rand, grids.get(symbol) ?? [], Math.floor(i / symbols.length));
    out.push(
      k === 0
        ? news(symbol, i, rand, time)
        : k === 1
          ? social(symbol, i, rand, time)
          : filing(symbol, i, rand, seed, time),
    );
  }
  return out;
}

/** Each symbol's news and posts as the sink scores them (the lexicon), oldest first. */
export function scoredTextBySymbol(events: readonly SignalEvent[]): Map<string, SentimentPoint[]> {
  const scorer = new LexiconSentimentScorer();
  const bySymbol = new Map<string, SentimentPoint[]>();
  for (const event of events) {
    const text = sentimentText(event);
    if (text === undefined) continue;
    const points = bySymbol.get(event.symbol) ?? [];
    points.push({ t: Date.parse(event.eventTime), score: scorer.scoreText(text).score });
    bySymbol.set(event.symbol, points);
  }
  for (const points of bySymbol.values()) points.sort((a, b) => a.t - b.t);
  return bySymbol;
}

/**
 * Deterministic stream of replay events: the real S&P 500 (daily, and weekly resampled) for SPX, seeded
 * GBM bars for every other symbol/timeframe of the universe (drift and volatility calibrated from the real
 * monthly closes where vega-datasets has them), seeded news/social/filings, and `poison` invalid records
 * spread evenly through the stream. Same options, same events and ids.
 */
export function* replayEvents(options: ReplayOptions): Generator<ReplayItem> {
  const seed = options.seed ?? 42;
  const plan = replayPlan(options);
  const { symbols, timeframes } = options.config.universe;
  const total = plan.bars + plan.news + plan.social + plan.filings + plan.poison;
  const poisonEvery = plan.poison > 0 ? Math.floor(total / plan.poison) : Infinity;
  let emitted = 0;
  let poisoned = 0;
  const lastBySeries = new Map<string, MarketBarEvent>();
  function* withPoison(event: SignalEvent): Generator<ReplayItem> {
    emitted += 1;
    if (event.type === 'market-bar') lastBySeries.set(`${event.symbol}#${event.timeframe}`, event);
    if (poisoned < plan.poison && emitted % poisonEvery === 0)
      yield { kind: 'poison', poison: poisonRecord(options.config, poisoned++) };
    yield { kind: 'event', event };
  }

  const real: MarketBarEvent[] = [];
  if (plan.realBars > 0) {
    const spx = sp500();
    if (timeframes.includes('1w')) real.push(...spx.weekly.map((b) => realBar('SPX', '1w', b)));
    if (timeframes.includes('1d')) real.push(...spx.daily.map((b) => realBar('SPX', '1d', b)));
  }
  const realUsed = real.slice(-plan.realBars);
  const realSeries = new Set(realUsed.map((b) => `${b.symbol}#${b.timeframe}`));
  const syntheticSeries = symbols
    .flatMap((s) => timeframes.map((tf) => ({ symbol: s, timeframe: tf })))
    .filter((k) => !realSeries.has(`${k.symbol}#${k.timeframe}`));
  const syntheticBarsTotal = plan.bars - realUsed.length;
  const calibration = new Map([...loadMonthlyCloses()].map(([s, closes]) => [s, calibrate(closes)]));
  const base = Math.floor(syntheticBarsTotal / Math.max(1, syntheticSeries.length));
  const extra = syntheticBarsTotal - base * syntheticSeries.length;
  const planned = syntheticSeries
    .map((series, n) => ({ ...series, count: base + (n < extra ? 1 : 0) }))
    .filter((series) => series.count > 0);
  // Every series' bar times, so text events can be placed inside bar intervals before any bar is generated.
  const grids = new Map<string, number[][]>();
  const addGrid = (symbol: string, times: number[]) => grids.set(symbol, [...(grids.get(symbol) ?? []), times]);
  for (const key of realSeries) {
    const [symbol, timeframe] = key.split('#');
    addGrid(
      symbol!,
      realUsed.filter((b) => b.symbol === symbol && b.timeframe === timeframe).map((b) => Date.parse(b.eventTime)),
    );
  }
  for (const series of planned) addGrid(series.symbol, timeGrid(series.timeframe, series.count));

  const textEvents = replayTextEvents(plan, symbols, grids, seed);
  // Scored as the sink scores them, for bar models whose returns respond to the news (signal-sentiment).
  const sentiment = options.barModel ? scoredTextBySymbol(textEvents) : new Map<string, SentimentPoint[]>();
  let textEmitted = 0;
  function* text(upTo: number): Generator<ReplayItem> {
    while (textEmitted < Math.min(upTo, textEvents.length)) yield* withPoison(textEvents[textEmitted++]!);
  }
  // Interleave kinds so every topic sees traffic throughout the replay.
  const textSlots = textEvents.length;
  let barsEmitted = 0;
  const afterBar = () => Math.floor((textSlots * barsEmitted) / Math.max(1, plan.bars));

  for (const bar of realUsed) {
    barsEmitted += 1;
    yield* withPoison(bar);
    yield* text(afterBar());
  }
  for (const series of planned) {
    const bars = syntheticBars(
      series.symbol,
      series.timeframe,
      series.count,
      seed,
      calibration,
      options.barModel,
      sentiment.get(series.symbol),
    );
    for (const bar of bars) {
      barsEmitted += 1;
      yield* withPoison(bar);
      yield* text(afterBar());
    }
  }
  yield* text(textSlots);
  while (poisoned < plan.poison) yield { kind: 'poison', poison: poisonRecord(options.config, poisoned++) };
  // Spikes only against synthetic series: their history is certain to be long enough for the move rule.
  const spikeable = [...lastBySeries.values()].filter((b) => b.synthetic);
  for (let i = 0; i < plan.implausible; i++)
    yield { kind: 'poison', poison: implausibleRecord(options.config, i, spikeable) };
}
