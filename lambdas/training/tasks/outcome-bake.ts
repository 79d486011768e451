import { judgeOutcomes, type OutcomeVerdict, type PredictionOutcome } from '../../../core/live/index.js';
import { LiveQualityStore } from '../../../core/registry/index.js';
import { joinConfigOutcomes } from '../../serving/outcomes/join-task.js';
import { readOutcomes } from '../../serving/outcomes/lake-io.js';
import type { TrainingDeps } from '../deps.js';

/** A canary's verdict as the audit entry, the notification and the report carry it. */
export interface CanaryVerdict extends OutcomeVerdict {
  key: string;
  version: number;
  mode: 'canary' | 'shadow';
}

/**
 * Judges one canary (or shadow) on realised outcomes since `since`: joins the config's logged predictions
 * first (the join is idempotent, so the scheduled job and the bake may both run it), then compares the
 * candidate's losses with production's over the same window (core/live/verdict.ts).
 */
export async function judgeOnOutcomes(
  deps: TrainingDeps,
  input: {
    key: string;
    version: number;
    productionVersion: number | undefined;
    since: Date;
    requests: number;
    errors: number;
    extensionsUsed: number;
  },
): Promise<CanaryVerdict> {
  const { config } = deps;
  await joinConfigOutcomes(
    {
      config,
      s3: deps.s3,
      lakeBucket: deps.lakeBucket,
      liveQuality: new LiveQualityStore({ tableName: deps.registry.tableName }),
    },
    input.key,
  );
  const inWindow = (o: PredictionOutcome) => Date.parse(o.loggedAt) >= input.since.getTime();
  const candidate = (await readOutcomes(deps.s3, deps.lakeBucket, input.key, input.version)).filter(
    (o) => inWindow(o) && o.variant !== 'production',
  );
  const production =
    input.productionVersion === undefined
      ? []
      : (await readOutcomes(deps.s3, deps.lakeBucket, input.key, input.productionVersion)).filter(
          (o) => inWindow(o) && o.variant === 'production',
        );
  const { mode, minSamples, alpha, margin, maxBakeExtensions } = config.deployment;
  const verdict = judgeOutcomes(
    {
      mode,
      minSamples,
      alpha,
      margin,
      maxErrorRate: config.thresholds.canaryMaxErrorRate,
      maxExtensions: maxBakeExtensions,
    },
    { candidate, production, requests: input.requests, errors: input.errors, extensionsUsed: input.extensionsUsed },
  );
  return { key: input.key, version: input.version, mode, ...verdict };
}
