import type { SignalForgeConfig, Timeframe } from '../config/index.js';
import type { MarketBarEvent, SignalEvent } from '../events/index.js';
import type { RecentBars } from './recent-bars.js';
import { checkBarMoveOnPoints, checkStateless, seriesPoint, type SeriesPoint, type Violation } from './rules.js';

export interface Screened<T> {
  accepted: T[];
  quarantined: { item: T; violation: Violation }[];
}

/**
 * Judges a batch's events against every plausibility rule. Bars of one series are judged oldest first
 * against the series' landed history plus the bars of this batch accepted before them, so a batch that
 * replays a history judges each bar against its true predecessor, and a rejected bar never becomes the
 * reference for the next. `recentBars` absent: the history is this batch's bars only.
 */
export async function screenEvents<T>(
  items: readonly T[],
  eventOf: (item: T) => SignalEvent,
  config: Pick<SignalForgeConfig, 'quality' | 'universe'>,
  nowMs: number,
  recentBars?: RecentBars,
): Promise<Screened<T>> {
  const verdicts = new Map<T, Violation>();
  const barsBySeries = new Map<string, T[]>();
  for (const item of items) {
    const event = eventOf(item);
    const violation = checkStateless(event, nowMs, config);
    if (violation) verdicts.set(item, violation);
    else if (event.type === 'market-bar') {
      const key = `${event.symbol}#${event.timeframe}`;
      const list = barsBySeries.get(key);
      if (list) list.push(item);
      else barsBySeries.set(key, [item]);
    }
  }
  await Promise.all(
    [...barsBySeries.values()].map(async (series) => {
      const first = eventOf(series[0]!) as MarketBarEvent;
      const landed = recentBars ? await recentBars.recent(first.symbol, first.timeframe as Timeframe) : [];
      const history = landed.map(seriesPoint);
      const ordered = series
        .map((item) => ({ item, bar: eventOf(item) as MarketBarEvent }))
        .map((x) => ({ ...x, t: Date.parse(x.bar.eventTime) }));
      ordered.sort((a, b) => a.t - b.t);
      const window = config.quality.marketBar.volatilityWindowBars + 1;
      for (const { item, bar, t } of ordered) {
        // Only the bars just before this one matter; slicing keeps a long replayed batch linear.
        const before = positionAfter(history, t - 1);
        const violation = checkBarMoveOnPoints(
          bar,
          t,
          history.slice(Math.max(0, before - window), before),
          config.quality,
        );
        if (violation) verdicts.set(item, violation);
        else history.splice(positionAfter(history, t), 0, { t, c: bar.c, eventTime: bar.eventTime });
      }
    }),
  );
  const accepted: T[] = [];
  const quarantined: Screened<T>['quarantined'] = [];
  for (const item of items) {
    const violation = verdicts.get(item);
    if (violation) quarantined.push({ item, violation });
    else accepted.push(item);
  }
  return { accepted, quarantined };
}

/**
 * Index after the last point at or before `t` in an oldest-first list (scans from the end: bars mostly arrive in
 * order).
 */
function positionAfter(history: readonly SeriesPoint[], t: number): number {
  let i = history.length;
  while (i > 0 && history[i - 1]!.t > t) i--;
  return i;
}
