import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { SERVING_METRICS } from '../../../core/registry/index.js';
import { readRunDoc } from '../../../lambdas/training/tasks/run-docs.js';
import { runRetrainLocally } from '../../../local/stepfunctions/index.js';
import type { GateDecision } from '../../../core/evaluation/index.js';
import {
  CANARY_TO_SUCCESS,
  retrainWorldPerTest,
  runRetrain,
  testConfig,
  TEST_SYMBOLS,
  type RetrainWorld,
} from './support/retrain-world.js';
import { seedProduction } from './support/seed-production.js';

const KEYS = TEST_SYMBOLS.map((s) => `${s}#1d`);
const worlds = retrainWorldPerTest();

const run = (w: RetrainWorld, reason = 'integration test') => runRetrain(w, reason);

describe('retrain state machine (synthesised ASL, run locally against moto)', () => {
  it('happy path: trains every shard, registers, canaries, bakes, promotes and notifies', async () => {
    const world = await worlds.create();
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'promoted', trigger: 'manual', reason: 'integration test' });
    expect(result.output!.promoted.map((p) => p.key).sort()).toEqual(KEYS);
    const mainPath = result.path.filter(
      (s) =>
        !['LaunchTrainer', 'WaitForTrainer', 'CheckTrainer', 'TrainerStatus', 'ShardSucceeded', 'StopTrainer'].includes(
          s,
        ),
    );
    expect(mainPath).toEqual([
      'SnapshotDataset',
      'QualityGate',
      'QualityPassed',
      'PlanShards',
      'TrainShards',
      'EvaluateCandidates',
      'HasCandidates',
      'RegisterCandidates',
      'GateCandidates',
      'AnyPromotable',
      ...CANARY_TO_SUCCESS,
    ]);
    expect(result.path.filter((s) => s === 'LaunchTrainer')).toHaveLength(2);
    for (const key of KEYS) {
      const aliases = await world.registry.getServingAliases(key);
      expect(aliases.canary).toBeUndefined();
      expect(aliases.production).toMatchObject({ version: 1 });
      const version = await world.registry.getVersion(key, 1);
      expect(version?.trainingRunId).toMatch(new RegExp(`^${result.output!.runId}-s00[01]$`));
      expect(version?.datasetManifest.id).toMatch(/^ds-[0-9a-f]{16}$/);
      expect((await world.registry.listAudit(key)).map((a) => a.action).reverse()).toEqual([
        'register',
        'gate',
        'setCanary',
        'promote',
      ]);
    }
    const messages = await world.alerts.read();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.subject).toContain('promoted');
    expect(JSON.parse(messages[0]!.message)).toMatchObject({ outcome: 'promoted', runId: result.output!.runId });
    expect(world.fake!.launches.every((l) => l.resume === false && l.attempt === 1)).toBe(true);
  });

  it('quality gate failing: too few rows and NaNs fail the run with a report, nothing is trained', async () => {
    const world = await worlds.create({
      lake: [
        { symbol: 'AAPL', timeframe: '1d', bars: 12 },
        { symbol: 'MSFT', timeframe: '1d', bars: 40, nanAt: [3, 9] },
      ],
    });
    const result = await run(world);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DataQualityGateFailed');
    expect(result.cause).toContain('AAPL#1d (too few rows: 12 < 30)');
    expect(result.cause).toContain('MSFT#1d (NaN fraction 0.0500 > 0.01 (2 rows))');
    expect(result.path).toContain('QualityGateFailed');
    expect(result.path).not.toContain('TrainShards');
    expect(world.fake!.launches).toHaveLength(0);
    const messages = await world.alerts.read();
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.message)).toMatchObject({
      outcome: 'failed',
      error: { Error: 'DataQualityGateFailed' },
    });
    const runId = JSON.parse(messages[0]!.message).runId as string;
    const report = await readRunDoc<{ configs: { key: string; rows: number; nanRows: number }[] }>(
      world.deps,
      runId,
      'quality-report',
    );
    expect(report.configs.map((c) => [c.key, c.rows, c.nanRows])).toEqual([
      ['AAPL#1d', 12, 0],
      ['MSFT#1d', 38, 2],
    ]);
  });

  it('trainer killed mid-run: detected, relaunched with --resume on the next instance type, then succeeds', async () => {
    const world = await worlds.create({ behaviour: (attempt) => (attempt === 1 ? 'crash' : 'succeed') });
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output!.outcome).toBe('promoted');
    expect(result.path.filter((s) => s === 'PrepareRelaunch')).toHaveLength(2);
    const launches = world.fake!.launches;
    expect(launches.map((l) => [l.shardId, l.attempt, l.resume, l.instanceTypeIndex]).sort()).toEqual([
      ['s000', 1, false, 0],
      ['s000', 2, true, 1],
      ['s001', 1, false, 0],
      ['s001', 2, true, 1],
    ]);
    // Same trainer run id across attempts, so --resume finds the checkpoints of attempt 1.
    expect(new Set(launches.filter((l) => l.shardId === 's000').map((l) => l.runId)).size).toBe(1);
  });

  it('hung trainer: a heartbeat older than the limit is declared dead, not waited on, and the shard is relaunched', async () => {
    const world = await worlds.create({ behaviour: (attempt) => (attempt === 1 ? 'hang' : 'succeed') });
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(world.fake!.launches.filter((l) => l.attempt === 2 && l.resume)).toHaveLength(2);
  });

  it('candidate with no edge over the naive forecast: registered, rejected by the gate with its p-value, production untouched', async () => {
    const world = await worlds.create({ valMse: () => 0.5, skill: () => 0 });
    for (const key of KEYS) await seedProduction(world, key, 0.3);
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'no-improvement', promoted: [] });
    expect(result.output!.rejected.map((r) => r.key).sort()).toEqual(KEYS);
    expect(result.output!.rejected[0]!.reason).toMatch(
      /Diebold-Mariano vs naive: p = [0-9.e-]+, Holm-adjusted over 2 configs [0-9.e-]+ > alpha 0\.05/,
    );
    const gate = await readRunDoc<{ decisions: GateDecision[] }>(world.deps, result.output!.runId!, 'gate');
    for (const d of gate.decisions) expect(d).toMatchObject({ verdict: 'rejected', champion: { version: 1 } });
    expect(result.path).not.toContain('StartCanary');
    for (const key of KEYS) {
      expect(await world.registry.getServingAliases(key)).toEqual({
        production: expect.objectContaining({ version: 1 }),
      });
      expect((await world.registry.listVersions(key)).map((v) => v.version)).toEqual([1, 2]);
    }
  });

  it('canary with a bad live error rate is rolled back; production keeps serving', async () => {
    const world = await worlds.create({ valMse: () => 0.1 });
    for (const key of KEYS) await seedProduction(world, key, 0.3);
    const cloudwatch = new CloudWatchClient(awsClientConfig());
    const canaryTask = world.handlers.canary;
    // Serving's side of the bake: traffic reaches the new canaries, AAPL's fails 30% of the time.
    world.handlers.canary = async (input) => {
      const out = (await canaryTask(input)) as { canaries: { key: string; version: number }[] };
      for (const { key, version } of out.canaries) {
        // AAPL as the inference handler emits today (Powertools service + ModelKey + Alias), MSFT by version.
        const dims = key.startsWith('AAPL')
          ? [
              { Name: 'service', Value: 'inference' },
              { Name: SERVING_METRICS.dimensions.modelKey, Value: key },
              { Name: SERVING_METRICS.dimensions.alias, Value: 'canary' },
            ]
          : [
              { Name: SERVING_METRICS.dimensions.modelKey, Value: key },
              { Name: SERVING_METRICS.dimensions.modelVersion, Value: String(version) },
            ];
        await cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: world!.metricsNamespace,
            MetricData: [
              {
                MetricName: SERVING_METRICS.predictions,
                Dimensions: dims,
                Value: 100,
                Unit: 'Count',
                Timestamp: new Date(),
              },
              {
                MetricName: SERVING_METRICS.predictionErrors,
                Dimensions: dims,
                Value: key.startsWith('AAPL') ? 30 : 1,
                Unit: 'Count',
                Timestamp: new Date(),
              },
            ],
          }),
        );
      }
      return out;
    };
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      outcome: 'partially-promoted',
      promoted: [{ key: 'MSFT#1d', version: 2 }],
      rolledBack: [{ key: 'AAPL#1d', version: 2, errorRate: 0.3 }],
    });
    // Both candidates passed the gate against production v1 re-scored with onnxruntime on their latest fold.
    const gate = await readRunDoc<{ decisions: GateDecision[] }>(world.deps, result.output!.runId!, 'gate');
    for (const d of gate.decisions) {
      expect(d.verdict).toBe('promotable');
      expect(d.champion!.version).toBe(1);
      expect(d.champion!.improvement).toBeGreaterThanOrEqual(world.config.evaluation.championMargin);
      expect(d.champion!.window.samples).toBeGreaterThan(20);
    }
    expect(await world.registry.getServingAliases('AAPL#1d')).toEqual({
      production: expect.objectContaining({ version: 1 }),
    });
    expect((await world.registry.getServingAliases('MSFT#1d')).production?.version).toBe(2);
    const rollback = (await world.registry.listAudit('AAPL#1d'))[0]!;
    expect(rollback).toMatchObject({
      action: 'rollback',
      from: { production: 1, canary: { version: 2, weight: 0.1 } },
      to: { production: 1 },
    });
    expect(rollback.why).toContain('error rate 0.3000 > 0.02');
  });

  it('attempts exhausted: every attempt interrupted, the run fails and the failure is notified', async () => {
    const world = await worlds.create({
      config: testConfig({ training: { maxAttempts: 2 } }),
      behaviour: () => 'interrupt',
    });
    const result = await run(world);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('NoCandidates');
    expect(result.cause).toContain('2 shards failed');
    expect(result.path.filter((s) => s === 'ShardGaveUp')).toHaveLength(2);
    expect(world.fake!.launches).toHaveLength(4);
    const messages = await world.alerts.read();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.subject).toContain('FAILED: NoCandidates');
    expect(JSON.parse(messages[0]!.message)).toMatchObject({ outcome: 'failed', failedShards: ['s000', 's001'] });
    for (const key of KEYS) expect(await world.registry.getHead(key)).toBeUndefined();
  });

  it('invalid trigger input: fails at the snapshot without retrying, and the failure is notified with the trigger', async () => {
    const world = await worlds.create();
    const result = await runRetrainLocally({
      config: world.config,
      handlers: world.handlers,
      input: { trigger: 'drift', reason: 'PSI alarm', configs: ['ZZZZ#1d'] },
      retryMs: 5,
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidRetrainInputError' });
    expect(result.cause).toContain('configs not in the configured universe: ZZZZ#1d');
    expect(result.path).toEqual(['SnapshotDataset', 'NotifyFailure', 'RetrainFailed']);
    const [message] = await world.alerts.read();
    expect(JSON.parse(message!.message)).toMatchObject({
      outcome: 'failed',
      trigger: 'drift',
      reason: 'PSI alarm',
      error: { Error: 'InvalidRetrainInputError' },
    });
  });
});
