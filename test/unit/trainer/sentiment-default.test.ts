import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { syntheticSeries, type TrainingData } from '../../../gpu-trainer/data-source.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { runTraining } from '../../../gpu-trainer/run.js';

describe('sentiment features by default', () => {
  it('go to configs whose symbol has text events and not to the others, as the config says', async () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.training.sentimentWindowBars).toBeGreaterThan(0);
    const withNews = syntheticSeries('AAPL#1d', 400, 2);
    // A news score on every third bar, at the bar's own time.
    withNews.sentiment = withNews.bars
      .filter((_, i) => i % 3 === 0)
      .map((b, i) => ({ t: Number(b.t), score: i % 2 ? 0.5 : -0.5 }));
    const data: TrainingData = {
      manifestId: 'test',
      series: new Map([
        ['AAPL#1d', withNews],
        ['MSFT#1d', syntheticSeries('MSFT#1d', 400, 3)],
      ]),
    };
    const out = await mkdtemp(join(tmpdir(), 'sf-sent-'));
    const outcome = await runTraining({
      data,
      out,
      config: cfg,
      runId: 'sent',
      configs: ['AAPL#1d', 'MSFT#1d'],
      epochs: 1,
      models: ['dense'],
      windowSize: 4,
      hiddenUnits: 4,
      batchSize: 64,
      inProcess: true,
      log: createLog({ runId: 'sent', tty: false, quiet: true }),
    });
    expect(outcome.record.results.map((r) => r.key).sort()).toEqual(['AAPL#1d', 'MSFT#1d']);
    const names = async (key: string) => {
      const uri = outcome.record.results.find((r) => r.key === key)!.metadataUri;
      return JSON.parse(await readFile(uri.replace(/^file:\/\//, ''), 'utf8')).featureSpec.names as string[];
    };
    const w = cfg.training.sentimentWindowBars;
    expect(await names('AAPL#1d')).toEqual(expect.arrayContaining([`sent_mean_${w}`, `sent_count_log_${w}`]));
    expect((await names('MSFT#1d')).some((n) => n.startsWith('sent_'))).toBe(false);
    // Only the sentiment config is scored again without it.
    const ablated = outcome.record.results.filter((r) => r.sentimentAblation).map((r) => r.key);
    expect(ablated).toEqual(['AAPL#1d']);
  });
});
