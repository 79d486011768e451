import type { S3Client } from '@aws-sdk/client-s3';
import { readUri, servingMetadataSchema, type WalkForwardEvaluation } from '../../../core/artifacts/index.js';
import type { Timeframe } from '../../../core/config/index.js';
import { evaluatePredictions, mse } from '../../../core/evaluation/index.js';
import { barTime, buildModelInput, minBarsForWindow } from '../../../core/features/index.js';
import { DEFAULT_SESSION_OPTIONS, sha256Hex } from '../../serving/inference/model-cache.js';
import { createOrtSession } from '../../serving/inference/ort-session.js';

export interface ChampionRef {
  version: number;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
}

/** The production model and the candidate on the candidate's latest out-of-sample fold. */
export interface ChampionScore {
  version: number;
  /** MSE of each on the same samples. */
  loss: number;
  candidateLoss: number;
  /** Relative: (loss - candidateLoss) / loss. */
  improvement: number;
  /** Annualised net Sharpe of each one's sign strategy on the same samples, same costs. */
  netSharpe: number;
  candidateNetSharpe: number;
  window: { from: string; to: string; samples: number };
}

export class ChampionScoringError extends Error {}

export type ChampionScorer = typeof scoreChampion;

/**
 * Re-scores the production model's own ONNX artifact (sha256-checked) on the samples of the candidate's latest
 * walk-forward test fold: its own feature spec, normalisation and window applied to the raw bars the candidate
 * saved, through serving's onnxruntime path, so both losses come from exactly the same bars and targets. The
 * candidate's side is its out-of-sample prediction for those bars (a model fitted before that fold); the
 * champion may have been trained on them, which can only favour the champion.
 */
export async function scoreChampion(args: {
  champion: ChampionRef;
  evaluation: WalkForwardEvaluation;
  timeframe: Timeframe;
  costBps: number;
  s3?: S3Client;
}): Promise<ChampionScore> {
  const { champion, evaluation: ev } = args;
  const [metaBytes, onnx] = await Promise.all([
    readUri(champion.metadataUri, args.s3),
    readUri(champion.artifactUri, args.s3),
  ]);
  if (sha256Hex(onnx) !== champion.sha256)
    throw new ChampionScoringError(`production v${champion.version} artifact sha256 differs from the registry's`);
  const meta = servingMetadataSchema.parse(JSON.parse(new TextDecoder().decode(metaBytes)));
  const need = minBarsForWindow(meta.featureSpec, meta.windowSize);
  const bars = ev.rescoreBars;
  const index = new Map(bars.map((b, i) => [barTime(b.t), i]));
  const width = meta.featureSpec.names.length;
  const samples = ev.latestFold.times.length;
  const x = new Float32Array(samples * meta.windowSize * width);
  for (let s = 0; s < samples; s++) {
    const at = index.get(Date.parse(ev.latestFold.times[s]!));
    if (at === undefined)
      throw new ChampionScoringError(
        `bar ${ev.latestFold.times[s]} of the latest fold is not in the saved re-scoring bars`,
      );
    if (at + 1 < need)
      throw new ChampionScoringError(
        `production v${champion.version} needs ${need} bars of history; the candidate saved ${at + 1} before ${ev.latestFold.times[s]}`,
      );
    x.set(buildModelInput(bars.slice(at + 1 - need, at + 1), meta, ev.rescoreSentiment), s * meta.windowSize * width);
  }
  const session = await createOrtSession(onnx, DEFAULT_SESSION_OPTIONS);
  let out: Float32Array;
  try {
    out = await session.run(meta.input.name, x, [samples, meta.windowSize, width], meta.output.name);
  } finally {
    await session.release();
  }
  const championPred = Float64Array.from(out);
  const actual = ev.latestFold.actual;
  const loss = mse(championPred, actual);
  const candidateLoss = mse(ev.latestFold.predictions, actual);
  return {
    version: champion.version,
    loss,
    candidateLoss,
    improvement: loss > 0 ? (loss - candidateLoss) / loss : 0,
    netSharpe: evaluatePredictions(championPred, actual, args.timeframe, args.costBps).sharpe,
    candidateNetSharpe: evaluatePredictions(ev.latestFold.predictions, actual, args.timeframe, args.costBps).sharpe,
    window: { from: ev.latestFold.times[0]!, to: ev.latestFold.times[samples - 1]!, samples },
  };
}
