import type { SignalForgeConfig, Timeframe } from '../config/index.js';
import type { MarketBarEvent, SignalEvent } from '../events/index.js';
import type { RecentBars } from './recent-bars.js';
import { checkBarMove, checkStateless, type Violation } from './rules.js';

export interface Screened<T> {
  accepted: T[];
  quarantined: { item: T; violation: Violation }[];
}

/**
 * Judges a batch's events against every plausibility rule. Bars of one series are judged oldest first
 * against the series' landed history plus the bars of this batch accepted before them, so a batch that
 * replays a history judges each bar against its true predecessor, and a rejected bar never becomes the
 * reference for the next. `recentBars` absent: the move rule does not judge (no history source).
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
    else if (event.type === 'market-bar' && recentBars) {
      const key = `${event.symbol}#${event.timeframe}`;
      barsBySeries.set(key, [...(barsBySeries.get(key) ?? []), item]);
    }
  }
  await Promise.all(
    [...barsBySeries.values()].map(async (series) => {
      const first = eventOf(series[0]!) as MarketBarEvent;
      const history = [...(await recentBars!.recent(first.symbol, first.timeframe as Timeframe))];
      const ordered = [...series].sort((a, b) => Date.parse(eventOf(a).eventTime) - Date.parse(eventOf(b).eventTime));
      for (const item of ordered) {
        const bar = eventOf(item) as MarketBarEvent;
        // Only the bars just before this one matter; slicing keeps a long replayed batch linear.
        const before = positionAfter(history, Date.parse(bar.eventTime) - 1);
        const window = history.slice(Math.max(0, before - config.quality.marketBar.volatilityWindowBars - 1), before);
        const violation = checkBarMove(bar, window, config.quality);
        if (violation) verdicts.set(item, violation);
        else insertByTime(history, bar);
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

/** Index after the last bar at or before `t` in an oldest-first list (scans from the end: bars mostly arrive in order). */
function positionAfter(history: readonly MarketBarEvent[], t: number): number {
  let i = history.length;
  while (i > 0 && Date.parse(history[i - 1]!.eventTime) > t) i--;
  return i;
}

function insertByTime(history: MarketBarEvent[], bar: MarketBarEvent): void {
  history.splice(positionAfter(history, Date.parse(bar.eventTime)), 0, bar);
}
