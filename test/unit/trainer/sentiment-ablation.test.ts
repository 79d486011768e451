import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelMetadataSchema } from '../../../core/artifacts/index.js';
import { loadConfig } from '../../../core/config/index.js';
import type { OhlcvBar, SentimentPoint } from '../../../core/features/index.js';
import { seededRandom } from '../../../core/random/index.js';
import type { SeriesData, TrainingData } from '../../../gpu-trainer/data-source.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { runTraining } from '../../../gpu-trainer/run.js';
import { sentimentDriftModel } from '../../../local/sandbox/scenarios.js';

const DAY = 86_400_000;

/** Daily bars whose returns follow `model`, with a scored text item inside every other bar interval. */
function seriesWithNews(key: string, bars: number, window: number, drift: boolean, seed: number): SeriesData {
  const rand = seededRandom(seed);
  const times = Array.from({ length: bars }, (_, i) => Date.UTC(2015, 0, 5) + i * DAY);
  const sentiment: SentimentPoint[] = [];
  for (let k = 1; k < bars; k += 2)
    sentiment.push({
      t: times[k - 1]! + 1 + Math.floor(rand() * DAY),
      score: Math.round((rand() * 2 - 1) * 1e3) / 1e3,
    });
  const model = sentimentDriftModel(window, drift ? 3 : 0);
  const returns = model.logReturns(seededRandom(seed + 1), bars, 1 / 252, { times, sentiment });
  let close = 100;
  const out: OhlcvBar[] = times.map((t, i) => {
    const open = close;
    close = open * Math.exp(returns[i]!);
    return { t, o: open, h: Math.max(open, close) * 1.001, l: Math.min(open, close) * 0.999, c: close, v: 1e5 + i };
  });
  const [symbol, timeframe] = key.split('#') as [string, '1d'];
  return { key, symbol, timeframe, bars: out, sentiment };
}

describe('the sentiment ablation', () => {
  it('scores the best trial again without sentiment, same folds: significant only where returns follow the news', async () => {
    const cfg = loadConfig({ env: {} });
    const w = cfg.training.sentimentWindowBars;
    const data: TrainingData = {
      manifestId: 'test',
      series: new Map([
        ['AAPL#1d', seriesWithNews('AAPL#1d', 900, w, true, 11)],
        ['MSFT#1d', seriesWithNews('MSFT#1d', 900, w, false, 12)],
      ]),
    };
    const out = await mkdtemp(join(tmpdir(), 'sf-ablation-'));
    const outcome = await runTraining({
      data,
      out,
      config: cfg,
      runId: 'ablation',
      configs: ['AAPL#1d', 'MSFT#1d'],
      epochs: 20,
      models: ['dense'],
      windowSize: 2,
      hiddenUnits: 8,
      batchSize: 32,
      inProcess: true,
      log: createLog({ runId: 'ablation', tty: false, quiet: true }),
    });
    const result = (key: string) => outcome.record.results.find((r) => r.key === key)!;
    const metadata = async (key: string) =>
      modelMetadataSchema.parse(JSON.parse(await readFile(result(key).metadataUri.replace(/^file:\/\//, ''), 'utf8')));

    const planted = (await metadata('AAPL#1d')).sentimentAblation!;
    expect(planted.samples).toBeGreaterThan(100);
    expect(planted.withSentimentMse).toBeLessThan(planted.withoutSentimentMse * 0.95);
    expect(planted.dieboldMariano.pValue).toBeLessThan(0.05);
    // The search's best single trial is the ablated one, and the run record carries the same comparison.
    const meta = await metadata('AAPL#1d');
    const single = meta.search.filter((t) => !t.ensembleOf).sort((a, b) => a.oosMse - b.oosMse)[0]!;
    expect(planted.withSentimentMse).toBeCloseTo(single.oosMse, 12);
    expect(result('AAPL#1d').sentimentAblation).toEqual({
      samples: planted.samples,
      withSentimentMse: planted.withSentimentMse,
      withoutSentimentMse: planted.withoutSentimentMse,
      dieboldMariano: planted.dieboldMariano,
    });

    const unrelated = (await metadata('MSFT#1d')).sentimentAblation!;
    expect(unrelated.dieboldMariano.pValue).toBeGreaterThan(0.05);
  }, 120_000);
});
