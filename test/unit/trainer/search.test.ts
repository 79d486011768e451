import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, defaultConfig, loadConfig } from '../../../core/config/index.js';
import { modelMetadataSchema } from '../../../core/artifacts/index.js';
import { walkForwardFolds } from '../../../core/evaluation/index.js';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { runTraining } from '../../../gpu-trainer/run.js';
import { readOnnxInitializers } from '../../../gpu-trainer/model/onnx.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { ensembleCandidate, type EnsembleTrial } from '../../../gpu-trainer/search/ensemble.js';
import { halvingSchedule, nextHalvingTrial, type ScoredTrial } from '../../../gpu-trainer/search/halving.js';
import { sampleTrials } from '../../../gpu-trainer/search/sample.js';

const search = defaultConfig.training.search;

describe('search sampling', () => {
  it("is a function of the seed and the config key; kinds rotate; values come from each kind's space", () => {
    const models = ['lstm', 'gru', 'dense', 'transformer'] as const;
    const a = sampleTrials(search, models, { key: 'AAPL#1d', epochs: 20, seed: 1 });
    expect(sampleTrials(search, models, { key: 'AAPL#1d', epochs: 20, seed: 1 })).toEqual(a);
    expect(sampleTrials(search, models, { key: 'MSFT#1d', epochs: 20, seed: 1 })).not.toEqual(a);
    expect(sampleTrials({ ...search, seed: 2 }, models, { key: 'AAPL#1d', epochs: 20, seed: 1 })).not.toEqual(a);
    expect(a.map((t) => t.model)).toEqual(Array.from({ length: search.trials }, (_, i) => models[i % 4]));
    for (const t of a) {
      const space = search.spaces[t.model]!;
      expect(t.learningRate).toBeGreaterThanOrEqual(space.learningRate.min);
      expect(t.learningRate).toBeLessThanOrEqual(space.learningRate.max);
      expect(space.hiddenUnits).toContain(t.hiddenUnits);
      expect(space.windowSize).toContain(t.windowSize);
      expect(space.batchSize).toContain(t.batchSize);
      expect(space.layers).toContain(t.layers);
      expect(space.dropout).toContain(t.dropout);
      if (t.model === 'transformer') expect(t.hiddenUnits % t.heads!).toBe(0);
      else expect(t.heads).toBeUndefined();
    }
  });

  it('the config refuses a kind without a space, and dropout outside [0, 1); any kind may stack layers', () => {
    const onlyLstm = configSchema.safeParse({
      ...defaultConfig,
      training: { ...defaultConfig.training, search: { ...search, spaces: { lstm: search.spaces.lstm } } },
    });
    expect(onlyLstm.success).toBe(false);
    expect(onlyLstm.error?.issues.map((i) => i.message).join('\n')).toMatch(
      /gru is in training.hyperparameters.models but has no search space/,
    );
    const lstmSpace = (space: object) => ({
      env: {},
      overrides: { training: { search: { spaces: { lstm: space } } } },
    });
    expect(
      loadConfig(lstmSpace({ ...search.spaces.lstm, layers: [2, 3] })).training.search.spaces.lstm?.layers,
    ).toEqual([2, 3]);
    expect(() => loadConfig(lstmSpace({ ...search.spaces.lstm, dropout: [0, 1] }))).toThrow(/dropout/);
    expect(() => loadConfig(lstmSpace({ ...search.spaces.lstm, layers: [0] }))).toThrow(/layers/);
  });
});

describe('successive halving', () => {
  it('rungs of n, n/eta, ... with eta times the epochs, the last at the maximum', () => {
    expect(halvingSchedule(12, { reductionFactor: 3, minEpochs: 2, maxEpochs: 20 })).toEqual([
      { count: 12, epochs: 2 },
      { count: 4, epochs: 6 },
      { count: 2, epochs: 20 },
    ]);
    // One configuration trains the full epochs; a small search skips the shortest rungs.
    expect(halvingSchedule(1, { reductionFactor: 3, minEpochs: 2, maxEpochs: 20 })).toEqual([{ count: 1, epochs: 20 }]);
    expect(halvingSchedule(3, { reductionFactor: 3, minEpochs: 2, maxEpochs: 20 })).toEqual([
      { count: 3, epochs: 6 },
      { count: 1, epochs: 20 },
    ]);
  });

  it('promotes on inner-validation MSE only, and replays the same plan from the finished trials', () => {
    const sampled = sampleTrials(search, ['lstm', 'gru', 'dense', 'transformer'], {
      key: 'SPX#1d',
      epochs: 20,
      seed: 1,
    });
    const settings = { reductionFactor: 3, minEpochs: 2, maxEpochs: 20 };
    // Validation MSE falls with the sample index (sample 11 best); a "test" score that would rank the other way is
    // ignored.
    const done: (ScoredTrial & { epochs: number })[] = [];
    for (let next = nextHalvingTrial(sampled, done, settings); next; next = nextHalvingTrial(sampled, done, settings)) {
      done.push({
        sample: next.sample,
        rung: next.rung,
        epochs: next.hyperparameters.epochs,
        folds: [{ validationMse: 1 / (1 + next.sample) }],
      });
    }
    expect(done.map((d) => [d.rung, d.sample, d.epochs])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => [0, i, 2]),
      [1, 11, 6],
      [1, 10, 6],
      [1, 9, 6],
      [1, 8, 6],
      [2, 11, 20],
      [2, 10, 20],
    ]);
  });
});

describe('ensemble candidate', () => {
  it("chooses each fold's members by that fold's validation MSE, never by its test predictions", () => {
    const folds = walkForwardFolds({ samples: 400, folds: 3, purgeGap: 2, embargo: 2, innerValidationFraction: 0.2 });
    const n = 400 - folds[0]!.test.start;
    const actual = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    // Trial 0 predicts the test blocks perfectly but has the worst validation MSE: it must never be a member.
    const trial = (oos: Float64Array, validation: number[], sample: number): EnsembleTrial => ({
      oos,
      folds: validation.map((v) => ({ validationMse: v })),
      sample,
      rung: 0,
    });
    const trials = [
      trial(Float64Array.from(actual), [9, 9, 9], 0),
      trial(new Float64Array(n).fill(0.1), [1, 2, 1], 1),
      trial(new Float64Array(n).fill(0.3), [2, 1, 2], 2),
      trial(new Float64Array(n).fill(0.5), [3, 3, 3], 3),
    ];
    const c = ensembleCandidate(trials, 2, folds, actual)!;
    expect(c.foldMembers).toEqual([
      [1, 2],
      [2, 1],
      [1, 2],
    ]);
    expect(c.members).toEqual([1, 2]);
    expect(Array.from(new Set(c.oos))).toHaveLength(1);
    expect(c.oos[0]).toBeCloseTo(0.2, 12);
    expect(ensembleCandidate(trials.slice(0, 1), 2, folds, actual)).toBeUndefined();
  });
});

describe('search end to end', () => {
  it('the same seed, data and config give the same trials and winner; metadata lists every trial and the deflated Sharpe counts them', async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        training: {
          hyperparameters: { models: ['gru', 'dense', 'transformer'], epochs: 2 },
          search: {
            trials: 4,
            reductionFactor: 2,
            minEpochs: 1,
            ensembleSize: 2,
            spaces: {
              gru: {
                learningRate: { min: 0.003, max: 0.01 },
                hiddenUnits: [6],
                layers: [1],
                windowSize: [6, 8],
                batchSize: [32],
              },
              dense: {
                learningRate: { min: 0.003, max: 0.01 },
                hiddenUnits: [6, 8],
                layers: [1],
                windowSize: [4, 8],
                batchSize: [32],
              },
              transformer: {
                learningRate: { min: 0.001, max: 0.003 },
                hiddenUnits: [8],
                layers: [1],
                heads: [2],
                windowSize: [6],
                batchSize: [32],
              },
            },
          },
        },
      },
    });
    const series = syntheticSeries('SPX#1d', 600, 5);
    const run = async (runId: string) => {
      const out = await mkdtemp(join(tmpdir(), 'sf-search-'));
      const outcome = await runTraining({
        data: { manifestId: 'synthetic', series: new Map([['SPX#1d', series]]) },
        out,
        configs: ['SPX#1d'],
        runId,
        inProcess: true,
        config,
        log: createLog({ runId, tty: false, quiet: true }),
      });
      expect(outcome.record.status).toBe('succeeded');
      const meta = modelMetadataSchema.parse(
        JSON.parse(await readFile(join(out, 'models', 'SPX', '1d', runId, 'metadata.json'), 'utf8')),
      );
      return { meta, onnx: new Uint8Array(await readFile(join(out, 'models', 'SPX', '1d', runId, 'model.onnx'))) };
    };
    const a = await run('a');
    const b = await run('b');
    const strip = (m: typeof a.meta) => m.search.map((t) => ({ ...t }));
    expect(strip(b.meta)).toEqual(strip(a.meta));
    expect(b.meta.hyperparameters).toEqual(a.meta.hyperparameters);
    expect(readOnnxInitializers(b.onnx)).toEqual(readOnnxInitializers(a.onnx));
    // 4 sampled (rung 0, 1 epoch) + 2 promoted (rung 1, 2 epochs) + the ensemble's row.
    const rows = a.meta.search;
    expect(rows.filter((t) => t.rung === 0)).toHaveLength(4);
    expect(rows.filter((t) => t.rung === 1)).toHaveLength(2);
    expect(rows.filter((t) => t.ensembleOf)).toHaveLength(1);
    expect(new Set(rows.map((t) => t.hyperparameters.model))).toEqual(new Set(['gru', 'dense', 'transformer']));
    expect(a.meta.evaluation.deflatedSharpe.trials).toBe(rows.length);
    expect(a.meta.evaluation.trialNetSharpes).toHaveLength(rows.length);
  }, 300_000);
});
