import { z } from 'zod';
import type { SignalForgeConfig } from '../config/index.js';
import type { PredictRequest } from './schemas.js';

const isoDateTime = z.iso.datetime({ offset: true });

/**
 * A hand-written check for the common, well-formed request, so a valid predict call skips zod's copy
 * of every bar (the profile showed zod plus the garbage it leaves at a quarter of the handler's time).
 * It only ever *accepts*: anything it is unsure of returns undefined and the zod schema decides, and
 * produces the error. Its rules are the schema's or stricter (a unit test fuzzes that it never
 * accepts what the schema rejects), so the two cannot disagree about a request that gets through.
 */
export function createFastAccept(config: SignalForgeConfig): (json: unknown) => PredictRequest | undefined {
  const symbols = new Set<string>(config.universe.symbols);
  const timeframes = new Set<string>(config.universe.timeframes);
  const { minBars, maxBars } = config.inference;
  const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

  return (json) => {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    const r = json as Record<string, unknown>;
    if (typeof r.symbol !== 'string' || !symbols.has(r.symbol)) return undefined;
    if (typeof r.timeframe !== 'string' || !timeframes.has(r.timeframe)) return undefined;
    if (r.sentiment !== undefined) return undefined;
    const bars = r.bars;
    if (!Array.isArray(bars) || bars.length < minBars || bars.length > maxBars) return undefined;
    let previous = -Infinity;
    for (const bar of bars as unknown[]) {
      if (typeof bar !== 'object' || bar === null || Array.isArray(bar)) return undefined;
      const b = bar as Record<string, unknown>;
      const { o, h, l, c, v, t } = b;
      if (!positive(o) || !positive(h) || !positive(l) || !positive(c)) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
      if (h < Math.max(o, c, l) || l > Math.min(o, c)) return undefined;
      let time: number;
      if (typeof t === 'number') {
        if (!Number.isSafeInteger(t) || t < 0) return undefined;
        time = t;
      } else if (typeof t === 'string') {
        if (t.length > 40 || !isoDateTime.safeParse(t).success) return undefined;
        time = Date.parse(t);
      } else return undefined;
      if (!(time > previous)) return undefined;
      previous = time;
    }
    return {
      symbol: r.symbol,
      timeframe: r.timeframe as PredictRequest['timeframe'],
      bars: bars as PredictRequest['bars'],
    };
  };
}
