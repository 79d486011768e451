import { describe, expect, it } from 'vitest';
import {
  modelReportFromMetadata,
  registryRowsFromVersions,
  type MetadataForReport,
} from '../../../local/report/adapters.js';
import { parseRunReportData, type RunReportInput } from '../../../local/report/report-data.js';
import { renderRunReport } from '../../../local/report/render.js';

const evaluation = (mse: number, sharpe: number) => ({
  mse,
  mae: Math.sqrt(mse),
  directionalAccuracy: 0.52,
  hitRate: 0.51,
  sharpe,
  grossSharpe: sharpe + 0.2,
  roi: 0.04,
  maxDrawdown: 0.1,
  turnover: 0.3,
  samples: 300,
});

const meta: MetadataForReport = {
  key: 'AAPL#1d',
  hyperparameters: {
    model: 'gru',
    windowSize: 32,
    hiddenUnits: 32,
    learningRate: 0.001,
    batchSize: 256,
    epochs: 3,
    seed: 1,
  },
  lossCurves: { train: [1, 0.5, 0.4], validation: [1.1, 0.6, 0.55] },
  equityCurves: { model: [1, 1.02, 1.05], naive: [1, 0.99, 1.01] },
  metrics: {
    validation: {
      model: evaluation(0.0004, 0.9),
      naive: evaluation(0.0006, 0.2),
      drift: evaluation(0.0006, 0.1),
      split: 'validation',
    },
    test: {
      model: evaluation(0.0005, 1.1),
      naive: evaluation(0.0007, 0.3),
      drift: evaluation(0.0007, 0.2),
      split: 'walk-forward',
    },
  },
};

/** A one-second run with nothing ingested: the report data around the models and registry rows a test makes. */
const runReport = (
  rows: Pick<RunReportInput, 'models'> & Partial<Pick<RunReportInput, 'registry'>>,
): RunReportInput => ({
  runId: 'r',
  startedAt: '2025-01-01T00:00:00Z',
  durationSeconds: 1,
  stages: [],
  ingest: { eventsIngested: 0, lakeObjects: 0, deadLetters: [] },
  registry: [],
  stateMachine: { status: 'SUCCEEDED', visits: [] },
  cost: { instanceType: 'p3.8xlarge', spotPerHour: 1, onDemandPerHour: 2, hours: 0, spotUsd: 0, onDemandUsd: 0 },
  ...rows,
});

describe('report adapters', () => {
  it('maps trainer metadata to a model row: curves as stored, trading metrics from the test split', () => {
    const row = modelReportFromMetadata(meta);
    expect(row).toMatchObject({
      key: 'AAPL#1d',
      modelType: 'gru',
      trainLoss: meta.lossCurves.train,
      valLoss: meta.lossCurves.validation,
      equity: meta.equityCurves.model,
      baselineEquity: meta.equityCurves.naive,
    });
    expect(row.metrics).toMatchObject({
      valMse: 0.0004,
      sharpe: 1.1,
      baselineSharpe: 0.3,
      baselineValMse: 0.0006,
      testMse: 0.0005,
    });
  });

  it('ranks the search into a leaderboard and marks the exported ensemble; the report renders it', () => {
    const hp = meta.hyperparameters;
    const withSearch: MetadataForReport = {
      ...meta,
      search: [
        { hyperparameters: hp, oosMse: 0.0004, oosNetSharpe: 0.8, epochsRun: [3], ensembleOf: [0, 1] },
        {
          hyperparameters: { ...hp, model: 'transformer', layers: 2, heads: 4 },
          oosMse: 0.0005,
          oosNetSharpe: 0.5,
          epochsRun: [3],
          sample: 1,
          rung: 1,
        },
        {
          hyperparameters: { ...hp, epochs: 1 },
          oosMse: 0.0006,
          oosNetSharpe: 0.1,
          epochsRun: [1],
          sample: 0,
          rung: 0,
        },
      ],
      ensemble: {
        members: [
          { sample: 1, hyperparameters: { ...hp, model: 'transformer' } },
          { sample: 0, hyperparameters: hp },
        ],
        selection: 'per fold on validation',
      },
      sentimentAblation: {
        sample: 1,
        hyperparameters: { ...hp, model: 'transformer', layers: 2, heads: 4 },
        samples: 400,
        withSentimentMse: 0.0005,
        withoutSentimentMse: 0.000625,
        dieboldMariano: { statistic: 2.9, pValue: 0.002 },
      },
    };
    const row = modelReportFromMetadata(withSearch);
    expect(row.sentimentAblation).toEqual({
      label: 'transformer h32 L2 heads4 w32 b256 lr 0.0010',
      samples: 400,
      withSentimentMse: 0.0005,
      withoutSentimentMse: 0.000625,
      pValue: 0.002,
    });
    expect(row.modelType).toBe('ensemble of 2 (transformer+gru)');
    expect(row.leaderboard.map((t) => [t.label, t.rung, t.epochs, t.selected])).toEqual([
      ['ensemble of 2', null, 3, true],
      ['transformer h32 L2 heads4 w32 b256 lr 0.0010', 1, 3, false],
      ['gru h32 w32 b256 lr 0.0010', 0, 1, false],
    ]);
    const html = renderRunReport(runReport({ models: [row] }));
    expect(html).toContain('data-leaderboard="AAPL#1d"');
    expect(html).toContain('Search leaderboard (3 trials, out of sample)');
    expect(html).toContain('data-ablation="AAPL#1d"');
    expect(html).toMatch(
      /MSE <span class="better">5\.00e-4<\/span> with sentiment vs 6\.25e-4 without \(20\.0% lower\)/,
    );
  });

  it('marks the production and canary versions from the head item, newest first', () => {
    const versions = [1, 2, 3].map((version) => ({ key: 'AAPL#1d', version, metrics: { valMse: 0.001 / version } }));
    const rows = registryRowsFromVersions(versions, {
      production: {
        version: 2,
        artifactUri: 's3://a',
        metadataUri: 's3://m',
        sha256: 'x',
        since: '2025-01-01T00:00:00Z',
      },
      canary: {
        version: 3,
        weight: 0.1,
        artifactUri: 's3://a',
        metadataUri: 's3://m',
        sha256: 'x',
        since: '2025-01-01T00:00:00Z',
      },
    });
    expect(rows.map((r) => [r.version, r.alias, r.canaryWeight])).toEqual([
      [3, 'canary', 0.1],
      [2, 'production', undefined],
      [1, null, undefined],
    ]);
    expect(registryRowsFromVersions(versions).every((r) => r.alias === null)).toBe(true);
  });

  it('produces rows the report schema accepts', () => {
    const parsed = parseRunReportData(
      runReport({
        models: [modelReportFromMetadata(meta)],
        registry: registryRowsFromVersions([{ key: 'AAPL#1d', version: 1, metrics: { valMse: 0.1 } }]),
      }),
    );
    expect(parsed.models[0]!.key).toBe('AAPL#1d');
  });
});
