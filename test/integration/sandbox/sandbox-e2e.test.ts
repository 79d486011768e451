import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../../core/registry/index.js';
import { createProgressReporter } from '../../../local/sandbox/progress.js';
import { DEFAULT_OPTIONS } from '../../../local/sandbox/options.js';
import { runSandbox, type RunningSandbox } from '../../../local/sandbox/run-sandbox.js';

/**
 * `npm start` end to end on a small universe, against the suite's Kafka broker and moto server: a
 * private topic namespace and env name keep it apart from the other integration tests. While the
 * sandbox serves, every promoted config must answer with the version the registry promoted.
 */
const POISON = 4;
const stateDir = mkdtempSync(join(tmpdir(), 'sf-sandbox-e2e-'));
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await runSandbox(
    {
      ...DEFAULT_OPTIONS,
      port: 0,
      events: 3_000,
      poison: POISON,
      epochs: 1,
      bakeSeconds: 1,
      symbols: ['SPX', 'AAPL'],
      timeframes: ['1d'],
      namespace: `e2e${randomBytes(3).toString('hex')}`,
      stateDir,
    },
    { progress: createProgressReporter(process.stderr) },
  );
}, 600_000);

afterAll(async () => {
  const failed = await sandbox?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  expect(failed ?? []).toEqual([]);
});

describe('npm start (sandbox) end to end', () => {
  it('runs the pipeline once and reports success with every poison record dead-lettered', () => {
    const { summary, error } = sandbox.outcome;
    expect(error).toBeUndefined();
    expect(summary.ok).toBe(true);
    expect(summary.execution_status).toBe('SUCCEEDED');
    expect(summary.dlq_records).toBe(POISON);
    expect(sandbox.outcome.poisonSent).toBe(POISON);
    expect(summary.events_ingested).toBeGreaterThanOrEqual(3_000);
    expect(summary.lake_objects).toBeGreaterThan(0);
    expect(summary.configs_trained).toBe(2);
    expect(summary.models_promoted).toBeGreaterThanOrEqual(1);
    expect(summary.api_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers /v1/predict for every promoted config with the promoted modelVersion from the registry', async () => {
    const { outcome } = sandbox;
    const registry = new ModelRegistry({ tableName: outcome.resources!.registryTable });
    expect(outcome.promoted.length).toBeGreaterThanOrEqual(1);
    for (const { key, version } of outcome.promoted) {
      const aliases = await registry.getServingAliases(key);
      expect(aliases.production?.version).toBe(version);
      const series = await sandbox.barsFor(key);
      expect(series, `bars for ${key}`).toBeDefined();
      const res = await fetch(`${outcome.summary.api_url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: series!.symbol, timeframe: series!.timeframe, bars: series!.bars }),
      });
      const body = (await res.json()) as { prediction: number; modelVersion: number; alias: string };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.modelVersion).toBe(aliases.production!.version);
      expect(body.alias).toBe('production');
      expect(Number.isFinite(body.prediction)).toBe(true);
    }
  });

  it('serves the run report at /report and health once models are promoted', async () => {
    const { api_url } = sandbox.outcome.summary;
    const report = await fetch(`${api_url}/report`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    expect(await report.text()).toContain(sandbox.outcome.runId);
    const health = await fetch(`${api_url}/health`);
    expect(health.status).toBe(200);
    expect(sandbox.outcome.reportS3Uri).toBe(`s3://${sandbox.outcome.resources!.artifactBucket}/runs/${sandbox.outcome.runId}/report.html`);
  });
});
