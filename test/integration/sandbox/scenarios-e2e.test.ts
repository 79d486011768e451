import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRegistry, versionStatus } from '../../../core/registry/index.js';
import { createProgressReporter } from '../../../local/sandbox/progress.js';
import { DEFAULT_OPTIONS } from '../../../local/sandbox/options.js';
import { runSandbox, type RunningSandbox } from '../../../local/sandbox/run-sandbox.js';

/**
 * `npm start -- --scenario noise` end to end on the default small universe (SPX, AAPL x 1d, 1w): every
 * series is a random walk, so the gate must reject every config, with its reason and p-value, and the
 * run must still count as a success, on another seed too. (The signal scenario runs in sandbox-e2e.test.ts.)
 */
const stateDir = mkdtempSync(join(tmpdir(), 'sf-scenario-e2e-'));
let sandbox: RunningSandbox | undefined;
afterAll(async () => {
  const failed = (await sandbox?.stop()) ?? [];
  rmSync(stateDir, { recursive: true, force: true });
  expect(failed).toEqual([]);
});

describe('npm start -- --scenario noise end to end', () => {
  it.each([11, 12])(
    'seed %i: rejects every config with a reason and a p-value, promotes nothing, and is ok',
    async (seed) => {
      await sandbox?.stop();
      sandbox = await runSandbox(
        {
          ...DEFAULT_OPTIONS,
          port: 0,
          events: 6_000,
          poison: 2,
          epochs: 30,
          bakeSeconds: 0,
          scenario: 'noise',
          seed,
          namespace: `nz${randomBytes(3).toString('hex')}`,
          stateDir,
        },
        { progress: createProgressReporter(process.stderr) },
      );
      const { summary, error } = sandbox.outcome;
      expect(error).toBeUndefined();
      expect(summary).toMatchObject({
        ok: true,
        scenario: 'noise',
        seed,
        models_promoted: 0,
        models_rejected: 4,
        configs_trained: 4,
        execution_status: 'SUCCEEDED',
      });
      expect(summary.verdicts.map((v) => v.key).sort()).toEqual([...sandbox.outcome.configs].sort());
      for (const v of summary.verdicts) {
        expect(v, v.key).toMatchObject({ verdict: 'rejected', promoted: false });
        expect(v.reason.length, v.key).toBeGreaterThan(0);
        expect(v.p_value, v.key).toBeTypeOf('number');
      }
      // Rejected candidates stay registered with their verdict; nothing serves.
      const registry = new ModelRegistry({ tableName: sandbox.outcome.resources!.registryTable });
      for (const key of sandbox.outcome.configs) {
        const versions = await registry.listVersions(key);
        expect(versions, key).toHaveLength(1);
        expect(versionStatus(versions[0]!), key).toBe('rejected');
        expect(versions[0]!.gate!.reasons.length, key).toBeGreaterThan(0);
      }
      expect(sandbox.outcome.serving).toEqual([]);
      const report = await (await fetch(`${summary.api_url}/report`)).text();
      expect(report.match(/data-verdict="rejected"/g)).toHaveLength(4);
    },
    900_000,
  );
});
