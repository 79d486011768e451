import { beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../../core/registry/index.js';
import { REGISTRY_HELP, runRegistryCli } from '../../../local/cli/registry.js';
import { createRegistryTable } from '../orchestration/support/aws-fixtures.js';

async function cli(args: string[], tableName: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRegistryCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { REGISTRY_TABLE: tableName, USER: 'ops-alice' } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('registry operator CLI', () => {
  let table: string;
  let registry: ModelRegistry;
  beforeAll(async () => {
    table = await createRegistryTable();
    registry = new ModelRegistry({ tableName: table });
    for (const [run, valMse] of [['r1', 0.5], ['r2', 0.4]] as const) {
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
    expect(last).toMatchObject({ action: 'rollback', who: 'ops-bob', why: 'live PnL worse', from: { production: 2 }, to: { production: 1 } });
    expect(prev).toMatchObject({ action: 'promote', who: 'ops-alice', why: 'manual review of walk-forward metrics' });
  });

  it('exits 1 with the reason when the registry refuses a move', async () => {
    const res = await cli(['rollback', 'AAPL#1h', '--canary', '--reason', 'x'], table);
    expect(res).toMatchObject({ code: 1 });
    expect(res.err).toContain('refused: AAPL#1h has no canary to roll back');
    expect((await cli(['promote', 'AAPL#1h', '9', '--reason', 'x'], table)).err).toContain('has no version 9');
  });
});
