import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import { degradationTest } from '../../../core/live/index.js';
import type { ModelRegistry } from '../../../core/registry/index.js';
import type { RetrainInput } from '../../training/contracts.js';
import type { StartedRetrain } from '../../training/start-retrain.js';
import { readClosedBars, readOutcomes } from '../outcomes/lake-io.js';

/** The parts of a production model's metadata.json the triggers read. */
const registeredSchema = z.object({
  metrics: z.object({ test: z.object({ model: z.object({ mse: z.number() }) }) }),
  dataset: z.object({ lastBarTime: z.string() }),
});

export interface LiveTriggerDeps {
  config: SignalForgeConfig;
  s3: S3Client;
  lakeBucket: string;
  registry: Pick<ModelRegistry, 'getHead'>;
  /** Reads an artifact URI (metadata.json) into memory. */
  readArtifact(uri: string): Promise<Uint8Array>;
  startRetrain(input: RetrainInput): Promise<StartedRetrain>;
}

export interface TriggerFinding {
  key: string;
  version: number;
  reason: string;
}

export interface TriggerResult {
  trigger: 'degradation' | 'new-data';
  findings: TriggerFinding[];
  /** At most one execution per check, for every config found; undefined when none was found. */
  retrain?: StartedRetrain;
}

async function productionModels(deps: LiveTriggerDeps, keys: readonly string[]) {
  const out: { key: string; version: number; registered: z.infer<typeof registeredSchema> }[] = [];
  for (const key of keys) {
    const production = (await deps.registry.getHead(key))?.production;
    if (!production) continue;
    const parsed = registeredSchema.safeParse(
      JSON.parse(new TextDecoder().decode(await deps.readArtifact(production.metadataUri))),
    );
    if (parsed.success) out.push({ key, version: production.version, registered: parsed.data });
  }
  return out;
}

async function start(
  deps: LiveTriggerDeps,
  trigger: TriggerResult['trigger'],
  findings: TriggerFinding[],
): Promise<TriggerResult> {
  if (findings.length === 0) return { trigger, findings };
  const reason = findings
    .map((f) => `${f.key} v${f.version}: ${f.reason}`)
    .join('; ')
    .slice(0, 2000);
  const retrain = await deps.startRetrain({
    trigger,
    reason,
    requestedBy: `live-${trigger}-check`,
    configs: findings.map((f) => f.key),
  });
  return { trigger, findings, retrain };
}

/**
 * `degradation`: a production model whose rolling realised loss (its latest live.rollingWindow joined
 * outcomes) is significantly above the out-of-sample MSE it was registered with (one-sided t-test at
 * live.degradationAlpha, at least deployment.minSamples outcomes) starts a retrain for its config.
 */
export async function checkDegradation(deps: LiveTriggerDeps, keys: readonly string[]): Promise<TriggerResult> {
  const findings: TriggerFinding[] = [];
  for (const m of await productionModels(deps, keys)) {
    const outcomes = (await readOutcomes(deps.s3, deps.lakeBucket, m.key, m.version))
      .filter((o) => o.variant === 'production')
      .slice(-deps.config.live.rollingWindow);
    const test = degradationTest(
      outcomes.map((o) => o.squaredError),
      m.registered.metrics.test.model.mse,
      { alpha: deps.config.live.degradationAlpha, minSamples: deps.config.deployment.minSamples },
    );
    if (test.degraded) {
      findings.push({
        key: m.key,
        version: m.version,
        reason: `live MSE ${test.liveLoss.toExponential(3)} > registered out-of-sample ${test.registeredLoss.toExponential(3)} (p=${test.pValue.toPrecision(3)}, n=${test.samples})`,
      });
    }
  }
  return start(deps, 'degradation', findings);
}

/** `new-data`: at least live.newDataBars bars have landed after the production model's dataset. */
export async function checkNewData(deps: LiveTriggerDeps, keys: readonly string[]): Promise<TriggerResult> {
  const findings: TriggerFinding[] = [];
  for (const m of await productionModels(deps, keys)) {
    const after = Date.parse(m.registered.dataset.lastBarTime);
    const fresh = (await readClosedBars(deps.s3, deps.lakeBucket, deps.config, m.key)).filter(
      (b) => b.t > after,
    ).length;
    if (fresh >= deps.config.live.newDataBars)
      findings.push({
        key: m.key,
        version: m.version,
        reason: `${fresh} new bars since its dataset (>= ${deps.config.live.newDataBars})`,
      });
  }
  return start(deps, 'new-data', findings);
}
