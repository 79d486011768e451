import type { Hyperparameters } from '../core/artifacts/index.js';
import { modelSpecFor } from './train-config.js';
import { isRecurrentWeight, paramLayout, type ModelSpec } from './model/spec.js';

/** `auto`, or a fixed number of replicas per config (clamped to the instance's workers). */
export type DataParallelSetting = 'auto' | number;

/**
 * Kinds that train data-parallel under `auto` whatever their size: their step cost grows faster than
 * their parameters (attention is quadratic in the window). The Transformer belongs here.
 */
export const DATA_PARALLEL_KINDS: ReadonlySet<string> = new Set<string>(['transformer']);

/**
 * Training FLOPs per sample, forward and backward (x3 the forward's multiply-adds x2): a recurrent kernel
 * runs once per window step, a dense layer once per sample.
 */
export function trainingFlopsPerSample(spec: ModelSpec): number {
  const macs = paramLayout(spec)
    .filter((p) => p.shape.length === 2)
    .reduce((n, p) => n + p.size * (spec.kind !== 'dense' && isRecurrentWeight(p.name) ? spec.windowSize : 1), 0);
  return 6 * macs;
}

/** Whether one trial is large enough that splitting its batch across GPUs pays off. */
export function isLargeTrial(hp: Hyperparameters, features: number, minFlopsPerSample: number): boolean {
  return DATA_PARALLEL_KINDS.has(hp.model) || trainingFlopsPerSample(modelSpecFor(hp, features)) >= minFlopsPerSample;
}

/**
 * Replicas for one config. A config's search trains all its trials on one group, so the largest trial
 * decides: `auto` gives a config with a large trial all of the instance's workers and any other config one.
 */
export function replicasForConfig(
  trials: readonly Hyperparameters[],
  features: number,
  setting: DataParallelSetting,
  minFlopsPerSample: number,
  workers: number,
): number {
  if (setting !== 'auto') return Math.max(1, Math.min(setting, workers));
  return trials.some((t) => isLargeTrial(t, features, minFlopsPerSample)) ? workers : 1;
}
