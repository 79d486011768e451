import type { SignalForgeConfig } from '../config/index.js';
import type { MarketBarEvent, SignalEvent } from '../events/index.js';

/** The plausibility rules, in the order they are checked; a record is quarantined under the first it fails. */
export const PLAUSIBILITY_RULES = [
  'identifier-chars',
  'universe',
  'event-time',
  'price-bounds',
  'volume-bounds',
  'bar-move',
] as const;
export type PlausibilityRule = (typeof PLAUSIBILITY_RULES)[number];

/** Why a well-formed record is not believed: the rule, a sentence, and the values it judged. */
export interface Violation {
  rule: PlausibilityRule;
  detail: string;
  values: Record<string, string | number | null>;
}

export type QualityConfig = SignalForgeConfig['quality'];

/** C0/C1 controls, zero-width characters and bidi overrides: invisible in a console, dangerous in a key or a log. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this rule's job.
const HIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
/**
 * Identifier-like fields per event type. Prose (headline, summary, text, title) may hold newlines and is bounded by
 * length in the schema.
 */
const IDENTIFIER_FIELDS = [
  'source',
  'symbol',
  'timeframe',
  'platform',
  'author',
  'publisher',
  'formType',
  'accessionNumber',
  'cik',
  'companyName',
  'url',
] as const;

export function checkIdentifiers(event: SignalEvent): Violation | undefined {
  const fields = event as unknown as Record<string, unknown>;
  for (const name of IDENTIFIER_FIELDS) {
    const value = fields[name];
    if (typeof value === 'string' && HIDDEN_CHARACTERS.test(value)) return hiddenCharacter(name, value);
  }
  const model = 'sentiment' in event ? event.sentiment?.model : undefined;
  if (model !== undefined && HIDDEN_CHARACTERS.test(model)) return hiddenCharacter('sentiment.model', model);
  return undefined;
}

function hiddenCharacter(name: string, value: string): Violation {
  const hit = HIDDEN_CHARACTERS.exec(value)!;
  const code = `U+${hit[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    rule: 'identifier-chars',
    detail: `${name} holds control or invisible character ${code} at index ${hit.index}`,
    values: { field: name, value: JSON.stringify(value).slice(0, 200), character: code },
  };
}

/** Market bars must name a universe symbol; text events may also name one of the allow-list (an index, an ETF). */
export function checkUniverse(
  event: SignalEvent,
  universe: readonly string[],
  textAllowList: readonly string[],
): Violation | undefined {
  if (universe.includes(event.symbol)) return undefined;
  if (event.type !== 'market-bar' && textAllowList.includes(event.symbol)) return undefined;
  const where =
    event.type === 'market-bar' ? 'the configured universe' : 'the configured universe or quality.textSymbolAllowList';
  return {
    rule: 'universe',
    detail: `symbol ${event.symbol} is not in ${where}`,
    values: { symbol: event.symbol, type: event.type },
  };
}

const parsedStarts = new WeakMap<QualityConfig, Map<string, number>>();

/** When the instrument's history starts: its own entry, else the global start (parsed once per config: hot path). */
export function historyStartMs(symbol: string, q: QualityConfig): number {
  let starts = parsedStarts.get(q);
  if (!starts) {
    starts = new Map();
    parsedStarts.set(q, starts);
  }
  let ms = starts.get(symbol);
  if (ms === undefined) {
    ms = Date.parse(q.historyStartBySymbol[symbol] ?? q.historyStart);
    starts.set(symbol, ms);
  }
  return ms;
}

/**
 * The event time lies in [history start, arrival + clock skew], where arrival is the earlier of the producer's
 * ingest time and the sink's clock (a producer whose clock runs ahead must not vouch for itself).
 */
export function checkEventTime(event: SignalEvent, nowMs: number, q: QualityConfig): Violation | undefined {
  const eventMs = Date.parse(event.eventTime);
  const ingestMs = Date.parse(event.ingestTime);
  const startMs = historyStartMs(event.symbol, q);
  // Built only on a violation: this runs for every record of every batch.
  const values = () => ({
    eventTime: event.eventTime,
    ingestTime: event.ingestTime,
    now: new Date(nowMs).toISOString(),
  });
  if (eventMs < startMs)
    return {
      rule: 'event-time',
      detail: `event time ${event.eventTime} is before ${event.symbol}'s history starts (${new Date(startMs).toISOString()})`,
      values: { ...values(), historyStart: new Date(startMs).toISOString() },
    };
  const latestMs = Math.min(ingestMs, nowMs) + q.clockSkewSeconds * 1000;
  if (eventMs > latestMs)
    return {
      rule: 'event-time',
      detail: `event time ${event.eventTime} is after its arrival plus ${q.clockSkewSeconds} s of clock skew`,
      values: values(),
    };
  if (ingestMs > nowMs + q.clockSkewSeconds * 1000)
    return {
      rule: 'event-time',
      detail: `ingest time ${event.ingestTime} is in the future (more than ${q.clockSkewSeconds} s ahead of the sink)`,
      values: values(),
    };
  return undefined;
}

export function checkPriceBounds(bar: MarketBarEvent, q: QualityConfig): Violation | undefined {
  const { minPrice, maxPrice } = q.marketBar;
  for (const field of ['o', 'h', 'l', 'c', 'vwap'] as const) {
    const value = bar[field];
    if (value === undefined) continue;
    if (value < minPrice || value > maxPrice) {
      return {
        rule: 'price-bounds',
        detail: `${field} ${value} is outside [${minPrice}, ${maxPrice}]`,
        values: { field, value, minPrice, maxPrice },
      };
    }
  }
  return undefined;
}

export function checkVolumeBounds(bar: MarketBarEvent, q: QualityConfig): Violation | undefined {
  const { maxVolume } = q.marketBar;
  if (bar.v > maxVolume)
    return {
      rule: 'volume-bounds',
      detail: `volume ${bar.v} exceeds ${maxVolume}`,
      values: { field: 'v', value: bar.v, maxVolume },
    };
  if (bar.trades !== undefined && bar.trades > maxVolume)
    return {
      rule: 'volume-bounds',
      detail: `trades ${bar.trades} exceeds ${maxVolume}`,
      values: { field: 'trades', value: bar.trades, maxVolume },
    };
  return undefined;
}

/** A landed bar as the move rule needs it: time (ms) and close. */
export interface SeriesPoint {
  t: number;
  c: number;
  eventTime: string;
}

export function seriesPoint(bar: Pick<MarketBarEvent, 'eventTime' | 'c'>): SeriesPoint {
  return { t: Date.parse(bar.eventTime), c: bar.c, eventTime: bar.eventTime };
}

/**
 * The bar's largest move (open, high, low or close against the last landed close, in log terms) lies within
 * max(maxMoveSigmas x sigma x sqrt(bars elapsed), minMoveBound), sigma being the standard deviation of the
 * trailing log returns. `recentBars` are the series' landed bars, oldest first (sorted by event time); only
 * those before this bar count. With fewer than minHistoryBars of them the rule does not judge: there is no
 * volatility to judge by. Elapsed bars scale the bound like a random walk's spread, so a bar after a long gap
 * may move further.
 */
export function checkBarMove(
  bar: MarketBarEvent,
  recentBars: readonly MarketBarEvent[],
  q: QualityConfig,
): Violation | undefined {
  return checkBarMoveOnPoints(bar, Date.parse(bar.eventTime), recentBars.map(seriesPoint), q);
}

/** checkBarMove over pre-parsed points (the sink's hot path: each bar's time is parsed once per batch). */
export function checkBarMoveOnPoints(
  bar: MarketBarEvent,
  t: number,
  recent: readonly SeriesPoint[],
  q: QualityConfig,
): Violation | undefined {
  const { maxMoveSigmas, minMoveBound, volatilityWindowBars, minHistoryBars } = q.marketBar;
  let before = recent.length;
  while (before > 0 && recent[before - 1]!.t >= t) before--;
  if (before < minHistoryBars) return undefined;
  const from = Math.max(0, before - volatilityWindowBars - 1);
  const n = before - from - 1;
  const steps = new Float64Array(n);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const a = recent[from + i]!;
    const b = recent[from + i + 1]!;
    const r = Math.log(b.c / a.c);
    sum += r;
    sumSq += r * r;
    steps[i] = b.t - a.t;
  }
  const sigma = n >= 2 ? Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1))) : 0;
  steps.sort();
  const step = n > 0 ? steps[Math.floor(n / 2)]! : 0;
  const last = recent[before - 1]!;
  const elapsedBars = step > 0 ? Math.max(1, (t - last.t) / step) : 1;
  const bound = Math.max(maxMoveSigmas * sigma * Math.sqrt(elapsedBars), minMoveBound);
  let worst: { field: 'o' | 'h' | 'l' | 'c'; move: number } = { field: 'c', move: 0 };
  for (const field of ['o', 'h', 'l', 'c'] as const) {
    const move = Math.abs(Math.log(bar[field] / last.c));
    if (move > worst.move) worst = { field, move };
  }
  if (worst.move <= bound) return undefined;
  return {
    rule: 'bar-move',
    detail: `${worst.field} ${bar[worst.field]} moves ${(worst.move * 100).toFixed(2)}% (log) from the last landed close ${last.c} at ${last.eventTime}; the bound is ${(bound * 100).toFixed(2)}% (${maxMoveSigmas} sigma of ${n} returns, sigma ${(sigma * 100).toFixed(3)}%, ${elapsedBars.toFixed(1)} bars elapsed)`,
    values: {
      field: worst.field,
      value: bar[worst.field],
      lastClose: last.c,
      lastEventTime: last.eventTime,
      logMove: worst.move,
      bound,
      sigma,
      elapsedBars,
    },
  };
}

/** Every rule but the move rule (which needs the series' history): pure over the event, the clock and the config. */
export function checkStateless(
  event: SignalEvent,
  nowMs: number,
  config: Pick<SignalForgeConfig, 'quality' | 'universe'>,
): Violation | undefined {
  const q = config.quality;
  const v =
    checkIdentifiers(event) ??
    checkUniverse(event, config.universe.symbols, q.textSymbolAllowList) ??
    checkEventTime(event, nowMs, q);
  if (v || event.type !== 'market-bar') return v;
  return checkPriceBounds(event, q) ?? checkVolumeBounds(event, q);
}
