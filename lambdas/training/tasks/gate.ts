import { modelMetadataSchema, readUri, type WalkForwardEvaluation } from '../../../core/artifacts/index.js';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { gateDecisionSchema, holmAdjust, type GateDecision } from '../../../core/evaluation/index.js';
import type { RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import type { ChampionScore } from './champion.js';
import { runActor } from './registration.js';
import { writeRunDoc } from './run-docs.js';

type EvaluationThresholds = SignalForgeConfig['evaluation'];

/** What the gate knows about one registered candidate. */
export interface GateCandidate {
  key: string;
  version: number;
  /** The trainer's walk-forward evaluation; undefined when metadata.json has none (the candidate cannot pass). */
  evaluation: WalkForwardEvaluation | undefined;
  /**
   * The production model re-scored on the candidate's latest fold; null without production; a string when re-scoring
   * failed.
   */
  champion: ChampionScore | null | string;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(2) : p.toFixed(4));

/**
 * The promotion gate over one run's candidates. A candidate is promotable only when all hold:
 * (1) absolute bar: Diebold-Mariano against the naive forecast rejects "no better" at `alpha` after Holm's
 * step-down adjustment over the run's configs (family-wise error), its pooled net Sharpe beats the naive
 * strategy's, and its deflated Sharpe probability reaches `minDeflatedSharpeProbability`;
 * (2) champion: with a production version, it beats production re-scored on the same latest fold by
 * `championMargin` (relative MSE); a champion that cannot be re-scored fails closed;
 * (3) sanity: finite, non-constant out-of-sample predictions.
 */
export function decideGate(candidates: readonly GateCandidate[], t: EvaluationThresholds): GateDecision[] {
  // Candidates without an evaluation count in the family with p = 1, so they cannot loosen anyone's bar.
  const adjusted = holmAdjust(candidates.map((c) => c.evaluation?.dieboldMariano.pValue ?? 1));
  return candidates.map((c, i) => {
    const ev = c.evaluation;
    const reasons: string[] = [];
    if (!ev) {
      return gateDecisionSchema.parse({
        key: c.key,
        version: c.version,
        verdict: 'rejected',
        reasons: ['no walk-forward evaluation in metadata.json (trained before the gate existed, or by another tool)'],
        dm: null,
        netSharpe: 0,
        naiveNetSharpe: 0,
        deflatedSharpe: null,
        champion: null,
        folds: 1,
      });
    }
    const dm = ev.dieboldMariano;
    const netSharpe = ev.pooled.model.sharpe;
    const naiveNetSharpe = ev.pooled.naive.sharpe;
    const dsr = ev.deflatedSharpe;
    const family = candidates.length;
    if (!(adjusted[i]! <= t.alpha)) {
      reasons.push(
        `Diebold-Mariano vs naive: p = ${fmtP(dm.pValue)}, Holm-adjusted over ${family} config${family === 1 ? '' : 's'} ${fmtP(adjusted[i]!)} > alpha ${t.alpha} (DM ${fmt(dm.statistic, 2)}, ${dm.samples} out-of-sample samples)`,
      );
    }
    if (!(netSharpe > naiveNetSharpe)) {
      reasons.push(
        `net Sharpe ${fmt(netSharpe, 2)} (${ev.costBps} bp per unit turnover) does not beat the naive strategy's ${fmt(naiveNetSharpe, 2)}`,
      );
    }
    if (!(dsr.probability >= t.minDeflatedSharpeProbability)) {
      reasons.push(
        `deflated Sharpe probability ${fmt(dsr.probability)} over ${dsr.trials} trial${dsr.trials === 1 ? '' : 's'} < ${t.minDeflatedSharpeProbability}`,
      );
    }
    let champion: GateDecision['champion'] = null;
    if (typeof c.champion === 'string') {
      reasons.push(
        `production could not be re-scored on the same window, so the candidate cannot show it is better: ${c.champion}`,
      );
    } else if (c.champion) {
      const ch = c.champion;
      champion = {
        version: ch.version,
        loss: ch.loss,
        candidateLoss: ch.candidateLoss,
        improvement: ch.improvement,
        window: ch.window,
        netSharpe: ch.netSharpe,
        candidateNetSharpe: ch.candidateNetSharpe,
      };
      if (!(ch.improvement >= t.championMargin)) {
        reasons.push(
          `vs production v${ch.version} on ${ch.window.from}..${ch.window.to} (${ch.window.samples} samples): MSE ${ch.candidateLoss.toExponential(3)} vs ${ch.loss.toExponential(3)}, improvement ${(ch.improvement * 100).toFixed(2)}% < required ${(t.championMargin * 100).toFixed(2)}% (net Sharpe ${fmt(ch.candidateNetSharpe, 2)} vs ${fmt(ch.netSharpe, 2)})`,
        );
      }
    }
    if (ev.predictions.nonFinite > 0)
      reasons.push(`${ev.predictions.nonFinite} out-of-sample predictions are not finite`);
    if (ev.predictions.distinct <= 1 || !(ev.predictions.std > 1e-12)) {
      reasons.push(
        `degenerate out-of-sample predictions: ${ev.predictions.distinct} distinct value(s), standard deviation ${ev.predictions.std.toExponential(2)}`,
      );
    }
    const verdict = reasons.length ? 'rejected' : 'promotable';
    if (!reasons.length) {
      reasons.push(
        `all checks passed: DM p = ${fmtP(dm.pValue)} (Holm ${fmtP(adjusted[i]!)}) <= ${t.alpha}, net Sharpe ${fmt(netSharpe, 2)} > naive ${fmt(naiveNetSharpe, 2)}, deflated Sharpe ${fmt(dsr.probability)} >= ${t.minDeflatedSharpeProbability}` +
          (champion
            ? `, beats production v${champion.version} by ${(champion.improvement * 100).toFixed(2)}% >= ${(t.championMargin * 100).toFixed(2)}%`
            : ', no production version to beat'),
      );
    }
    return gateDecisionSchema.parse({
      key: c.key,
      version: c.version,
      verdict,
      reasons,
      dm: { statistic: dm.statistic, pValue: dm.pValue, adjustedPValue: adjusted[i]!, samples: dm.samples },
      netSharpe,
      naiveNetSharpe,
      deflatedSharpe: { probability: dsr.probability, trials: dsr.trials, sharpeVariance: dsr.sharpeVariance },
      champion,
      folds: ev.folds.length,
    });
  });
}

export interface GateResult {
  gateUri: string;
  promotableCount: number;
  promotable: { key: string; version: number }[];
  rejected: { key: string; version: number; reason: string }[];
}

const evaluationOnly = modelMetadataSchema.pick({ timeframe: true, evaluation: true }).partial({ evaluation: true });

/**
 * Gate task: reads each registered candidate's walk-forward evaluation, re-scores the production model on the
 * candidate's latest fold, decides all candidates of the run together (Holm over their p-values), records each
 * decision on its registry version and in the run doc `gate`.
 */
export async function gateCandidates(
  deps: TrainingDeps,
  input: { run: RunContext; registration: { registered: { key: string; version: number }[] } },
): Promise<GateResult> {
  const t = deps.config.evaluation;
  const candidates: GateCandidate[] = [];
  for (const { key, version } of input.registration.registered) {
    const record = await deps.registry.getVersion(key, version);
    if (!record) throw new Error(`registered version ${key} v${version} is missing`);
    const parsed = evaluationOnly.safeParse(
      JSON.parse(new TextDecoder().decode(await readUri(record.metadataUri, deps.s3))),
    );
    const evaluation = parsed.success ? parsed.data.evaluation : undefined;
    const head = await deps.registry.getHead(key);
    const productionVersion = head?.production?.version;
    let champion: GateCandidate['champion'] = null;
    if (evaluation && productionVersion !== undefined && productionVersion !== version) {
      const production = await deps.registry.getVersion(key, productionVersion);
      if (!production) champion = `production v${productionVersion} is not in the registry`;
      else if (!deps.scoreChampion) champion = 'this runtime has no champion scorer (deps.scoreChampion)';
      else {
        champion = await deps
          .scoreChampion({
            champion: {
              version: production.version,
              artifactUri: production.artifactUri,
              metadataUri: production.metadataUri,
              sha256: production.sha256,
            },
            evaluation,
            timeframe: parsed.data!.timeframe as Timeframe,
            costBps: t.costBps,
            s3: deps.s3,
          })
          .catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      }
    }
    candidates.push({ key, version, evaluation, champion });
  }
  const decisions = decideGate(candidates, t);
  for (const d of decisions) await deps.registry.recordGate(d, runActor(input.run));
  const promotable = decisions
    .filter((d) => d.verdict === 'promotable')
    .map((d) => ({ key: d.key, version: d.version }));
  const rejected = decisions
    .filter((d) => d.verdict === 'rejected')
    .map((d) => ({ key: d.key, version: d.version, reason: d.reasons.join('; ') }));
  const gateUri = await writeRunDoc(deps, input.run.runId, 'gate', {
    runId: input.run.runId,
    thresholds: t,
    decisions,
  });
  return { gateUri, promotableCount: promotable.length, promotable, rejected };
}
