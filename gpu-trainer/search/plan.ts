import type { Hyperparameters } from '../../core/artifacts/index.js';
import type { ModelKindName, SearchSettings } from '../../core/config/index.js';
import type { TrialResult } from '../train-config.js';
import { nextHalvingTrial, type PlannedTrial } from './halving.js';
import { datasetWindow, sampleTrials } from './sample.js';

/** Hyperparameters fixed for every trial (CLI flags such as --window), overriding the sampled values. */
export type PinnedHyperparameters = Partial<
  Pick<Hyperparameters, 'windowSize' | 'hiddenUnits' | 'layers' | 'dropout' | 'learningRate' | 'batchSize'>
>;

/**
 * One config's search: its sampled configurations, the successive-halving plan over them and the dataset
 * window that serves them all. Depends only on the settings, the key and the seed.
 */
export function configSearch(x: {
  search: Pick<SearchSettings, 'trials' | 'seed' | 'spaces' | 'reductionFactor' | 'minEpochs'>;
  models: readonly ModelKindName[];
  key: string;
  epochs: number;
  seed: number;
  pinned?: { [K in keyof PinnedHyperparameters]?: PinnedHyperparameters[K] | undefined };
}): {
  sampled: Hyperparameters[];
  datasetWindow: number;
  plan: (done: readonly TrialResult[]) => PlannedTrial | undefined;
} {
  const pins = Object.fromEntries(
    Object.entries(x.pinned ?? {}).filter(([, v]) => v !== undefined),
  ) as PinnedHyperparameters;
  const sampled = sampleTrials(x.search, x.models, { key: x.key, epochs: x.epochs, seed: x.seed }).map((t) => ({
    ...t,
    ...pins,
  }));
  const settings = { reductionFactor: x.search.reductionFactor, minEpochs: x.search.minEpochs, maxEpochs: x.epochs };
  return { sampled, datasetWindow: datasetWindow(sampled), plan: (done) => nextHalvingTrial(sampled, done, settings) };
}
