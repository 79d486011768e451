import type { SignalForgeConfig } from '../../core/config/index.js';
import { estimateCost } from './cost.js';
import type { RunReportInput } from './report-data.js';
import { gaussian, seededRandom } from '../../core/random/index.js';
import { holmAdjust } from '../../core/evaluation/holm.js';
import { PERIODS_PER_YEAR } from '../../core/evaluation/metrics.js';

/**
 * A deterministic, realistic-looking report for tests and the README screenshot. It is labelled as a
 * sample in its environment line; real runs get their data from the sandbox.
 */

export interface SampleReportOptions {
  keys: readonly string[];
  pricing: SignalForgeConfig['pricing'];
  instanceType: string;
  models?: readonly string[];
  seed?: number;
  epochs?: number;
  heldOutBars?: number;
  runId?: string;
}

function randomWalk(rand: () => number, bars: number, drift: number, vol: number): number[] {
  const out = [1];
  for (let i = 1; i < bars; i++) out.push(out[i - 1]! * Math.exp(drift + vol * gaussian(rand)));
  return out;
}

function maxDrawdown(equity: readonly number[]): number {
  let peak = -Infinity;
  let worst = 0;
  for (const v of equity) {
    peak = Math.max(peak, v);
    worst = Math.max(worst, (peak - v) / peak);
  }
  return worst;
}

function sharpe(equity: readonly number[], periodsPerYear: number): number {
  const returns = equity.slice(1).map((v, i) => Math.log(v / equity[i]!));
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : 0;
}

export function sampleRunReportData(options: SampleReportOptions): RunReportInput {
  const rand = seededRandom(options.seed ?? 7);
  const epochs = options.epochs ?? 20;
  const bars = options.heldOutBars ?? 260;
  const modelTypes = options.models ?? ['lstm', 'gru', 'dense'];
  const started = Date.parse('2025-03-02T02:00:00Z');

  const models = options.keys.map((key, k) => {
    const timeframe = key.split('#')[1] ?? '1d';
    const start = 0.9 + rand() * 0.6;
    const floor = 0.25 + rand() * 0.2;
    const rate = 0.15 + rand() * 0.2;
    const gap = 0.02 + rand() * 0.08;
    const trainLoss: number[] = [];
    const valLoss: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const base = floor + (start - floor) * Math.exp(-rate * e);
      trainLoss.push(base * (1 + 0.02 * gaussian(rand)));
      valLoss.push((base + gap + 0.004 * e * rand()) * (1 + 0.03 * gaussian(rand)));
    }
    const vol = 0.008 + rand() * 0.01;
    const baselineEquity = randomWalk(rand, bars, 0.0001, vol);
    const equity = randomWalk(rand, bars, -0.0002 + rand() * 0.0012, vol * 0.9);
    const periods = PERIODS_PER_YEAR[timeframe as keyof typeof PERIODS_PER_YEAR] ?? 252;
    return {
      key,
      modelType: modelTypes[k % modelTypes.length]!,
      trainLoss,
      valLoss,
      equity,
      baselineEquity,
      metrics: {
        valMse: valLoss[valLoss.length - 1]! * 1e-4,
        baselineValMse: (valLoss[valLoss.length - 1]! + 0.03) * 1e-4,
        directionalAccuracy: 0.49 + rand() * 0.07,
        sharpe: sharpe(equity, periods),
        maxDrawdown: maxDrawdown(equity),
        baselineSharpe: sharpe(baselineEquity, periods),
      },
    };
  });

  const registry = models.map((m, i) => {
    const promoted = (m.metrics.sharpe ?? 0) > (m.metrics.baselineSharpe ?? 0);
    return {
      key: m.key,
      version: `v${String(1 + (i % 3)).padStart(4, '0')}`,
      alias: promoted ? ('production' as const) : i % 5 === 1 ? ('canary' as const) : null,
      ...(promoted || i % 5 !== 1 ? {} : { canaryWeight: 0.1 }),
      metrics: {
        valMse: m.metrics.valMse,
        directionalAccuracy: m.metrics.directionalAccuracy,
        sharpe: m.metrics.sharpe,
      },
    };
  });

  // Sample verdicts: promotable where the sample model beats its baseline with a small p-value.
  const pValues = models.map((m) =>
    (m.metrics.sharpe ?? 0) > (m.metrics.baselineSharpe ?? 0) ? 0.0004 + rand() * 0.004 : 0.05 + rand() * 0.9,
  );
  const adjusted = holmAdjust(pValues);
  const gate = models.map((m, i) => {
    const pass = adjusted[i]! < 0.05 && (m.metrics.sharpe ?? 0) > (m.metrics.baselineSharpe ?? 0);
    const hasChampion = i % 2 === 0;
    const candidateLoss = m.metrics.valMse;
    return {
      key: m.key,
      version: 1 + (i % 3),
      verdict: pass ? ('promotable' as const) : ('rejected' as const),
      outcome: pass ? 'production' : 'rejected',
      pValue: pValues[i]!,
      adjustedPValue: adjusted[i]!,
      netSharpe: (m.metrics.sharpe ?? 0) - 0.1,
      naiveNetSharpe: (m.metrics.baselineSharpe ?? 0) - 0.05,
      deflatedSharpeProbability: pass ? 0.96 + rand() * 0.04 : rand() * 0.9,
      champion: hasChampion ? { version: 1, loss: candidateLoss * (pass ? 1.04 : 0.98), candidateLoss } : null,
      reasons: pass
        ? ['all checks passed']
        : [
            `Diebold-Mariano p ${pValues[i]!.toFixed(4)} (Holm ${adjusted[i]!.toFixed(4)}) >= alpha 0.05`,
            ...(hasChampion ? ['loses to production v1 on the same window'] : []),
          ],
    };
  });

  const stageSeconds: [string, number][] = [
    ['services', 21.4],
    ['provision', 3.2],
    ['replay', 48.9],
    ['ingest', 37.5],
    ['train', 240 + options.keys.length * 2.1],
    ['promote', 4.6],
    ['serve', 0.8],
  ];
  const duration = stageSeconds.reduce((n, [, s]) => n + s, 0);
  const trainSeconds = stageSeconds.find(([name]) => name === 'train')![1];

  const visitPlan: [string, string, number, 'succeeded' | 'retried' | 'caught'][] = [
    ['ValidateRequest', 'Task', 0.4, 'succeeded'],
    ['BuildDatasetManifest', 'Task', 6.2, 'succeeded'],
    ['CheckDataQuality', 'Choice', 0.1, 'succeeded'],
    ['LaunchTrainer', 'Task', 2.3, 'succeeded'],
    ['WaitForHeartbeat', 'Wait', 60, 'succeeded'],
    ['CheckTrainingProgress', 'Task', 0.5, 'retried'],
    ['WaitForHeartbeat', 'Wait', 60, 'succeeded'],
    ['CheckTrainingProgress', 'Task', 0.5, 'succeeded'],
    ['EvaluateCandidates', 'Map', 3.1, 'succeeded'],
    ['RegisterModels', 'Task', 1.2, 'succeeded'],
    ['PromoteOrCanary', 'Task', 0.9, 'succeeded'],
  ];
  let clock = started + 70_000;
  const visits = visitPlan.map(([name, type, seconds, status]) => {
    const enteredAt = new Date(clock).toISOString();
    clock += seconds * 1000;
    return { name, type, status, enteredAt, exitedAt: new Date(clock).toISOString() };
  });

  const events = 18_240 + options.keys.length * 120;
  return {
    runId: options.runId ?? 'run-20250302-020000-sample',
    startedAt: new Date(started).toISOString(),
    durationSeconds: duration,
    status: 'succeeded',
    environment: 'sample data · local sandbox (Kafka KRaft + moto)',
    stages: stageSeconds.map(([name, durationSeconds]) => ({ name, durationSeconds })),
    ingest: {
      eventsIngested: events,
      lakeObjects: 96 + options.keys.length * 4,
      deadLetters: [
        { reason: 'schema-validation', count: 6 },
        { reason: 'malformed-json', count: 3 },
        { reason: 'oversize-record', count: 1 },
      ],
      quarantine: [
        { reason: 'bar-move', count: 2 },
        { reason: 'universe', count: 1 },
      ],
      byTopic: [
        { topic: 'market-data', events: Math.round(events * 0.82) },
        { topic: 'financial-news', events: Math.round(events * 0.08) },
        { topic: 'social-sentiment', events: Math.round(events * 0.07) },
        {
          topic: 'regulatory-filings',
          events: events - Math.round(events * 0.82) - Math.round(events * 0.08) - Math.round(events * 0.07),
        },
      ],
    },
    models,
    registry,
    gate,
    gateSettings: {
      alpha: 0.05,
      minDeflatedSharpeProbability: 0.95,
      championMargin: 0.01,
      costBps: 5,
      folds: 5,
      approval: 'auto',
    },
    stateMachine: { executionName: 'manual-20250302T020110Z', status: 'SUCCEEDED', visits },
    cost: estimateCost({ pricing: options.pricing, instanceType: options.instanceType, seconds: trainSeconds }),
  };
}
