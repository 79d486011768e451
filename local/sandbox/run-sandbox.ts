import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readJson, S3Store } from '../../core/artifacts/index.js';
import { gateDecisionSchema, type GateDecision } from '../../core/evaluation/index.js';
import { runDocKey } from '../../lambdas/training/tasks/run-docs.js';
import { awsClientConfig } from '../../core/aws/clients.js';
import { modelConfigKeys, type SignalForgeConfig } from '../../core/config/index.js';
import { createKafka } from '../../core/kafka/client.js';
import { ModelRegistry } from '../../core/registry/index.js';
import { startLocalServices, type LocalServices } from '../services/index.js';
import { barsPerRequest, latestBarsFromLake, type SeriesBars } from './bars.js';
import { runIngest, type IngestFigures } from './ingest.js';
import { Lifecycle } from './lifecycle.js';
import { DEFAULT_OPTIONS, type SandboxOptions } from './options.js';
import { createProgressReporter, type ProgressReporter } from './progress.js';
import { buildReportData, publishReport } from './report.js';
import { trainedConfigs } from './trained-configs.js';
import { provisionResources, sandboxResourceNames, type SandboxResources } from './resources.js';
import { runRetrain, sandboxLauncher, type RetrainStageResult } from './retrain.js';
import { replayEventCount, sandboxConfig } from './sandbox-config.js';
import { startSandboxApi, type SandboxApi } from './serve.js';
import { scenarioBarModel, type ScenarioName } from './scenarios.js';
import { restoreSnapshot, saveSnapshot } from './snapshot.js';
import { newSandboxRunId, openSandboxState } from './state.js';

/** One config's gate verdict in the summary line: what was decided and why. */
export interface SummaryVerdict {
  key: string;
  version: number;
  verdict: 'promotable' | 'rejected';
  /** Diebold-Mariano p-value vs naive, and Holm-adjusted over the run's configs; null without a DM test. */
  p_value: number | null;
  adjusted_p_value: number | null;
  /** Whether the version is production after the run (the gate, the approval and the canary all passed). */
  promoted: boolean;
  reason: string;
}

/** The final JSON line of `npm start -- --once` (field names are the external contract). */
export interface SandboxSummary {
  ok: boolean;
  scenario: ScenarioName;
  seed: number;
  events_ingested: number;
  lake_objects: number;
  dlq_records: number;
  configs_trained: number;
  /** Configs of configs_trained that trained data-parallel (a group of more than one worker). */
  dp_configs: number;
  models_promoted: number;
  /** Candidates of this run that were not promoted: rejected by the gate, in review, or rolled back. */
  models_rejected: number;
  execution_status: string;
  duration_s: number;
  api_url: string;
  verdicts: SummaryVerdict[];
}

/** Everything the run found out, for the summary table, the e2e test and the final line. */
export interface SandboxOutcome {
  summary: SandboxSummary;
  runId: string;
  error?: string;
  poisonSent: number;
  configs: string[];
  promoted: { key: string; version: number }[];
  /** Production version per config as the registry has it after the run. */
  serving: { key: string; version: number }[];
  reportUrl?: string;
  reportFile?: string;
  reportS3Uri?: string;
  /** A request body with real (or, failing that, replayed) bars of a served config, for the printed curl. */
  example?: { key: string; body: { symbol: string; timeframe: string; bars: SeriesBars['bars'] }; synthetic: boolean };
  timings: Record<string, number>;
  config: SignalForgeConfig;
  resources?: SandboxResources;
}

export interface RunningSandbox {
  outcome: SandboxOutcome;
  /** Undefined when the pipeline failed before the API started. */
  api?: SandboxApi;
  /** Reads bars for a config from the lake (the e2e test and the curl use them). */
  barsFor(key: string): Promise<SeriesBars | undefined>;
  /** Stops the API, trainers, the sink, Kafka and moto (those this run started). */
  stop(): Promise<string[]>;
}

export interface RunSandboxHooks {
  progress?: ProgressReporter;
  env?: NodeJS.ProcessEnv;
  /** Called as soon as the lifecycle exists, so a signal handler can stop a run that is still starting. */
  onLifecycle?: (lifecycle: Lifecycle) => void;
}

function stageRunner(progress: ProgressReporter) {
  let failedStage: string | undefined;
  return {
    get failedStage() {
      return failedStage;
    },
    async run<T>(name: string, work: (stage: ReturnType<ProgressReporter['stage']>) => Promise<{ value: T; summary: string }>, total?: number): Promise<T> {
      const stage = progress.stage(name, total);
      try {
        const { value, summary } = await work(stage);
        stage.done(summary);
        return value;
      } catch (err) {
        failedStage = name;
        stage.fail(err);
        throw err;
      }
    },
  };
}

/** The gate's decisions of the run (its `gate` run doc); none when the run did not get that far. */
async function gateDecisions(s3: S3Client, artifactBucket: string, runId: string): Promise<GateDecision[]> {
  const doc = await readJson(new S3Store(artifactBucket, '', s3), runDocKey(runId, 'gate'), (v) => v as { decisions?: unknown[] }).catch(() => undefined);
  return (doc?.decisions ?? []).flatMap((d) => {
    const parsed = gateDecisionSchema.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Per config: the gate's verdict and p-values, whether it ended in production, and the reason it did not. */
export function summaryVerdicts(decisions: GateDecision[], promoted: { key: string; version: number }[], later: { key: string; reason: string }[]): SummaryVerdict[] {
  return decisions.map((d) => {
    const isPromoted = promoted.some((p) => p.key === d.key && p.version === d.version);
    const after = d.verdict === 'promotable' && !isPromoted ? later.find((r) => r.key === d.key)?.reason : undefined;
    return {
      key: d.key,
      version: d.version,
      verdict: d.verdict,
      p_value: d.dm?.pValue ?? null,
      adjusted_p_value: d.dm?.adjustedPValue ?? null,
      promoted: isPromoted,
      reason: after ?? d.reasons.join('; '),
    };
  });
}

/**
 * The whole pipeline once: services, provisioning, replay + sink, retrain execution, report, and the
 * API left serving. Never throws for a pipeline failure: the outcome says what failed, and `stop()`
 * cleans up either way.
 */
export async function runSandbox(options: SandboxOptions, hooks: RunSandboxHooks = {}): Promise<RunningSandbox> {
  const startedAt = new Date();
  const env = hooks.env ?? process.env;
  const progress = hooks.progress ?? createProgressReporter();
  const lifecycle = new Lifecycle();
  hooks.onLifecycle?.(lifecycle);
  const stages = stageRunner(progress);
  const state = openSandboxState({ dir: options.stateDir, fresh: options.fresh, env });
  const runId = newSandboxRunId(startedAt);
  const config = sandboxConfig(options, env);
  const configs = modelConfigKeys(config).map((k) => k.key);
  const events = replayEventCount(options, config);
  const barModel = scenarioBarModel(options.scenario);
  const outcome: SandboxOutcome = {
    summary: {
      ok: false,
      scenario: options.scenario,
      seed: options.seed,
      events_ingested: 0,
      lake_objects: 0,
      dlq_records: 0,
      configs_trained: 0,
      dp_configs: 0,
      models_promoted: 0,
      models_rejected: 0,
      execution_status: 'NOT_STARTED',
      duration_s: 0,
      api_url: '',
      verdicts: [],
    },
    runId,
    poisonSent: 0,
    configs,
    promoted: [],
    serving: [],
    timings: progress.timings,
    config,
  };
  let api: SandboxApi | undefined;
  let s3: S3Client | undefined;
  let resources: SandboxResources | undefined;
  let ingest: IngestFigures | undefined;
  let retrain: RetrainStageResult | undefined;
  let registry: ModelRegistry | undefined;
  let saveState: (() => Promise<unknown>) | undefined;
  const barsFor = async (key: string) => (s3 && resources ? latestBarsFromLake(s3, resources.lakeBucket, config, key, barsPerRequest(config)) : undefined);

  try {
    const services: LocalServices = await stages.run('services', async () => {
      const started = await startLocalServices({ env, log: (line) => progress.info(`services: ${line}`) });
      lifecycle.add('local services', () => started.stop());
      const what = [started.external.kafka ? 'external Kafka' : `Kafka ${started.versions.kafka ?? ''}`.trim(), started.external.aws ? `AWS endpoint ${started.awsEndpointUrl}` : 'moto'];
      return { value: started, summary: `${what.join(' + ')} (${started.kafkaBrokers.join(',')}, ${started.awsEndpointUrl})` };
    });
    // Every AWS SDK client and handler in this process (and the trainer it spawns) reaches these services.
    Object.assign(process.env, services.env);
    const awsEnv = { ...env, ...services.env };
    s3 = new S3Client(awsClientConfig(awsEnv));
    const ddb = new DynamoDBClient(awsClientConfig(awsEnv));
    const region = awsEnv.AWS_REGION ?? config.region;
    resources = sandboxResourceNames(config, region, options.namespace);
    outcome.resources = resources;
    const res = resources;
    const s3Client = s3;
    registry = new ModelRegistry({ tableName: res.registryTable, client: ddb });
    if (!services.external.aws) {
      // Saved when the run ends (before the lifecycle stops moto), so the next run starts where this one ended.
      saveState = () => saveSnapshot(state.snapshotDir, { s3: s3Client, ddb, resources: res });
    }
    const reg = registry;
    const kafka = createKafka(config, { brokers: services.kafkaBrokers, clientId: `${config.kafka.clientId}-sandbox` });

    await stages.run('provision', async () => {
      const report = await provisionResources({ config, brokers: services.kafkaBrokers, s3: s3Client, ddb, resources: res });
      // A fresh moto starts empty; an external endpoint keeps its own state between runs.
      const restored = services.external.aws ? undefined : await restoreSnapshot(state.snapshotDir, { s3: s3Client, ddb, resources: res });
      const restoredNote = restored ? `; restored ${restored.registryItems} registry items and ${restored.artifacts} artifacts from the last run` : '';
      return { value: report, summary: `topics ${report.topicsCreated.length} created / ${report.topicsExisting} existing, buckets ${res.lakeBucket} + ${res.artifactBucket}, tables ${res.registryTable} + ${res.idempotencyTable}${restoredNote}` };
    });

    // Serving starts before the retrain, as in AWS: the canary bake judges the traffic it counts.
    api = await stages.run('api', async () => {
      let started: SandboxApi;
      let note = '';
      try {
        started = await startSandboxApi({ config, registry: reg, s3: s3Client, port: options.port });
      } catch (err) {
        // The default port taken (another sandbox): any free port will do. An explicit --port is kept.
        if ((err as { code?: string }).code !== 'EADDRINUSE' || options.port !== DEFAULT_OPTIONS.port) throw err;
        started = await startSandboxApi({ config, registry: reg, s3: s3Client, port: 0 });
        note = ` (port ${options.port} was taken)`;
      }
      const apiHandle = started;
      lifecycle.add('inference API', () => apiHandle.api.close());
      return { value: started, summary: `listening on ${started.api.url}${note}` };
    });
    outcome.summary.api_url = api.api.url;
    const liveApi = api;

    ingest = await stages.run(
      'ingest',
      async (stage) => {
        const figures = await runIngest({
          config,
          kafka,
          brokers: services.kafkaBrokers,
          s3: s3Client,
          resources: res,
          events,
          poison: options.poison,
          seed: options.seed,
          ...(barModel ? { barModel } : {}),
          progress: {
            produced: (sent, total) => stage.update(sent, `sent ${sent}/${total}`),
            landed: () => undefined,
          },
          onSinkStarted: (stop) => lifecycle.add('sink runner', stop),
        });
        return {
          value: figures,
          summary: `${figures.replay.events} events + ${figures.replay.poison} poison sent; ${figures.eventsIngested} events in ${figures.lakeObjects} lake objects, ${figures.dlqRecords} dead letters`,
        };
      },
      events + options.poison,
    );
    outcome.poisonSent = ingest.replay.poison;
    Object.assign(outcome.summary, { events_ingested: ingest.eventsIngested, lake_objects: ingest.lakeObjects, dlq_records: ingest.dlqRecords });

    const launcher = sandboxLauncher(config, state.trainerLogs);
    lifecycle.add('trainer processes', () => launcher.terminateAll());
    // Stopped before the trainers (closers run newest first): abort the execution, let the Task
    // handlers already running return, so every trainer they launched is known, then terminate those.
    const retrainAbort = new AbortController();
    let execution: Promise<unknown> | undefined;
    lifecycle.add('retrain execution', async () => {
      retrainAbort.abort();
      await execution?.catch(() => undefined);
    });
    retrain = await stages.run(
      'train',
      async (stage) => {
        let entered = 0;
        const running = runRetrain({
          config,
          s3: s3Client,
          registry: reg,
          lakeBucket: res.lakeBucket,
          artifactBucket: res.artifactBucket,
          liveMetrics: liveApi.liveMetrics,
          launcher,
          configs,
          runId,
          notifier: { publish: async (subject) => progress.info(`notification: ${subject}`) },
          signal: retrainAbort.signal,
          onState: (event) => {
            if (event.kind === 'entered') stage.update(++entered, event.state);
            if (event.kind === 'entered' && event.state === 'RequestApproval') {
              // The sandbox's moto takes any credentials; an external endpoint keeps the caller's own.
              const cliEnv = services.external.aws
                ? `REGISTRY_TABLE=${res.registryTable}`
                : `REGISTRY_TABLE=${res.registryTable} AWS_ENDPOINT_URL=${awsEnv.AWS_ENDPOINT_URL ?? ''} AWS_REGION=${region} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`;
              progress.info(`waiting for manual approval (${config.promotion.approvalTimeoutSeconds} s); in another terminal: ${cliEnv} npm run registry -- pending, then approve|reject <KEY> <VERSION> --reason "..."`);
            }
          },
          onTaskError: (task, error) => progress.info(`retrain task ${task} failed: ${error.name}: ${error.message}`),
          onCanary: async () => {
            // Canary traffic through the real HTTP API, so the bake has live metrics to judge.
            for (const key of configs) {
              const series = await barsFor(key);
              if (!series) continue;
              for (let i = 0; i < 3; i++) {
                await fetch(`${liveApi.api.url}/v1/predict`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', 'x-routing-key': `sandbox-${i}` },
                  body: JSON.stringify({ symbol: series.symbol, timeframe: series.timeframe, bars: series.bars }),
                }).then((r) => r.arrayBuffer());
              }
            }
          },
        });
        execution = running;
        const result = await running;
        if (result.status !== 'SUCCEEDED') throw Object.assign(new Error(`retrain execution ${result.status}: ${result.error ?? 'unknown error'}`), { retrain: result });
        return { value: result, summary: `${result.summary?.outcome}: ${result.summary?.registered.length ?? 0} registered, ${result.summary?.promoted.length ?? 0} promoted (${result.path.visits.length} states)` };
      },
    ).catch((err: Error & { retrain?: RetrainStageResult }) => {
      retrain = err.retrain;
      throw err;
    });
    outcome.promoted = retrain.summary?.promoted ?? [];
    outcome.summary.execution_status = retrain.status;
    outcome.summary.models_promoted = outcome.promoted.length;
    const trained = await trainedConfigs(new S3Store(res.artifactBucket, '', s3Client), runId, retrain.shards);
    Object.assign(outcome.summary, { configs_trained: trained.trained, dp_configs: trained.dataParallel });
    const verdicts = summaryVerdicts(await gateDecisions(s3Client, res.artifactBucket, runId), outcome.promoted, [...(retrain.summary?.rejected ?? []), ...(retrain.summary?.rolledBack ?? []).map((r) => ({ key: r.key, reason: `rolled back after the canary bake (error rate ${r.errorRate})` }))]);
    outcome.summary.verdicts = verdicts;
    outcome.summary.models_rejected = verdicts.filter((v) => !v.promoted).length;

    await stages.run('serve', async () => {
      const serving: { key: string; version: number }[] = [];
      for (const key of configs) {
        const head = await reg.getHead(key);
        if (head?.production) serving.push({ key, version: head.production.version });
      }
      outcome.serving = serving;
      // Nothing may serve when no candidate passed the gate (the noise scenario); /health then says 503.
      if (serving.length === 0) return { value: 0, summary: 'no production model: no candidate passed the gate' };
      const loaded = await liveApi.service.warmUp(serving.map((s) => s.key));
      const health = await liveApi.service.health();
      if (health.statusCode !== 200) throw new Error(`/health answers ${health.statusCode} after promotion`);
      return { value: loaded, summary: `${loaded} models loaded for ${serving.length} configs` };
    });

    const example = outcome.serving[0] ? await pickExample(outcome.serving.map((s) => s.key), barsFor) : undefined;
    if (example) outcome.example = example;
  } catch (err) {
    outcome.error = (err as Error).message;
    if (retrain) outcome.summary.execution_status = retrain.status;
  }

  // The report is written for failed runs too: it shows how far the run got. Not once interrupted:
  // the services are being stopped under it.
  if (s3 && resources && registry && api && !lifecycle.closed) {
    const res = resources;
    const s3Client = s3;
    const reg = registry;
    const liveApi = api;
    try {
      await stages.run('report', async () => {
        const data = await buildReportData({
          runId,
          startedAt,
          status: outcome.error ? 'failed' : 'succeeded',
          environment: `local sandbox · ${options.full ? 'full universe' : 'small universe'} · ${configs.length} configs · envName ${config.envName}`,
          stageSeconds: { ...progress.timings },
          failedStage: stages.failedStage,
          ingest,
          keys: configs,
          stateMachine: retrain?.path,
          trainerInstances: retrain?.shards ?? 1,
          config,
          registry: reg,
          s3: s3Client,
        });
        const published = await publishReport(data, { s3: s3Client, artifactBucket: res.artifactBucket, localDir: state.reportsDir(runId) });
        liveApi.setReport(published.html);
        outcome.reportUrl = `${liveApi.api.url}/report`;
        outcome.reportFile = published.file;
        outcome.reportS3Uri = published.s3Uri;
        return { value: published, summary: `${published.s3Uri} and ${published.file}` };
      });
    } catch (err) {
      outcome.error ??= `report: ${(err as Error).message}`;
    }
  }

  if (saveState && !lifecycle.closed) {
    await saveState().catch((err: Error) => progress.info(`could not save the sandbox state for the next run: ${err.message}`));
  }
  outcome.summary.duration_s = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
  // Promoting nothing is a success when the gate decided every config with a reason (pure noise must
  // promote nothing); a config trained but never decided is not.
  const undecided = outcome.summary.configs_trained - outcome.summary.verdicts.length;
  outcome.summary.ok =
    !outcome.error &&
    outcome.summary.execution_status === 'SUCCEEDED' &&
    undecided === 0 &&
    outcome.summary.dlq_records === outcome.poisonSent;
  if (!outcome.error && !outcome.summary.ok) {
    outcome.error =
      outcome.summary.dlq_records !== outcome.poisonSent
        ? `dead letters ${outcome.summary.dlq_records} != poison records sent ${outcome.poisonSent}`
        : `${undecided} trained configs have no gate verdict`;
  }
  state.recordRun({ runId, startedAt: startedAt.toISOString(), ...outcome.summary, error: outcome.error, timings: outcome.timings });
  return { outcome, api, barsFor, stop: () => lifecycle.closeAll() };
}

/** Prefers a config with real bars (SPX from vega-datasets) for the printed example request. */
async function pickExample(keys: string[], barsFor: (key: string) => Promise<SeriesBars | undefined>): Promise<SandboxOutcome['example']> {
  let fallback: SandboxOutcome['example'];
  for (const key of keys) {
    const series = await barsFor(key);
    if (!series) continue;
    const example = { key, body: { symbol: series.symbol, timeframe: series.timeframe, bars: series.bars }, synthetic: series.synthetic };
    if (!series.synthetic) return example;
    fallback ??= example;
  }
  return fallback;
}
