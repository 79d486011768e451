import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { COST_SOURCES } from '../../../core/cost/index.js';
import { ModelRegistry } from '../../../core/registry/index.js';
import { createProgressReporter } from '../../../local/sandbox/progress.js';
import { DEFAULT_OPTIONS, type SandboxOptions } from '../../../local/sandbox/options.js';
import { provisionResources, sandboxResourceNames } from '../../../local/sandbox/resources.js';
import { runSandbox, type RunningSandbox } from '../../../local/sandbox/run-sandbox.js';
import { sandboxConfig } from '../../../local/sandbox/sandbox-config.js';
import { restoreSnapshot, saveSnapshot } from '../../../local/sandbox/snapshot.js';

/**
 * `npm start -- --scenario signal` end to end on the default small universe (SPX, AAPL x 1d, 1w), against
 * the suite's Kafka broker and moto server: a private topic namespace and env name keep it apart from the
 * other integration tests. The series carry a planted AR(1) signal, so the gate must promote at least 3 of
 * the 4 configs; while the sandbox serves, every promoted config must answer with the version the registry
 * promoted. A second run with the first run's registry restored must not promote a retrained model that
 * does not beat production on the same window.
 */
const POISON = 4;
const stateDir = mkdtempSync(join(tmpdir(), 'sf-sandbox-e2e-'));
const OPTIONS: SandboxOptions = {
  ...DEFAULT_OPTIONS,
  port: 0,
  events: 6_000,
  poison: POISON,
  epochs: 30,
  bakeSeconds: 1,
  scenario: 'signal',
  seed: 12,
  stateDir,
};
const namespace = () => `e2e${randomBytes(3).toString('hex')}`;
let sandbox: RunningSandbox;
let second: RunningSandbox | undefined;

beforeAll(async () => {
  sandbox = await runSandbox(
    { ...OPTIONS, namespace: namespace() },
    { progress: createProgressReporter(process.stderr) },
  );
}, 900_000);

afterAll(async () => {
  const failed = [...((await sandbox?.stop()) ?? []), ...((await second?.stop()) ?? [])];
  rmSync(stateDir, { recursive: true, force: true });
  expect(failed).toEqual([]);
});

describe('npm start -- --scenario signal (sandbox) end to end', () => {
  it('runs the pipeline once and reports success with every poison record dead-lettered or quarantined', () => {
    const { summary, error } = sandbox.outcome;
    expect(error).toBeUndefined();
    expect(summary.ok).toBe(true);
    expect(summary).toMatchObject({ scenario: 'signal', seed: 12 });
    expect(summary.execution_status).toBe('SUCCEEDED');
    expect(summary.dlq_records).toBe(POISON);
    expect(sandbox.outcome.poisonSent).toBe(POISON);
    // As many implausible records, each quarantined by the plausibility rule it breaks.
    expect(summary.quarantined).toBe(POISON);
    expect(sandbox.outcome.implausibleSent).toBe(POISON);
    expect(summary.events_ingested).toBeGreaterThanOrEqual(6_000);
    expect(summary.lake_objects).toBeGreaterThan(0);
    expect(summary.configs_trained).toBe(4);
    expect(summary.api_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('promotes at least 3 of the 4 configs, each with a Holm-adjusted DM p-value under alpha and its reasons', () => {
    const { summary, config } = sandbox.outcome;
    expect(summary.models_promoted, JSON.stringify(summary.verdicts)).toBeGreaterThanOrEqual(3);
    expect(summary.models_rejected).toBe(4 - summary.models_promoted);
    expect(summary.verdicts).toHaveLength(4);
    for (const v of summary.verdicts.filter((x) => x.promoted)) {
      expect(v.verdict).toBe('promotable');
      expect(v.adjusted_p_value!, v.key).toBeLessThan(config.evaluation.alpha);
    }
    for (const v of summary.verdicts) expect(v.reason.length, v.key).toBeGreaterThan(0);
  });

  it('records the checkout commit (`git rev-parse HEAD`) and the config hash on every registered version', async () => {
    const { outcome } = sandbox;
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(outcome.summary.code_version.replace(/-dirty$/, '')).toBe(head);
    const registry = new ModelRegistry({ tableName: outcome.resources!.registryTable });
    for (const v of outcome.summary.verdicts) {
      const version = (await registry.getVersion(v.key, v.version))!;
      expect(version.codeVersion, v.key).toBe(outcome.summary.code_version);
      expect(version.configHash, v.key).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(version.trainingCost?.sources, v.key).toEqual([COST_SOURCES.local]);
      expect(version.trainingCost!.usd, v.key).toBeGreaterThan(0);
    }
    expect(outcome.summary.training_cost).toMatchObject({ sources: [COST_SOURCES.local] });
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
      // The short form, from the online store the sandbox's sink kept: the same bars, so the same answer.
      const short = await fetch(`${outcome.summary.api_url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: series!.symbol, timeframe: series!.timeframe }),
      });
      const online = (await short.json()) as {
        prediction: number;
        modelVersion: number;
        asOf: string;
        featureAgeSeconds: number;
      };
      expect(short.status, JSON.stringify(online)).toBe(200);
      const lastBar = new Date(series!.bars.at(-1)!.t).toISOString();
      expect(online.asOf, `${key}: short form answered ${JSON.stringify(online)}`).toBe(lastBar);
      expect(online.prediction).toBe(body.prediction);
      expect(online.featureAgeSeconds).toBeGreaterThan(0);
    }
  });

  it('serves the run report at /report, with the gate table, and health once models are promoted', async () => {
    const { api_url } = sandbox.outcome.summary;
    const report = await fetch(`${api_url}/report`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    const html = await report.text();
    expect(html).toContain(sandbox.outcome.runId);
    expect(html.match(/data-gate-key=/g)).toHaveLength(4);
    expect(html).toContain('Diebold-Mariano');
    const health = await fetch(`${api_url}/health`);
    expect(health.status).toBe(200);
    expect(sandbox.outcome.reportS3Uri).toBe(
      `s3://${sandbox.outcome.resources!.artifactBucket}/runs/${sandbox.outcome.runId}/report.html`,
    );
  });

  it('a second run with the registry restored promotes nothing that does not beat production on the same window', async () => {
    const production = new Map(sandbox.outcome.serving.map((p) => [p.key, p.version]));
    const first = sandbox.outcome.resources!;
    const s3 = new S3Client(awsClientConfig());
    const ddb = new DynamoDBClient(awsClientConfig());
    // What `npm start` does between two runs on a fresh emulator: save the registry and the artifacts,
    // then restore them into the next run's (here: freshly named) resources before it starts.
    const snapshot = join(stateDir, 'handover');
    await saveSnapshot(snapshot, { s3, ddb, resources: first });
    await sandbox.stop();
    // Another seed: the same outcome class on fresh data (the absolute bar passes), while the champion,
    // re-scored on each candidate's latest fold, decides what is promoted.
    const options = { ...OPTIONS, seed: 13, namespace: namespace() };
    const config = sandboxConfig(options);
    const resources = sandboxResourceNames(config, process.env.AWS_REGION ?? config.region, options.namespace);
    await provisionResources({ config, brokers: (process.env.KAFKA_BROKERS ?? '').split(','), s3, ddb, resources });
    await restoreSnapshot(snapshot, { s3, ddb, resources });

    second = await runSandbox(options, { progress: createProgressReporter(process.stderr) });
    const { summary, error } = second.outcome;
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ ok: true, execution_status: 'SUCCEEDED' });
    const registry = new ModelRegistry({ tableName: resources.registryTable });
    const margin = config.evaluation.championMargin;
    const gates = await Promise.all(
      summary.verdicts.map(async (v) => (await registry.getVersion(v.key, v.version))!.gate!),
    );
    expect(
      gates.filter((g) => g.dm !== null && g.dm.adjustedPValue < config.evaluation.alpha).length,
      JSON.stringify(summary.verdicts),
    ).toBeGreaterThanOrEqual(3);
    for (const verdict of summary.verdicts) {
      const champion = production.get(verdict.key);
      if (champion === undefined) continue;
      const gate = (await registry.getVersion(verdict.key, verdict.version))!.gate!;
      // The champion was re-scored on the candidate's latest out-of-sample fold...
      expect(gate.champion, `${verdict.key}: ${gate.reasons.join('; ')}`).toMatchObject({ version: champion });
      // ...and a candidate that does not beat it there by the margin is not promoted.
      if (gate.champion!.improvement < margin)
        expect(verdict, verdict.key).toMatchObject({ verdict: 'rejected', promoted: false });
      if (verdict.promoted) expect(gate.champion!.improvement, verdict.key).toBeGreaterThanOrEqual(margin);
      if (!verdict.promoted)
        expect((await registry.getHead(verdict.key))!.production!.version, verdict.key).toBe(champion);
    }
  }, 900_000);
});
