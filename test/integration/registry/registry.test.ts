import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConcurrentModificationError,
  InvalidTransitionError,
  ModelRegistry,
  type RegisterInput,
} from '../../../core/registry/index.js';
import { createRegistryTable } from '../../support/aws-fixtures.js';

const sha = (c: string) => c.repeat(64);

function candidate(key: string, runId: string, valMse: number, shaChar = 'a'): RegisterInput {
  const [symbol, timeframe] = key.split('#');
  return {
    key,
    artifactUri: `s3://artifacts/models/${symbol}/${timeframe}/${runId}/model.onnx`,
    metadataUri: `s3://artifacts/models/${symbol}/${timeframe}/${runId}/metadata.json`,
    sha256: sha(shaChar),
    metrics: { valMse, directionalAccuracy: 0.55 },
    hyperparameters: { model: 'lstm', windowSize: 32 },
    datasetManifest: { id: `manifest-${runId}`, uri: `s3://artifacts/runs/${runId}/dataset-manifest.json` },
    codeVersion: 'abc123',
    trainingRunId: runId,
  };
}

const ops = { who: 'tester', why: 'integration test' };

describe('model registry against DynamoDB (moto)', () => {
  let registry: ModelRegistry;
  beforeAll(async () => {
    registry = new ModelRegistry({ tableName: await createRegistryTable() });
  });

  it('numbers versions per model, keeps them immutable and registers idempotently per run', async () => {
    const v1 = await registry.register(candidate('AAPL#1h', 'run-1', 0.5), ops);
    const v2 = await registry.register(candidate('AAPL#1h', 'run-2', 0.4), ops);
    const again = await registry.register(candidate('AAPL#1h', 'run-1', 0.1), ops);
    const other = await registry.register(candidate('MSFT#1d', 'run-1', 0.3), ops);
    expect([v1.version, v2.version, again.version, other.version]).toEqual([1, 2, 1, 1]);
    expect(again.metrics.valMse).toBe(0.5);
    const versions = await registry.listVersions('AAPL#1h');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]).toMatchObject({
      trainingRunId: 'run-1',
      codeVersion: 'abc123',
      datasetManifest: { id: 'manifest-run-1' },
    });
    const byRun = await registry.versionsByRun('run-1');
    expect(byRun.map((v) => v.key).sort()).toEqual(['AAPL#1h', 'MSFT#1d']);
    const models = await registry.listModels();
    expect(models.map((m) => m.key).sort()).toEqual(['AAPL#1h', 'MSFT#1d']);
  });

  it('moves canary and production aliases and audits every transition', async () => {
    const key = 'NVDA#4h';
    await registry.register(candidate(key, 'r1', 0.5, 'b'), ops);
    await registry.register(candidate(key, 'r2', 0.4, 'c'), ops);
    await registry.setCanary(key, 1, 0.2, { who: 'alice', why: 'first model' });
    expect(await registry.getServingAliases(key)).toMatchObject({
      canary: { version: 1, weight: 0.2, sha256: sha('b') },
    });
    await registry.promote(key, { who: 'alice', why: 'bake passed' });
    await registry.setCanary(key, 2, 0.1, { who: 'bob', why: 'retrain' });
    let aliases = await registry.getServingAliases(key);
    expect(aliases.production?.version).toBe(1);
    expect(aliases.canary).toMatchObject({ version: 2, weight: 0.1, sha256: sha('c') });
    await registry.promote(key, { who: 'bob', why: 'bake passed' });
    aliases = await registry.getServingAliases(key);
    expect(aliases.production?.version).toBe(2);
    expect(aliases.canary).toBeUndefined();
    await registry.rollback(key, { who: 'carol', why: 'bad live PnL' }, { target: 'production' });
    expect((await registry.getServingAliases(key)).production?.version).toBe(1);
    await expect(registry.archive(key, 1, ops)).rejects.toBeInstanceOf(InvalidTransitionError);
    await registry.archive(key, 2, { who: 'carol', why: 'superseded' });
    await expect(registry.setCanary(key, 2, 0.1, ops)).rejects.toBeInstanceOf(InvalidTransitionError);

    const audit = await registry.listAudit(key);
    expect(audit.map((a) => a.action).reverse()).toEqual([
      'register',
      'register',
      'setCanary',
      'promote',
      'setCanary',
      'promote',
      'rollback',
      'archive',
    ]);
    const rollback = audit.find((a) => a.action === 'rollback')!;
    expect(rollback).toMatchObject({
      who: 'carol',
      why: 'bad live PnL',
      from: { production: 2 },
      to: { production: 1 },
      version: 1,
    });
    expect(Date.parse(rollback.at)).not.toBeNaN();
  });

  it('withdraws a canary on rollback without touching production', async () => {
    const key = 'TSLA#1d';
    await registry.register(candidate(key, 'r1', 0.5), ops);
    await registry.register(candidate(key, 'r2', 0.6), ops);
    await registry.promote(key, ops, { version: 1 });
    await registry.setCanary(key, 2, 0.1, ops);
    await registry.rollback(key, { who: 'retrain', why: 'canary error rate 0.2 > 0.02' }, { target: 'canary' });
    const aliases = await registry.getServingAliases(key);
    expect(aliases).toEqual({ production: expect.objectContaining({ version: 1 }) });
  });

  it('lets exactly one of two concurrent promotions win', async () => {
    const key = 'META#1w';
    for (const run of ['r1', 'r2', 'r3']) await registry.register(candidate(key, run, 0.5), ops);
    await registry.promote(key, ops, { version: 1 });
    // Two operators look at the same head (revision r) and each promote a different version from it.
    const seen = (await registry.getHead(key))!;
    const racers = [2, 3].map((version) =>
      registry.promote(key, { who: `op-${version}`, why: 'race' }, { version, expectedRevision: seen.revision }),
    );
    const results = await Promise.allSettled(racers);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrentModificationError);
    const winner = (won[0] as PromiseFulfilledResult<{ production?: { version: number } }>).value.production!.version;
    expect((await registry.getServingAliases(key)).production?.version).toBe(winner);
    const promotions = (await registry.listAudit(key)).filter((a) => a.action === 'promote');
    expect(promotions).toHaveLength(2);
    expect(promotions[0]).toMatchObject({ version: winner, from: { production: 1 }, to: { production: winner } });
  });

  it('rejects an alias move decided from an outdated read, and leaves the head as the winner wrote it', async () => {
    const key = 'IBM#1h';
    await registry.register(candidate(key, 'r1', 0.5), ops);
    await registry.register(candidate(key, 'r2', 0.5), ops);
    const stale = (await registry.getHead(key))!;
    await registry.promote(key, ops, { version: 1 });
    await expect(registry.setCanary(key, 2, 0.1, ops, { expectedRevision: stale.revision })).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    const head = (await registry.getHead(key))!;
    expect(head.revision).toBe(stale.revision + 1);
    expect(head.production?.version).toBe(1);
    expect(head.canary).toBeUndefined();
    // A register racing an alias move touches other attributes, so neither loses the other's write.
    await Promise.all([registry.register(candidate(key, 'r3', 0.4), ops), registry.setCanary(key, 2, 0.1, ops)]);
    const after = (await registry.getHead(key))!;
    expect(after.latestVersion).toBe(3);
    expect(after.canary?.version).toBe(2);
  });
});
