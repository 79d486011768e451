import { sentimentColumns, type SentimentPoint } from '../../core/features/index.js';

/**
 * How a series' returns follow its news: the Pearson correlation of the trailing mean sentiment at bar i (the
 * trainer's `sent_mean` over `window` bars) with the log return into bar i + 1, and the share of bars whose window
 * holds any text. What the signal-sentiment scenario plants, measured on the bars it produced.
 */
export function sentimentDrift(
  bars: readonly { t: number; c: number }[],
  points: readonly SentimentPoint[],
  window: number,
): { corr: number; covered: number } {
  const [trailing] = sentimentColumns(
    Float64Array.from(bars, (b) => b.t),
    points,
    window,
  );
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 1; i + 1 < bars.length; i++) {
    x.push(trailing[i]!);
    y.push(Math.log(bars[i + 1]!.c / bars[i]!.c));
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return { corr: sxy / Math.sqrt(sxx * syy), covered: x.filter((v) => v !== 0).length / x.length };
}
