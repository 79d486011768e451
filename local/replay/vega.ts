import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The `data/` folder of the vega-datasets package (its exports map hides the files, so go via the entry). */
export function vegaDataPath(file: string): string {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return join(dirname(entry), '..', 'data', file);
}

export interface DailyBar {
  date: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** S&P 500 daily OHLCV, 2000-01-03 .. 2020-04-17 (real data). */
export function loadSp500Daily(): DailyBar[] {
  const lines = readFileSync(vegaDataPath('sp500-2000.csv'), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => {
    const [date, open, high, low, close, , volume] = line.split(',');
    return { date: date!, o: Number(open), h: Number(high), l: Number(low), c: Number(close), v: Number(volume) };
  });
}

/** Monday (UTC) of the ISO week containing `date` (YYYY-MM-DD). */
export function weekStart(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  const offset = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - offset);
  return d.toISOString().slice(0, 10);
}

/** Weekly bars resampled from daily ones: first open, max high, min low, last close, summed volume. */
export function resampleWeekly(daily: readonly DailyBar[]): DailyBar[] {
  const weeks: DailyBar[] = [];
  for (const bar of daily) {
    const week = weekStart(bar.date);
    const last = weeks[weeks.length - 1];
    if (last && last.date === week) {
      last.h = Math.max(last.h, bar.h);
      last.l = Math.min(last.l, bar.l);
      last.c = bar.c;
      last.v += bar.v;
    } else {
      weeks.push({ ...bar, date: week });
    }
  }
  return weeks;
}

/** Monthly closes per symbol from stocks.csv (MSFT, AMZN, IBM, GOOG, AAPL). */
export function loadMonthlyCloses(): Map<string, number[]> {
  const lines = readFileSync(vegaDataPath('stocks.csv'), 'utf8').trim().split(/\r?\n/);
  const out = new Map<string, number[]>();
  for (const line of lines.slice(1)) {
    const [symbol, , price] = line.split(',');
    const list = out.get(symbol!) ?? [];
    list.push(Number(price));
    out.set(symbol!, list);
  }
  return out;
}

/** Annualised drift and volatility of log returns, from monthly closes. */
export function calibrate(monthly: readonly number[]): { drift: number; vol: number; last: number } {
  const r = monthly.slice(1).map((p, i) => Math.log(p / monthly[i]!));
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, r.length - 1);
  const vol = Math.sqrt(variance * 12);
  return { drift: mean * 12 + (vol * vol) / 2, vol, last: monthly[monthly.length - 1]! };
}
