import { beforeAll, describe, expect, it } from 'vitest';
import type { GateDecision } from '../../../core/evaluation/index.js';
import {
  InvalidTransitionError,
  ModelRegistry,
  versionStatus,
  type RegisterInput,
} from '../../../core/registry/index.js';
import { createRegistryTable } from '../../support/aws-fixtures.js';

function candidate(key: string, runId: string): RegisterInput {
  const [symbol, timeframe] = key.split('#');
  return {
    key,
    artifactUri: `s3://artifacts/models/${symbol}/${timeframe}/${runId}/model.onnx`,
    metadataUri: `s3://artifacts/models/${symbol}/${timeframe}/${runId}/metadata.json`,
    sha256: 'a'.repeat(64),
    metrics: { valMse: 0.4 },
    hyperparameters: { model: 'dense' },
    datasetManifest: { id: `manifest-${runId}`, uri: `s3://artifacts/runs/${runId}/dataset-manifest.json` },
    codeVersion: 'abc123',
    trainingRunId: runId,
  };
}

function decision(key: string, version: number, verdict: GateDecision['verdict']): GateDecision {
  return {
    key,
    version,
    verdict,
    reasons:
      verdict === 'promotable'
        ? ['all checks passed']
        : ['Diebold-Mariano p = 0.41 (Holm-adjusted 0.82) >= alpha 0.05'],
    dm: {
      statistic: verdict === 'promotable' ? 3.1 : 0.2,
      pValue: verdict === 'promotable' ? 0.001 : 0.41,
      adjustedPValue: verdict === 'promotable' ? 0.004 : 0.82,
      samples: 250,
    },
    netSharpe: verdict === 'promotable' ? 1.4 : -0.3,
    naiveNetSharpe: 0,
    deflatedSharpe: { probability: verdict === 'promotable' ? 0.99 : 0.2, trials: 4, sharpeVariance: 0.05 },
    champion: null,
    folds: 5,
  };
}

const run = { who: 'retrain:rt-1', why: 'schedule: weekly' };

describe('registry: gate verdicts and manual approval (moto)', () => {
  let registry: ModelRegistry;
  beforeAll(async () => {
    registry = new ModelRegistry({ tableName: await createRegistryTable() });
  });

  async function gated(key: string, runId: string, verdict: GateDecision['verdict']) {
    const v = await registry.register(candidate(key, runId), run);
    await registry.recordGate(decision(key, v.version, verdict), run);
    return v.version;
  }

  it('keeps a rejected candidate registered with its verdict, and refuses to alias it', async () => {
    const key = 'AAPL#1d';
    const version = await gated(key, 'r1', 'rejected');
    const stored = await registry.getVersion(key, version);
    expect(stored?.gate).toMatchObject({
      verdict: 'rejected',
      dm: { pValue: 0.41, adjustedPValue: 0.82 },
      netSharpe: -0.3,
      folds: 5,
    });
    expect(versionStatus(stored!)).toBe('rejected');
    await expect(registry.setCanary(key, version, 0.1, run)).rejects.toThrow(
      /was rejected \(Diebold-Mariano p = 0\.41/,
    );
    await expect(registry.promote(key, run, { version })).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(registry.requestApproval(key, version, run)).rejects.toThrow(/not promotable by the gate/);
    const audit = await registry.listAudit(key);
    expect(audit.map((a) => a.action)).toEqual(['gate', 'register']);
    expect(audit[0]!.why).toMatch(/^rejected: Diebold-Mariano/);
    expect(await registry.getServingAliases(key)).toEqual({});
  });

  it('approve: pending until a reviewer approves; who and why on the version and in the audit', async () => {
    const key = 'MSFT#1d';
    const version = await gated(key, 'r1', 'promotable');
    const pending = await registry.requestApproval(key, version, run);
    expect(versionStatus(pending)).toBe('pending-approval');
    // A retried request is a no-op; a pending version cannot serve.
    expect((await registry.requestApproval(key, version, run)).approval?.requestedAt).toBe(
      pending.approval?.requestedAt,
    );
    await expect(registry.setCanary(key, version, 0.1, run)).rejects.toThrow(/waiting for approval/);
    // The gate cannot rewrite a verdict someone is reviewing.
    await expect(registry.recordGate(decision(key, version, 'promotable'), run)).rejects.toThrow(/verdict is fixed/);
    const approved = await registry.approve(key, version, {
      who: 'quant-carol',
      why: 'walk-forward and DM look right',
    });
    expect(approved.approval).toMatchObject({
      state: 'approved',
      who: 'quant-carol',
      why: 'walk-forward and DM look right',
    });
    const stored = await registry.getVersion(key, version);
    expect(versionStatus(stored!)).toBe('approved');
    expect(stored!.approval!.decidedAt).toBeDefined();
    await registry.setCanary(key, version, 0.1, run);
    expect((await registry.getServingAliases(key)).canary?.version).toBe(version);
    const audit = await registry.listAudit(key);
    expect(audit.map((a) => a.action)).toEqual(['setCanary', 'approve', 'requestApproval', 'gate', 'register']);
    expect(audit[1]).toMatchObject({ who: 'quant-carol', why: 'walk-forward and DM look right' });
  });

  it('reject and timeout end the approval; a second decision is refused; both stay registered', async () => {
    const key = 'NVDA#1d';
    const rejectedVersion = await gated(key, 'r1', 'promotable');
    const timedOutVersion = await gated(key, 'r2', 'promotable');
    for (const v of [rejectedVersion, timedOutVersion]) await registry.requestApproval(key, v, run);
    await registry.reject(key, rejectedVersion, { who: 'quant-dan', why: 'drawdown too deep for the book' });
    await expect(registry.approve(key, rejectedVersion, { who: 'quant-erin', why: 'looks fine' })).rejects.toThrow(
      /already rejected by quant-dan/,
    );
    await registry.expireApproval(key, timedOutVersion, {
      who: 'retrain:rt-2',
      why: 'approval timed out after 86400 s',
    });
    const versions = await registry.listVersions(key);
    expect(versions.map((v) => [v.version, versionStatus(v), v.approval?.state])).toEqual([
      [rejectedVersion, 'rejected', 'rejected'],
      [timedOutVersion, 'rejected', 'timed-out'],
    ]);
    await expect(registry.promote(key, run, { version: timedOutVersion })).rejects.toThrow(
      /approval timed-out: approval timed out after 86400 s/,
    );
    const actions = (await registry.listAudit(key)).map((a) => a.action);
    expect(actions.filter((a) => a === 'reject' || a === 'approvalTimeout').sort()).toEqual([
      'approvalTimeout',
      'reject',
    ]);
  });

  it('two reviewers racing: exactly one decision commits', async () => {
    const key = 'AMZN#1d';
    const version = await gated(key, 'r1', 'promotable');
    await registry.requestApproval(key, version, run);
    const results = await Promise.allSettled([
      registry.approve(key, version, { who: 'alice', why: 'ship it' }),
      registry.reject(key, version, { who: 'bob', why: 'not yet' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(InvalidTransitionError);
    const audit = (await registry.listAudit(key)).filter((a) => a.action === 'approve' || a.action === 'reject');
    expect(audit).toHaveLength(1);
    expect((await registry.getVersion(key, version))!.approval!.who).toBe(audit[0]!.who);
  });
});
