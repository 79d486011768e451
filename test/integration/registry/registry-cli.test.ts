import { beforeAll, describe, expect, it } from 'vitest';
import type { GateDecision } from '../../../core/evaluation/index.js';
import { ModelRegistry } from '../../../core/registry/index.js';
import { REGISTRY_HELP, runRegistryCli } from '../../../ops/registry/cli.js';
import { createRegistryTable } from '../../support/aws-fixtures.js';

async function cli(args: string[], tableName: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRegistryCli(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { REGISTRY_TABLE: tableName, USER: 'ops-alice' },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('registry operator CLI', () => {
  let table: string;
  let registry: ModelRegistry;
  beforeAll(async () => {
    table = await createRegistryTable();
    registry = new ModelRegistry({ tableName: table });
    for (const [run, valMse] of [
      ['r1', 0.5],
      ['r2', 0.4],
    ] as const) {
      await registry.register(
        {
          key: 'AAPL#1h',
          artifactUri: `s3://a/models/AAPL/1h/${run}/model.onnx`,
          metadataUri: `s3://a/models/AAPL/1h/${run}/metadata.json`,
          sha256: 'a'.repeat(64),
          metrics: { valMse },
          hyperparameters: {},
          datasetManifest: { id: 'ds-1', uri: 's3://a/m.json' },
          codeVersion: 'c1',
          trainingRunId: run,
        },
        { who: 'retrain:rt-1', why: 'schedule' },
      );
    }
    await registry.promote('AAPL#1h', { who: 'retrain:rt-1', why: 'first' }, { version: 1 });
  });

  it('prints help with exit 0 and refuses unknown commands with exit 2', async () => {
    expect(await cli(['--help'], table)).toMatchObject({ code: 0, out: REGISTRY_HELP });
    expect((await cli(['frobnicate'], table)).code).toBe(2);
  });

  it('lists models and shows versions with their audit trail', async () => {
    const list = await cli(['list'], table);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/AAPL#1h\s+production v1\s+canary -\s+latest v2/);
    const show = await cli(['show', 'AAPL#1h', '--json'], table);
    const parsed = JSON.parse(show.out) as { versions: { version: number }[]; audit: { action: string }[] };
    expect(parsed.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(parsed.audit.map((a) => a.action)).toEqual(['promote', 'register', 'register']);
  });

  it('promotes and rolls back with who and why in the audit, and requires a reason', async () => {
    expect(await cli(['promote', 'AAPL#1h', '2'], table)).toMatchObject({ code: 2 });
    const promoted = await cli(['promote', 'AAPL#1h', '2', '--reason', 'manual review of walk-forward metrics'], table);
    expect(promoted.code).toBe(0);
    expect((await registry.getServingAliases('AAPL#1h')).production?.version).toBe(2);
    const rolled = await cli(['rollback', 'AAPL#1h', '--reason', 'live PnL worse', '--as', 'ops-bob'], table);
    expect(rolled.code).toBe(0);
    expect((await registry.getServingAliases('AAPL#1h')).production?.version).toBe(1);
    const [last, prev] = await registry.listAudit('AAPL#1h', 2);
    expect(last).toMatchObject({
      action: 'rollback',
      who: 'ops-bob',
      why: 'live PnL worse',
      from: { production: 2 },
      to: { production: 1 },
    });
    expect(prev).toMatchObject({ action: 'promote', who: 'ops-alice', why: 'manual review of walk-forward metrics' });
  });

  it('exits 1 with the reason when the registry refuses a move', async () => {
    const res = await cli(['rollback', 'AAPL#1h', '--canary', '--reason', 'x'], table);
    expect(res).toMatchObject({ code: 1 });
    expect(res.err).toContain('refused: AAPL#1h has no canary to roll back');
    expect((await cli(['promote', 'AAPL#1h', '9', '--reason', 'x'], table)).err).toContain('has no version 9');
  });

  it('approve and reject pending versions with who and why; show prints the gate verdict, p-values, Sharpe, champion and reasons', async () => {
    const key = 'MSFT#1d';
    const run = { who: 'retrain:rt-2', why: 'schedule' };
    const gate = (version: number, verdict: GateDecision['verdict'], reasons: string[]): GateDecision => ({
      key,
      version,
      verdict,
      reasons,
      dm: { statistic: 2.9, pValue: 0.0021, adjustedPValue: 0.0084, samples: 240 },
      netSharpe: 1.37,
      naiveNetSharpe: -0.12,
      deflatedSharpe: { probability: 0.97, trials: 4, sharpeVariance: 0.04 },
      champion: {
        version: 1,
        loss: 0.00042,
        candidateLoss: 0.0004,
        improvement: 0.0476,
        window: { from: '2019-06-03', to: '2020-04-17', samples: 48 },
      },
      folds: 5,
    });
    for (const r of ['m1', 'm2', 'm3']) {
      await registry.register(
        {
          key,
          artifactUri: `s3://a/models/MSFT/1d/${r}/model.onnx`,
          metadataUri: `s3://a/models/MSFT/1d/${r}/metadata.json`,
          sha256: 'b'.repeat(64),
          metrics: { valMse: 0.3 },
          hyperparameters: {},
          datasetManifest: { id: 'ds-2', uri: 's3://a/m.json' },
          codeVersion: 'c2',
          trainingRunId: r,
        },
        run,
      );
    }
    await registry.recordGate(gate(1, 'promotable', ['all checks passed']), run);
    await registry.recordGate(gate(2, 'promotable', ['all checks passed']), run);
    await registry.recordGate(
      gate(3, 'rejected', [
        'net Sharpe -0.40 <= naive net Sharpe -0.12',
        'Diebold-Mariano p 0.3100 (Holm 0.6200) >= alpha 0.05',
      ]),
      run,
    );
    for (const v of [1, 2]) await registry.requestApproval(key, v, run);
    const pending = await cli(['pending'], table);
    expect(pending.code).toBe(0);
    expect(pending.out.match(/^ {2}v\d+ {2}pending-approval/gm)).toHaveLength(2);
    expect(pending.out).toContain('gate promotable: DM p 0.0021 (Holm 0.0084, n 240)');

    expect((await cli(['approve', key, '1'], table)).code).toBe(2);
    expect((await cli(['approve', key, '--reason', 'x'], table)).code).toBe(2);
    const approved = await cli(
      ['approve', key, '1', '--reason', 'DM and walk-forward folds reviewed', '--who', 'quant-carol'],
      table,
    );
    expect(approved).toMatchObject({
      code: 0,
      out: 'MSFT#1d v1 approved by quant-carol: DM and walk-forward folds reviewed',
    });
    const rejected = await cli(['reject', key, '2', '--reason', 'turnover too high for the book'], table);
    expect(rejected).toMatchObject({
      code: 0,
      out: 'MSFT#1d v2 rejected by ops-alice: turnover too high for the book',
    });
    const again = await cli(['approve', key, '2', '--reason', 'changed my mind'], table);
    expect(again.code).toBe(1);
    expect(again.err).toContain('refused: MSFT#1d v2 was already rejected by ops-alice');
    expect((await cli(['reject', key, '3', '--reason', 'x'], table)).err).toContain('is not waiting for approval');

    const show = await cli(['show', key], table);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/v1 {2}approved/);
    expect(show.out).toMatch(/v2 {2}rejected/);
    expect(show.out).toContain(
      'gate promotable: DM p 0.0021 (Holm 0.0084, n 240); net Sharpe 1.37 vs naive -0.12; deflated Sharpe P 0.970 over 4 trials; champion v1 loss 0.0004200 vs 0.0004000 (4.76%) on 2019-06-03..2020-04-17; 5 folds',
    );
    expect(show.out).toContain('approval approved');
    expect(show.out).toContain('by quant-carol: DM and walk-forward folds reviewed');
    expect(show.out).toContain('- net Sharpe -0.40 <= naive net Sharpe -0.12');
    expect(show.out).toMatch(/reject\s+v2 {2}by ops-alice: turnover too high for the book/);
    expect((await cli(['pending'], table)).out).toBe('nothing is waiting for approval');
    const json = JSON.parse((await cli(['show', key, '--json'], table)).out) as {
      versions: { version: number; status: string }[];
    };
    expect(json.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'approved'],
      [2, 'rejected'],
      [3, 'rejected'],
    ]);
  });
});
