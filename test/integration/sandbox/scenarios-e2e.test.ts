import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRegistry, versionStatus } from '../../../core/registry/index.js';
import { createProgressReporter } from '../../../local/sandbox/progress.js';
import { DEFAULT_OPTIONS } from '../../../local/sandbox/options.js';
import { runSandbox, type RunningSandbox } from '../../../local/sandbox/run-sandbox.js';
import type { ScenarioName } from '../../../local/sandbox/scenarios.js';

/**
 * `npm start -- --scenario noise` end to end on the default small universe (SPX, AAPL x 1d, 1w): every
 * series is a random walk, so the gate must reject every config, with its reason and p-value, and the
 * run must still count as a success, on another seed too. `--scenario signal-sentiment`: only the news predicts
 * the returns, so the ablation must find every config better with sentiment. (The signal scenario runs in
 * sandbox-e2e.test.ts.)
 */
const stateDir = mkdtempSync(join(tmpdir(), 'sf-scenario-e2e-'));
/** The running sandbox, stopped before the next and after all. */
let current: RunningSandbox | undefined;
afterAll(async () => {
  const failed = (await current?.stop()) ?? [];
  rmSync(stateDir, { recursive: true, force: true });
  expect(failed).toEqual([]);
});

async function runScenario(scenario: ScenarioName, seed: number): Promise<RunningSandbox> {
  await current?.stop();
  current = await runSandbox(
    {
      ...DEFAULT_OPTIONS,
      port: 0,
      events: 6_000,
      poison: 2,
      epochs: 30,
      bakeSeconds: 0,
      scenario,
      seed,
      namespace: `sc${randomBytes(3).toString('hex')}`,
      stateDir,
    },
    { progress: createProgressReporter(process.stderr) },
  );
  return current;
}

describe('npm start -- --scenario noise end to end', () => {
  it.each([11, 12])(
    'seed %i: rejects every config with a reason and a p-value, promotes nothing, and is ok',
    async (seed) => {
      const sandbox = await runScenario('noise', seed);
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

describe('npm start -- --scenario signal-sentiment end to end', () => {
  it('finds every config significantly better with sentiment than the same model without it, and serves', async () => {
    const sandbox = await runScenario('signal-sentiment', 13);
    const { summary, error } = sandbox.outcome;
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ ok: true, configs_trained: 4, execution_status: 'SUCCEEDED' });
    expect(summary.sentiment_ablation).toEqual({ configs: 4, better_with: 4, significant: 4, significant_without: 0 });
    for (const a of sandbox.outcome.ablations) {
      expect(a.withSentimentMse, a.key).toBeLessThan(a.withoutSentimentMse);
      expect(a.dieboldMariano.pValue, a.key).toBeLessThan(0.05);
    }
    expect(summary.models_promoted).toBeGreaterThan(0);
    const report = await (await fetch(`${summary.api_url}/report`)).text();
    expect(report.match(/data-ablation="/g)).toHaveLength(4);
  }, 900_000);
});
