import type { ModelMetadata } from '../../core/artifacts/metadata.js';
import { versionStatus, type ModelHead, type ModelVersion } from '../../core/registry/schema.js';
import type { GateRow, ModelReport, RegistryRow } from './report-data.js';

/**
 * Optional mappings from the trainer's and the registry's records into report rows. The renderer
 * never imports these modules; only these type-level mappings do, so the sandbox can use them or
 * build the rows itself.
 */

/** One config's charts and headline metrics from its metadata.json. */
export type MetadataForReport = Pick<
  ModelMetadata,
  'key' | 'hyperparameters' | 'lossCurves' | 'equityCurves' | 'metrics'
> &
  Partial<Pick<ModelMetadata, 'search' | 'ensemble' | 'sentimentAblation'>>;

type SearchRow = ModelMetadata['search'][number];

function trialLabel(t: Pick<SearchRow, 'ensembleOf' | 'hyperparameters'>): string {
  if (t.ensembleOf) return `ensemble of ${t.ensembleOf.length}`;
  const h = t.hyperparameters;
  const dropout = h.dropout ? ` dropout ${h.dropout}` : '';
  return `${h.model} h${h.hiddenUnits}${h.layers ? ` L${h.layers}` : ''}${h.heads ? ` heads${h.heads}` : ''}${dropout} w${h.windowSize} b${h.batchSize} lr ${h.learningRate.toPrecision(2)}`;
}

/**
 * The search leaderboard (metadata.search is already best first); the exported candidate is the lowest out-of-sample
 * MSE.
 */
export function leaderboardFromMetadata(meta: MetadataForReport): ModelReport['leaderboard'] {
  const rows = meta.search ?? [];
  return rows.map((t, i) => ({
    label: trialLabel(t),
    rung: t.rung ?? null,
    epochs: t.hyperparameters.epochs,
    oosMse: t.oosMse,
    oosNetSharpe: t.oosNetSharpe,
    selected: i === 0 && (meta.ensemble ? Boolean(t.ensembleOf) : !t.ensembleOf),
  }));
}
export type VersionForReport = Pick<ModelVersion, 'key' | 'version' | 'metrics'>;
export type HeadForReport = Pick<ModelHead, 'production' | 'canary'>;

export function modelReportFromMetadata(meta: MetadataForReport): ModelReport {
  const { validation, test } = meta.metrics;
  return {
    key: meta.key,
    modelType: meta.ensemble
      ? `ensemble of ${meta.ensemble.members.length} (${meta.ensemble.members.map((m) => m.hyperparameters.model).join('+')})`
      : meta.hyperparameters.model,
    leaderboard: leaderboardFromMetadata(meta),
    ...(meta.sentimentAblation
      ? {
          sentimentAblation: {
            label: trialLabel(meta.sentimentAblation),
            samples: meta.sentimentAblation.samples,
            withSentimentMse: meta.sentimentAblation.withSentimentMse,
            withoutSentimentMse: meta.sentimentAblation.withoutSentimentMse,
            pValue: meta.sentimentAblation.dieboldMariano.pValue,
          },
        }
      : {}),
    trainLoss: meta.lossCurves.train,
    valLoss: meta.lossCurves.validation,
    equity: meta.equityCurves.model,
    baselineEquity: meta.equityCurves.naive,
    metrics: {
      valMse: validation.model.mse,
      // The trading figures come from the test split, the same bars as the equity curves.
      directionalAccuracy: test.model.directionalAccuracy,
      sharpe: test.model.sharpe,
      maxDrawdown: test.model.maxDrawdown,
      baselineSharpe: test.naive.sharpe,
      baselineValMse: validation.naive.mse,
      testMse: test.model.mse,
    },
  };
}

/** Registry rows for one model's versions, with the alias each holds according to its head item. */
export function registryRowsFromVersions(versions: readonly VersionForReport[], head?: HeadForReport): RegistryRow[] {
  return [...versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      const production = head?.production?.version === v.version;
      const canary = !production && head?.canary?.version === v.version;
      return {
        key: v.key,
        version: v.version,
        alias: production ? 'production' : canary ? 'canary' : null,
        ...(canary && head?.canary ? { canaryWeight: head.canary.weight } : {}),
        metrics: { ...v.metrics },
      };
    });
}

/** Gate-table rows for the versions that carry a gate verdict, newest first, with where each one ended. */
export function gateRowsFromVersions(
  versions: readonly Pick<ModelVersion, 'key' | 'version' | 'gate' | 'approval'>[],
  head?: HeadForReport,
): GateRow[] {
  return [...versions]
    .filter((v) => v.gate)
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      const g = v.gate!;
      const alias =
        head?.production?.version === v.version
          ? 'production'
          : head?.canary?.version === v.version
            ? 'canary'
            : undefined;
      const a = v.approval;
      return {
        key: v.key,
        version: v.version,
        verdict: g.verdict,
        outcome: alias ?? versionStatus(v),
        pValue: g.dm?.pValue ?? null,
        adjustedPValue: g.dm?.adjustedPValue ?? null,
        netSharpe: g.netSharpe,
        naiveNetSharpe: g.naiveNetSharpe,
        deflatedSharpeProbability: g.deflatedSharpe?.probability ?? null,
        champion: g.champion
          ? { version: g.champion.version, loss: g.champion.loss, candidateLoss: g.champion.candidateLoss }
          : null,
        reasons: g.reasons,
        ...(a && a.state !== 'pending'
          ? { review: `${a.state} by ${a.who ?? 'unknown'}: ${a.why ?? ''}` }
          : a
            ? { review: `pending since ${a.requestedAt}` }
            : {}),
      };
    });
}
