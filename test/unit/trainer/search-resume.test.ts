import { describe, expect, it } from 'vitest';
import { makeFeatureSpec } from '../../../core/features/index.js';
import { buildDataset } from '../../../gpu-trainer/dataset.js';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { DataParallelGroup } from '../../../gpu-trainer/group.js';
import { configSearch } from '../../../gpu-trainer/search/plan.js';
import {
  InterruptedError,
  trainConfig,
  type ConfigCheckpoint,
  type TrainConfigOptions,
} from '../../../gpu-trainer/train-config.js';
import { maxAbsDiff } from './helpers.js';

const spaces = {
  gru: {
    learningRate: { min: 0.003, max: 0.01 },
    hiddenUnits: [6],
    layers: [1],
    windowSize: [6],
    batchSize: [32],
    dropout: [0.2],
  },
  transformer: {
    learningRate: { min: 0.002, max: 0.005 },
    hiddenUnits: [8],
    layers: [1],
    heads: [2],
    windowSize: [4, 6],
    batchSize: [32],
    dropout: [0],
  },
};

async function withGroup<T>(fn: (g: DataParallelGroup) => Promise<T>): Promise<T> {
  const g = await DataParallelGroup.start({ size: 1, backend: 'wasm', inProcess: true });
  try {
    return await fn(g);
  } finally {
    await g.close();
  }
}

describe('search resume', () => {
  it("a run stopped inside the ensemble members' refits resumes to the same members, bit for bit", async () => {
    // Seeds are tried in order until the ensemble wins (the search itself decides that); then the run is stopped at
    // a step inside the members' refits and resumed from the checkpoint. The GRU trains with input dropout, whose
    // masks the resumed fits must draw again exactly.
    for (let seed = 1; seed <= 24; seed++) {
      const ds = buildDataset(syntheticSeries('SPX#1d', 420, seed).bars, makeFeatureSpec(), {
        windowSize: 6,
        purgeGapBars: 2,
        folds: 3,
        embargoBars: 2,
        innerValidationFraction: 0.2,
        driftWindowBars: 20,
      });
      const planned = configSearch({
        search: { trials: 3, seed, spaces, reductionFactor: 2, minEpochs: 1 },
        models: ['gru', 'transformer'],
        key: 'SPX#1d',
        epochs: 2,
        seed: 1,
      });
      const common: Omit<TrainConfigOptions, 'group' | 'saveCheckpoint' | 'stopRequested'> = {
        key: 'SPX#1d',
        dataset: ds,
        plan: planned.plan,
        budgetMs: 0,
        ensembleSize: 2,
        patience: 5,
        checkpointEvery: 3,
        clipNorm: 1,
      };
      let searchSteps = 0;
      const full = await withGroup((group) =>
        trainConfig({
          ...common,
          group,
          saveCheckpoint: async (cp) => {
            if (cp.refit === null) searchSteps = cp.step;
          },
          stopRequested: () => undefined,
        }),
      );
      if (!full.ensemble) continue;
      expect(full.winner.ensembleOf).toEqual(full.ensemble.candidate.members);
      // Stop a few steps into the refits: past the last checkpoint written during the search.
      const stopAt = full.steps - 2;
      expect(stopAt).toBeGreaterThan(searchSteps);
      let saved: ConfigCheckpoint | undefined;
      let steps = 0;
      await expect(
        withGroup((group) =>
          trainConfig({
            ...common,
            group,
            saveCheckpoint: async (cp) => {
              saved = structuredClone(cp);
            },
            stopRequested: () => (++steps === stopAt ? 'test' : undefined),
          }),
        ),
      ).rejects.toBeInstanceOf(InterruptedError);
      expect(saved!.refit).toEqual(full.ensemble.candidate.members);
      const resumed = await withGroup((group) =>
        trainConfig({
          ...common,
          group,
          resumeFrom: saved!,
          saveCheckpoint: async () => {},
          stopRequested: () => undefined,
        }),
      );
      expect(resumed.ensemble!.members).toHaveLength(full.ensemble.members.length);
      for (const [i, m] of resumed.ensemble!.members.entries())
        expect(maxAbsDiff(m.params, full.ensemble!.members[i]!.params)).toBe(0);
      expect(resumed.trials.map((t) => t.oosMse)).toEqual(full.trials.map((t) => t.oosMse));
      return;
    }
    throw new Error('the ensemble won on none of the seeds tried');
  }, 300_000);
});
