import type { Hyperparameters } from '../../core/artifacts/index.js';
import type { ModelKindName, SearchSettings } from '../../core/config/index.js';
import { deriveSeed, Rng } from '../rng.js';

/**
 * The search's sampled configurations for one config: kinds in rotation over `models` (every listed kind is
 * tried), every other hyperparameter drawn from that kind's space with a generator seeded by the search seed
 * and the config key. `epochs` is the full budget; successive halving lowers it per rung.
 */
export function sampleTrials(
  search: Pick<SearchSettings, 'trials' | 'seed' | 'spaces'>,
  models: readonly ModelKindName[],
  x: { key: string; epochs: number; seed: number },
): Hyperparameters[] {
  const rng = new Rng(deriveSeed(search.seed, 'search', x.key));
  // Dropout draws from its own stream, so a space without dropout (or with [0]) samples exactly the trials it
  // sampled before dropout existed.
  const dropoutRng = new Rng(deriveSeed(search.seed, 'search', x.key, 'dropout'));
  const pickWith =
    (r: Rng) =>
    <T>(values: readonly T[]): T =>
      values[Math.floor(r.next() * values.length)]!;
  const pick = pickWith(rng);
  return Array.from({ length: search.trials }, (_, i) => {
    const model = models[i % models.length]!;
    const space = search.spaces[model];
    if (!space) throw new Error(`no search space for ${model}`);
    const { min, max } = space.learningRate;
    const learningRate = Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min)));
    const hp: Hyperparameters = {
      model,
      learningRate,
      hiddenUnits: pick(space.hiddenUnits),
      windowSize: pick(space.windowSize),
      batchSize: pick(space.batchSize),
      epochs: x.epochs,
      seed: x.seed,
    };
    hp.layers = pick(space.layers);
    if (model === 'transformer') hp.heads = pick(space.heads ?? [1]);
    hp.dropout = pickWith(dropoutRng)(space.dropout ?? [0]);
    return hp;
  });
}

/** The dataset window that serves every trial: each model reads the last `windowSize` bars of it. */
export function datasetWindow(trials: readonly Hyperparameters[]): number {
  return trials.reduce((m, t) => Math.max(m, t.windowSize), 0);
}
