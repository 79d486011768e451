import { describe, expect, it } from 'vitest';
import { liveText, nextBars } from '../../../local/live/live-phase.js';
import { scoredTextBySymbol } from '../../../local/replay/replay.js';
import { noiseModel, sentimentDriftModel } from '../../../local/sandbox/scenarios.js';
import { sentimentDrift } from '../../support/sentiment-drift.js';

const DAY = 86_400_000;
const shape = { wiggle: 0.002, baseVolume: 1e6 };

describe('the live phase keeps publishing', () => {
  const lastT = Date.UTC(2020, 3, 17);
  const times = Array.from({ length: 2_000 }, (_, j) => lastT + (j + 1) * DAY);

  it('places live news and posts inside the new bars intervals, deterministically, with their own ids', () => {
    const text = liveText('AAPL#1d', lastT, times, 7);
    expect(text.length).toBeGreaterThan(0.3 * times.length);
    expect(text.length).toBeLessThan(0.5 * times.length);
    for (const e of text) {
      const t = Date.parse(e.eventTime);
      expect(t).toBeGreaterThan(lastT);
      expect(t).toBeLessThanOrEqual(times[times.length - 1]!);
      expect(e.symbol).toBe('AAPL');
    }
    expect(new Set(text.map((e) => e.type))).toEqual(new Set(['news', 'social-post']));
    expect(new Set(text.map((e) => e.eventId)).size).toBe(text.length);
    expect(liveText('AAPL#1d', lastT, times, 7)).toEqual(text);
    // A later live phase (another last bar) gets other ids.
    const later = liveText('AAPL#1d', lastT + DAY, times, 7).map((e) => e.eventId);
    expect(later.some((id) => text.some((e) => e.eventId === id))).toBe(false);
  });

  it('moves the live bars with the news under signal-sentiment, and not under noise', () => {
    const scored = scoredTextBySymbol(liveText('AAPL#1d', lastT, times, 7)).get('AAPL')!;
    const correlation = (model: ReturnType<typeof noiseModel>) => {
      const bars = nextBars('AAPL#1d', { t: new Date(lastT).toISOString(), c: 100 }, times, model, 7, shape, scored);
      expect(bars.map((b) => Date.parse(b.eventTime))).toEqual(times);
      return sentimentDrift(
        bars.map((b) => ({ t: Date.parse(b.eventTime), c: b.c })),
        scored,
        12,
      ).corr;
    };
    expect(correlation(sentimentDriftModel(12))).toBeGreaterThan(0.3);
    // 2,000 bars: the standard error is about 0.02.
    expect(Math.abs(correlation(noiseModel()))).toBeLessThan(0.08);
  });
});
