import type { SignalForgeConfig } from '../../core/config/index.js';
import type { OhlcvBar } from '../../core/features/index.js';
import type { Dataset } from '../../gpu-trainer/dataset.js';
import { walkForwardEvaluation, type EvaluationSettings } from '../../gpu-trainer/export.js';

/** The walk-forward settings the trainer takes from a config (gpu-trainer/train-key.ts): purge gap from training. */
export function evaluationSettings(cfg: SignalForgeConfig): EvaluationSettings {
  const ev = cfg.evaluation;
  return {
    costBps: ev.costBps,
    purgeGapBars: cfg.training.hyperparameters.purgeGapBars,
    embargoBars: ev.embargoBars,
    innerValidationFraction: ev.innerValidationFraction,
    rescoreHistoryBars: ev.rescoreHistoryBars,
  };
}

/**
 * The trainer's own walk-forward evaluation of a daily config under the config's settings, for out-of-sample
 * predictions a test made up or fitted (one array per trial; `selected` is the winner).
 */
export function evaluateDaily(
  cfg: SignalForgeConfig,
  x: { dataset: Dataset; bars: readonly OhlcvBar[]; trialsOos: readonly ArrayLike<number>[]; selected?: number },
): ReturnType<typeof walkForwardEvaluation> {
  return walkForwardEvaluation({
    dataset: x.dataset,
    bars: x.bars,
    trialsOos: x.trialsOos,
    selected: x.selected ?? 0,
    timeframe: '1d',
    settings: evaluationSettings(cfg),
  });
}
