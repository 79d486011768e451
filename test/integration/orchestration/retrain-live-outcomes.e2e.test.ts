import { describe, expect, it } from 'vitest';
import { LiveQualityStore } from '../../../core/registry/index.js';
import { joinConfigOutcomes } from '../../../lambdas/serving/outcomes/join-task.js';
import { readOutcomes } from '../../../lambdas/serving/outcomes/lake-io.js';
import { listKeys } from '../../../core/lake/index.js';
import { retrainWorldPerTest, runRetrain, testConfig, type RetrainWorld } from './support/retrain-world.js';
import type { TrafficQuality } from './support/live-traffic.js';
import { seedProduction } from './support/seed-production.js';

const KEYS = ['AAPL#1d', 'MSFT#1d'];

const worlds = retrainWorldPerTest();

const run = (w: RetrainWorld) => runRetrain(w, 'live outcomes test');

/** Production v1 (a real model, so the gate can re-score it) serves; the run's v2 canary sees `traffic`. */
async function againstProduction(traffic: TrafficQuality, mode: 'canary' | 'shadow' = 'canary') {
  const w = await worlds.create({
    config: testConfig({ deployment: { mode } }),
    valMse: () => 0.1,
    traffic: () => traffic,
  });
  for (const key of KEYS) await seedProduction(w, key, 0.3);
  const result = await run(w);
  expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
  expect(result.output!.canaryVerdicts, JSON.stringify(result.output)).toHaveLength(2);
  return { result, w };
}

describe('canary and shadow judged on realised outcomes (synthesised state machine, moto)', () => {
  it('a better candidate is promoted on outcomes (Diebold-Mariano against the naive forecast when nothing serves)', async () => {
    const world = await worlds.create();
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output!.promoted).toHaveLength(2);
    const verdicts = result.output!.canaryVerdicts!;
    expect(verdicts).toHaveLength(2);
    for (const v of verdicts) {
      expect(v).toMatchObject({
        verdict: 'promote',
        test: 'diebold-mariano',
        candidateSamples: 39,
        benchmarkSamples: 39,
      });
    }
    const audit = (await world.registry.listAudit('AAPL#1d'))[0]!;
    expect(audit.action).toBe('promote');
    expect(audit.why).toMatch(/diebold-mariano p=[0-9.e-]+.*n=39\/39/);
  });

  it('a deliberately worse candidate is rolled back on outcomes with p below alpha (Welch, canary mode)', async () => {
    const { result, w } = await againstProduction({ noise: 0.05 });
    expect(result.output!.rolledBack.map((r) => r.key).sort(), JSON.stringify(result.output)).toEqual([
      'AAPL#1d',
      'MSFT#1d',
    ]);
    for (const v of result.output!.canaryVerdicts!) {
      expect(v).toMatchObject({ verdict: 'rollback', test: 'welch' });
      expect(v.pValue!).toBeLessThan(w.config.deployment.alpha);
    }
    expect((await w.registry.getServingAliases('AAPL#1d')).production?.version).toBe(1);
  });

  it('a better candidate beside production is promoted on outcomes (Welch, canary mode)', async () => {
    const { result } = await againstProduction({ noise: 0.001 });
    expect(result.output!.promoted.map((p) => p.version)).toEqual([2, 2]);
    for (const v of result.output!.canaryVerdicts!)
      expect(v).toMatchObject({ verdict: 'promote', test: 'welch', benchmark: 'production' });
  });

  it('zero traffic ends as insufficient evidence after the bake extensions, never a promotion', async () => {
    const world = await worlds.create({ traffic: () => 'none' });
    const result = await run(world);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output!.promoted).toEqual([]);
    expect(result.output!.canaryVerdicts!.map((v) => v.verdict)).toEqual(['insufficient', 'insufficient']);
    // One extension (maxBakeExtensions 1): the bake ran twice, then the canaries were rejected.
    expect(result.path.filter((s) => s === 'BakeCanary')).toHaveLength(2);
    expect(result.path).toContain('ExtendBake');
    expect((await world.registry.getServingAliases('AAPL#1d')).production).toBeUndefined();
  });

  it('shadow mode judges with the paired test on the same requests', async () => {
    const { result } = await againstProduction({ noise: 0.05 }, 'shadow');
    for (const v of result.output!.canaryVerdicts!)
      expect(v).toMatchObject({
        mode: 'shadow',
        verdict: 'rollback',
        test: 'diebold-mariano',
        candidateSamples: 39,
        benchmarkSamples: 39,
      });
  });

  it('the outcome join is idempotent: a second run over the same data writes nothing and keeps the same metrics', async () => {
    const world = await worlds.create();
    await run(world);
    const deps = {
      config: world.config,
      s3: world.deps.s3,
      lakeBucket: world.deps.lakeBucket,
      liveQuality: new LiveQualityStore({ tableName: world.registry.tableName }),
    };
    const before = await readOutcomes(deps.s3, deps.lakeBucket, 'AAPL#1d', 1);
    const objects = await listKeys(deps.s3, deps.lakeBucket, 'outcomes/');
    const again = await joinConfigOutcomes(deps, 'AAPL#1d');
    expect(again.versionsWritten).toBe(0);
    expect(again.joined).toBe(39);
    expect(await readOutcomes(deps.s3, deps.lakeBucket, 'AAPL#1d', 1)).toEqual(before);
    expect(await listKeys(deps.s3, deps.lakeBucket, 'outcomes/')).toEqual(objects);
    const [quality] = await deps.liveQuality.list('AAPL#1d');
    expect(quality).toMatchObject({ key: 'AAPL#1d', version: 1, variant: 'canary', samples: 39 });
    expect(quality!.directionalAccuracy).toBeGreaterThan(0.9);
  });
});
