import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { joinOutcomes, rollingQuality, type LiveQuality, type PredictionOutcome } from '../../../core/live/index.js';
import type { LiveQualityStore } from '../../../core/registry/index.js';
import { readClosedBars, readPredictions, writeOutcomes } from './lake-io.js';

export interface OutcomeJoinDeps {
  config: SignalForgeConfig;
  s3: S3Client;
  lakeBucket: string;
  liveQuality: LiveQualityStore;
  /** Publishes one version's rolling quality (EMF in Lambda); the dashboard's live widgets read it. */
  emit?: (quality: LiveQuality) => void;
}

export interface OutcomeJoinReport {
  key: string;
  predictions: number;
  joined: number;
  pending: number;
  unmatched: number;
  invalidLines: number;
  versionsWritten: number;
  quality: LiveQuality[];
}

/**
 * The scheduled outcome join for one config: every logged prediction whose target bar has landed is
 * realised, per version, and the version's rolling live metrics are rewritten. It recomputes from the
 * whole log each time and writes only what changed, so running it twice over the same data changes nothing.
 */
export async function joinConfigOutcomes(deps: OutcomeJoinDeps, key: string): Promise<OutcomeJoinReport> {
  const timeframe = key.split('#')[1] as Timeframe;
  const [{ records, invalid }, bars] = await Promise.all([
    readPredictions(deps.s3, deps.lakeBucket, key),
    readClosedBars(deps.s3, deps.lakeBucket, deps.config, key),
  ]);
  const { outcomes, pending, unmatched } = joinOutcomes(records, bars, {
    costBps: deps.config.evaluation.costBps,
    timeframe,
  });
  const byVersion = new Map<number, PredictionOutcome[]>();
  for (const o of outcomes) byVersion.set(o.version, [...(byVersion.get(o.version) ?? []), o]);
  let versionsWritten = 0;
  for (const [version, list] of byVersion)
    if (await writeOutcomes(deps.s3, deps.lakeBucket, key, version, list)) versionsWritten += 1;
  const quality = rollingQuality(outcomes, deps.config.live.rollingWindow);
  for (const q of quality) {
    await deps.liveQuality.put(q);
    deps.emit?.(q);
  }
  return {
    key,
    predictions: records.length,
    joined: outcomes.length,
    pending,
    unmatched,
    invalidLines: invalid,
    versionsWritten,
    quality,
  };
}

export async function runOutcomeJoin(deps: OutcomeJoinDeps, keys: readonly string[]): Promise<OutcomeJoinReport[]> {
  const reports: OutcomeJoinReport[] = [];
  for (const key of keys) reports.push(await joinConfigOutcomes(deps, key));
  return reports;
}
