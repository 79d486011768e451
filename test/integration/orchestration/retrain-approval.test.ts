import { describe, expect, it } from 'vitest';
import type { GateDecision } from '../../../core/evaluation/index.js';
import { versionStatus } from '../../../core/registry/index.js';
import { approvalPolls } from '../../../lambdas/training/approval-polls.js';
import type { RunContext } from '../../../lambdas/training/contracts.js';
import type { ApprovalState } from '../../../lambdas/training/tasks/approval.js';
import { readRunDoc, writeRunDoc } from '../../../lambdas/training/tasks/run-docs.js';
import { runRegistryCli } from '../../../ops/registry/cli.js';
import {
  CANARY_TO_SUCCESS,
  retrainWorldPerTest,
  runRetrain,
  testConfig,
  TEST_SYMBOLS,
  type RetrainWorld,
} from './support/retrain-world.js';

const KEYS = TEST_SYMBOLS.map((s) => `${s}#1d`);
const worlds = retrainWorldPerTest();

const manual = (approvalTimeoutSeconds: number, approvalPollSeconds = 5) =>
  testConfig({ promotion: { approval: 'manual', approvalTimeoutSeconds, approvalPollSeconds } });

/**
 * The approval loop takes the gate's output as its input. The gate here passes every candidate with a
 * fixed, contract-shaped verdict, recorded on the version as the real gate does, so these tests are
 * about what happens after the gate and do not depend on the trainer's statistics.
 */
function passEveryCandidate(w: RetrainWorld): void {
  w.handlers.gate = async (input: {
    run: RunContext;
    registration: { registered: { key: string; version: number }[] };
  }) => {
    const decisions: GateDecision[] = input.registration.registered.map(({ key, version }) => ({
      key,
      version,
      verdict: 'promotable',
      reasons: ['all checks passed'],
      dm: { statistic: 3.2, pValue: 0.0007, adjustedPValue: 0.0014, samples: 200 },
      netSharpe: 1.1,
      naiveNetSharpe: 0.2,
      deflatedSharpe: { probability: 0.98, trials: 1, sharpeVariance: 0 },
      champion: null,
      folds: 5,
    }));
    for (const d of decisions) await w.registry.recordGate(d, { who: `retrain:${input.run.runId}`, why: 'gate' });
    const gateUri = await writeRunDoc(w.deps, input.run.runId, 'gate', { runId: input.run.runId, decisions });
    return {
      gateUri,
      promotableCount: decisions.length,
      promotable: decisions.map(({ key, version }) => ({ key, version })),
      rejected: [],
    };
  };
}

/** A reviewer at the CLI, acting while the execution is in its poll loop (before the first check). */
function reviewerActsDuringTheWait(w: RetrainWorld, decisions: [string, 'approve' | 'reject', string][]): void {
  const approval = w.handlers.approval;
  let acted = false;
  w.handlers.approval = async (input: { action: string }) => {
    if (input.action === 'check' && !acted) {
      acted = true;
      for (const [key, verb, reason] of decisions) {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runRegistryCli([verb, key, '1', '--reason', reason, '--who', 'quant-carol'], {
          out: (l) => out.push(l),
          err: (l) => err.push(l),
          registry: w.registry,
        });
        if (code !== 0) throw new Error(`registry ${verb} ${key} failed: ${err.join('\n')}`);
      }
    }
    return approval(input);
  };
}

const run = (w: RetrainWorld) => runRetrain(w, 'approval test', { approvalPollMs: 20 });

describe('retrain with manual approval (synthesised ASL, run locally against moto)', () => {
  it('approve: the candidate waits as pending-approval, a reviewer approves, only then canary, bake and promotion', async () => {
    const world = await worlds.create({ config: manual(600) });
    passEveryCandidate(world);
    reviewerActsDuringTheWait(
      world,
      KEYS.map((k) => [k, 'approve', 'walk-forward folds and DM reviewed']),
    );
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output!.promoted.map((p) => p.key).sort()).toEqual(KEYS);
    const main = result.path.filter(
      (s) => !['LaunchTrainer', 'WaitForTrainer', 'CheckTrainer', 'TrainerStatus', 'ShardSucceeded'].includes(s),
    );
    expect(main.slice(main.indexOf('GateCandidates'))).toEqual([
      'GateCandidates',
      'AnyPromotable',
      'RequestApproval',
      'ApprovalDecided',
      'WaitForApproval',
      'CheckApproval',
      'ApprovalDecided',
      ...CANARY_TO_SUCCESS,
    ]);
    for (const key of KEYS) {
      expect((await world.registry.getServingAliases(key)).production?.version).toBe(1);
      const version = await world.registry.getVersion(key, 1);
      expect(version!.approval).toMatchObject({
        state: 'approved',
        who: 'quant-carol',
        why: 'walk-forward folds and DM reviewed',
      });
      expect((await world.registry.listAudit(key)).map((a) => a.action).reverse()).toEqual([
        'register',
        'gate',
        'requestApproval',
        'approve',
        'setCanary',
        'promote',
      ]);
    }
  });

  it('reject: the rejected candidate never reaches canary and stays registered with who and why; the approved one goes on', async () => {
    const world = await worlds.create({ config: manual(600) });
    passEveryCandidate(world);
    reviewerActsDuringTheWait(world, [
      ['AAPL#1d', 'approve', 'looks right'],
      ['MSFT#1d', 'reject', 'turnover too high for the book'],
    ]);
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'promoted', promoted: [{ key: 'AAPL#1d', version: 1 }] });
    expect(result.output!.rejected).toEqual([
      { key: 'MSFT#1d', reason: 'rejected by quant-carol: turnover too high for the book' },
    ]);
    expect(await world.registry.getServingAliases('MSFT#1d')).toEqual({});
    const msft = await world.registry.getVersion('MSFT#1d', 1);
    expect(versionStatus(msft!)).toBe('rejected');
    expect(msft!.approval).toMatchObject({
      state: 'rejected',
      who: 'quant-carol',
      why: 'turnover too high for the book',
    });
    const [message] = await world.alerts.read();
    const body = JSON.parse(message!.message) as {
      rejected: { key: string; reason: string }[];
      decisions: { key: string; adjustedPValue: number }[];
    };
    expect(body.rejected).toEqual([
      { key: 'MSFT#1d', reason: 'rejected by quant-carol: turnover too high for the book' },
    ]);
    expect(body.decisions.map((d) => [d.key, d.adjustedPValue]).sort()).toEqual([
      ['AAPL#1d', 0.0014],
      ['MSFT#1d', 0.0014],
    ]);
  });

  it('timeout: nobody decides, every candidate is rejected as timed out after timeout/poll polls, production untouched', async () => {
    const world = await worlds.create({ config: manual(60, 5) });
    passEveryCandidate(world);
    const result = await run(world);
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ outcome: 'no-improvement', promoted: [] });
    expect(result.path.filter((s) => s === 'CheckApproval')).toHaveLength(12);
    expect(result.path).not.toContain('StartCanary');
    expect(result.output!.rejected.map((r) => r.key).sort()).toEqual(KEYS);
    expect(result.output!.rejected[0]!.reason).toBe('approval timed out: no decision within 60 s (12 polls)');
    for (const key of KEYS) {
      expect(await world.registry.getServingAliases(key)).toEqual({});
      expect((await world.registry.getVersion(key, 1))!.approval).toMatchObject({
        state: 'timed-out',
        who: expect.stringMatching(/^retrain:rt-/),
      });
      const [last] = await world.registry.listAudit(key, 1);
      expect(last).toMatchObject({
        action: 'approvalTimeout',
        why: 'approval timed out: no decision within 60 s (12 polls)',
      });
    }
    // A reviewer who comes back after the timeout is refused.
    const err: string[] = [];
    expect(
      await runRegistryCli(['approve', 'AAPL#1d', '1', '--reason', 'late'], {
        out: () => undefined,
        err: (l) => err.push(l),
        registry: world.registry,
      }),
    ).toBe(1);
    expect(err.join('\n')).toContain('was already timed-out');
    const doc = await readRunDoc<ApprovalState>(world.deps, result.output!.runId!, 'approval');
    expect(doc).toMatchObject({
      polls: approvalPolls(world.config.promotion),
      maxPolls: 12,
      pendingCount: 0,
      approvedCount: 0,
    });
  });
});
