import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelMetadataSchema } from '../../../core/artifacts/index.js';
import { loadConfig } from '../../../core/config/index.js';
import type { OhlcvBar, SentimentPoint } from '../../../core/features/index.js';
import { seededRandom } from '../../../core/random/index.js';
import { syntheticSeries, type SeriesData, type TrainingData } from '../../../gpu-trainer/data-source.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { runTraining } from '../../../gpu-trainer/run.js';
import { ablatedTrial } from '../../../gpu-trainer/sentiment-ablation.js';
import type { TrialResult } from '../../../gpu-trainer/train-config.js';
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

/** Trains AAPL#1d and MSFT#1d from `series` with dense models, in process, as the config says. */
async function trainPair(series: [SeriesData, SeriesData], runId: string, epochs: number, windowSize: number) {
  const out = await mkdtemp(join(tmpdir(), `sf-${runId}-`));
  const outcome = await runTraining({
    data: { manifestId: 'test', series: new Map(series.map((s) => [s.key, s])) } satisfies TrainingData,
    out,
    config: loadConfig({ env: {} }),
    runId,
    configs: series.map((s) => s.key),
    epochs,
    models: ['dense'],
    windowSize,
    hiddenUnits: windowSize === 2 ? 8 : 4,
    batchSize: windowSize === 2 ? 32 : 64,
    inProcess: true,
    log: createLog({ runId, tty: false, quiet: true }),
  });
  const result = (key: string) => outcome.record.results.find((r) => r.key === key)!;
  const metadata = async (key: string) =>
    modelMetadataSchema.parse(JSON.parse(await readFile(result(key).metadataUri.replace(/^file:\/\//, ''), 'utf8')));
  return { outcome, result, metadata };
}

describe('sentiment in the trainer', () => {
  const w = loadConfig({ env: {} }).training.sentimentWindowBars;

  it('goes by default to configs whose symbol has text events and not to the others', async () => {
    expect(w).toBeGreaterThan(0);
    const withNews = syntheticSeries('AAPL#1d', 400, 2);
    // A news score on every third bar, at the bar's own time.
    withNews.sentiment = withNews.bars
      .filter((_, i) => i % 3 === 0)
      .map((b, i) => ({ t: Number(b.t), score: i % 2 ? 0.5 : -0.5 }));
    const { outcome, metadata } = await trainPair([withNews, syntheticSeries('MSFT#1d', 400, 3)], 'sent', 1, 4);
    expect(outcome.record.results.map((r) => r.key).sort()).toEqual(['AAPL#1d', 'MSFT#1d']);
    const names = async (key: string) => (await metadata(key)).featureSpec.names;
    expect(await names('AAPL#1d')).toEqual(expect.arrayContaining([`sent_mean_${w}`, `sent_count_log_${w}`]));
    expect((await names('MSFT#1d')).some((n) => n.startsWith('sent_'))).toBe(false);
    // Only the sentiment config is scored again without it.
    const ablated = outcome.record.results.filter((r) => r.sentimentAblation).map((r) => r.key);
    expect(ablated).toEqual(['AAPL#1d']);
  });

  it('is ablated: one trial scored again without it, same folds; significant only where news moves returns', async () => {
    const { result, metadata } = await trainPair(
      [seriesWithNews('AAPL#1d', 900, w, true, 11), seriesWithNews('MSFT#1d', 900, w, false, 12)],
      'ablation',
      20,
      2,
    );
    const planted = (await metadata('AAPL#1d')).sentimentAblation!;
    expect(planted.samples).toBeGreaterThan(100);
    expect(planted.withSentimentMse).toBeLessThan(planted.withoutSentimentMse * 0.95);
    expect(planted.dieboldMariano.pValue).toBeLessThan(0.05);
    // The ablated trial is the last rung's best by inner validation, and the run record carries the same comparison.
    const meta = await metadata('AAPL#1d');
    const singles = meta.search.filter((t) => !t.ensembleOf);
    const lastRung = Math.max(...singles.map((t) => t.rung ?? 0));
    const chosen = singles
      .filter((t) => (t.rung ?? 0) === lastRung)
      .sort((a, b) => a.validationMse! - b.validationMse!)[0]!;
    expect(planted.withSentimentMse).toBeCloseTo(chosen.oosMse, 12);
    expect(result('AAPL#1d').sentimentAblation).toEqual({
      samples: planted.samples,
      withSentimentMse: planted.withSentimentMse,
      withoutSentimentMse: planted.withoutSentimentMse,
      dieboldMariano: planted.dieboldMariano,
    });

    const unrelated = (await metadata('MSFT#1d')).sentimentAblation!;
    expect(unrelated.dieboldMariano.pValue).toBeGreaterThan(0.05);
  }, 120_000);

  it('ablates the last rung by inner validation, never the lowest test-fold MSE nor the ensemble', () => {
    const trial = (sample: number, rung: number, validationMse: number, oosMse: number): TrialResult => ({
      hyperparameters: {
        model: 'dense',
        windowSize: 2,
        hiddenUnits: 8,
        learningRate: 1e-3,
        batchSize: 32,
        epochs: 1,
        seed: 1,
      },
      oos: new Float64Array(0),
      oosMse,
      folds: [{ validationMse, epochsRun: 1 }],
      sample,
      rung,
    });
    const trials = [
      trial(0, 0, 0.5, 0.1), // the lowest test-fold MSE, but an early rung
      trial(1, 0, 0.9, 0.9),
      trial(0, 1, 0.8, 0.3), // lowest out-of-sample MSE of the last rung
      trial(1, 1, 0.7, 0.4), // best inner validation of the last rung: the one to ablate
      { ...trial(0, 1, 0.1, 0.05), ensembleOf: [0, 1], folds: [] },
    ];
    expect(ablatedTrial(trials)).toBe(trials[3]);
  });
});
