import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readJson, S3Store } from '../../core/artifacts/index.js';
import { gateDecisionSchema, type GateDecision } from '../../core/evaluation/index.js';
import { runDocKey } from '../../lambdas/training/tasks/run-docs.js';
import { awsClientConfig } from '../../core/aws/clients.js';
import { modelConfigKeys, type SignalForgeConfig } from '../../core/config/index.js';
import { createKafka } from '../../core/kafka/client.js';
import { configHash } from '../../core/lineage/index.js';
import { OnlineBarStore } from '../../core/online/index.js';
import { LiveQualityStore, ModelRegistry } from '../../core/registry/index.js';
import { runOutcomeJoin } from '../../lambdas/serving/outcomes/join-task.js';
import { runLivePhase } from '../live/live-phase.js';
import { PredictionLakeSink } from '../live/prediction-lake-sink.js';
import { startLocalServices, type LocalServices } from '../services/index.js';
import { barsPerRequest, latestBarsFromLake, type SeriesBars } from './bars.js';
import { stampSandboxCodeVersion } from './code-version.js';
import { compactSandboxLake } from './compaction.js';
import { runIngest, type IngestFigures } from './ingest.js';
import { summariseAblations, trainedConfigs } from './trained-configs.js';
import { Lifecycle } from './lifecycle.js';
import { DEFAULT_OPTIONS, type SandboxOptions } from './options.js';
import type { ProgressReporter } from './progress.js';
import { buildReportData, publishReport } from './report.js';
import { provisionResources, sandboxResourceNames, type SandboxResources } from './resources.js';
import { runRetrain, sandboxLauncher, type RetrainStageResult } from './retrain.js';
import { LIVE_PHASE_BARS, replayEventCount, sandboxConfig } from './sandbox-config.js';
import { startSandboxApi, type SandboxApi } from './serve.js';
import { scenarioBarModel } from './scenarios.js';
import { restoreSnapshot, saveSnapshot } from './snapshot.js';
import { newSandboxRunId, openSandboxState, type SandboxState } from './state.js';
import { summaryVerdicts, type SandboxOutcome } from './run-sandbox.js';

type Stage = ReturnType<ProgressReporter['stage']>;

/** Runs named progress stages and remembers which one failed (the report shows it). */
export function stageRunner(progress: ProgressReporter) {
  let failedStage: string | undefined;
  return {
    get failedStage() {
      return failedStage;
    },
    async run<T>(
      name: string,
      work: (stage: Stage) => Promise<{ value: T; summary: string }>,
      total?: number,
    ): Promise<T> {
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

/** The AWS and Kafka handles every stage after `services` uses. */
export interface SandboxClients {
  services: LocalServices;
  awsEnv: NodeJS.ProcessEnv;
  region: string;
  s3: S3Client;
  ddb: DynamoDBClient;
  resources: SandboxResources;
  registry: ModelRegistry;
  onlineStore: OnlineBarStore;
  kafka: ReturnType<typeof createKafka>;
  /** Saves moto's state for the next run; undefined against an external endpoint (it keeps its own). */
  saveState?: () => Promise<unknown>;
}

/**
 * One run's context: what is fixed at the start, plus what each stage found out. A stage reads what it
 * needs and sets only its own field, so every stage function can be called alone with a context.
 */
export interface SandboxContext {
  readonly options: SandboxOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: ProgressReporter;
  readonly lifecycle: Lifecycle;
  readonly stages: ReturnType<typeof stageRunner>;
  readonly state: SandboxState;
  readonly runId: string;
  readonly startedAt: Date;
  readonly config: SignalForgeConfig;
  readonly configs: string[];
  readonly outcome: SandboxOutcome;
  clients?: SandboxClients;
  api?: SandboxApi;
  /** The API's prediction log, written to the lake's predictions/ prefix (Firehose's role in AWS). */
  predictions?: PredictionLakeSink;
  ingest?: IngestFigures;
  retrain?: RetrainStageResult;
}

export function createSandboxContext(
  options: SandboxOptions,
  deps: { env: NodeJS.ProcessEnv; progress: ProgressReporter; lifecycle?: Lifecycle; startedAt?: Date },
): SandboxContext {
  const startedAt = deps.startedAt ?? new Date();
  const { env, progress } = deps;
  const runId = newSandboxRunId(startedAt);
  const config = sandboxConfig(options, env);
  const configs = modelConfigKeys(config).map((k) => k.key);
  return {
    options,
    env,
    progress,
    lifecycle: deps.lifecycle ?? new Lifecycle(),
    stages: stageRunner(progress),
    state: openSandboxState({ dir: options.stateDir, fresh: options.fresh, env }),
    runId,
    startedAt,
    config,
    configs,
    outcome: {
      summary: {
        ok: false,
        scenario: options.scenario,
        seed: options.seed,
        events_ingested: 0,
        lake_objects: 0,
        dlq_records: 0,
        quarantined: 0,
        configs_trained: 0,
        dp_configs: 0,
        sentiment_ablation: summariseAblations([]),
        models_promoted: 0,
        models_rejected: 0,
        execution_status: 'NOT_STARTED',
        duration_s: 0,
        api_url: '',
        verdicts: [],
        code_version: stampSandboxCodeVersion(),
        config_hash: configHash(config),
        live_predictions: 0,
        outcomes_joined: 0,
        canary_verdicts: { promote: 0, rollback: 0, insufficient: 0 },
      },
      runId,
      poisonSent: 0,
      implausibleSent: 0,
      configs,
      promoted: [],
      serving: [],
      timings: progress.timings,
      ablations: [],
      config,
    },
  };
}

/** The latest bars of a config from the lake; undefined before the clients exist. */
export function barsFor(ctx: SandboxContext, key: string): Promise<SeriesBars | undefined> {
  const c = ctx.clients;
  return c
    ? latestBarsFromLake(c.s3, c.resources.lakeBucket, ctx.config, key, barsPerRequest(ctx.config))
    : Promise.resolve(undefined);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`sandbox stage needs ${what}, which an earlier stage sets`);
  return value;
}

/** Kafka and moto (or the external endpoints), and the clients that reach them. */
export async function servicesStage(ctx: SandboxContext): Promise<SandboxClients> {
  const { env, progress, lifecycle, config, options } = ctx;
  const services = await ctx.stages.run('services', async () => {
    const started = await startLocalServices({ env, log: (line) => progress.info(`services: ${line}`) });
    lifecycle.add('local services', () => started.stop());
    const what = [
      started.external.kafka ? 'external Kafka' : `Kafka ${started.versions.kafka ?? ''}`.trim(),
      started.external.aws ? `AWS endpoint ${started.awsEndpointUrl}` : 'moto',
    ];
    return {
      value: started,
      summary: `${what.join(' + ')} (${started.kafkaBrokers.join(',')}, ${started.awsEndpointUrl})`,
    };
  });
  // Every AWS SDK client and handler in this process (and the trainer it spawns) reaches these services.
  Object.assign(process.env, services.env);
  const awsEnv = { ...env, ...services.env };
  const s3 = new S3Client(awsClientConfig(awsEnv));
  const ddb = new DynamoDBClient(awsClientConfig(awsEnv));
  const region = awsEnv.AWS_REGION ?? config.region;
  const resources = sandboxResourceNames(config, region, options.namespace);
  ctx.outcome.resources = resources;
  const clients: SandboxClients = {
    services,
    awsEnv,
    region,
    s3,
    ddb,
    resources,
    registry: new ModelRegistry({ tableName: resources.registryTable, client: ddb }),
    // The market-data sink keeps it and the API's short form reads it, as in AWS.
    onlineStore: new OnlineBarStore({ tableName: resources.onlineStoreTable, config, client: ddb }),
    kafka: createKafka(config, { brokers: services.kafkaBrokers, clientId: `${config.kafka.clientId}-sandbox` }),
  };
  if (!services.external.aws) {
    // Saved when the run ends (before the lifecycle stops moto), so the next run starts where this one ended.
    clients.saveState = () => saveSnapshot(ctx.state.snapshotDir, { s3, ddb, resources });
  }
  ctx.clients = clients;
  return clients;
}

/** Topics, buckets and tables; the last run's registry and artifacts restored into a fresh moto. */
export async function provisionStage(ctx: SandboxContext): Promise<void> {
  const { services, s3, ddb, resources: res } = need(ctx.clients, 'clients');
  await ctx.stages.run('provision', async () => {
    const report = await provisionResources({
      config: ctx.config,
      brokers: services.kafkaBrokers,
      s3,
      ddb,
      resources: res,
    });
    // A fresh moto starts empty; an external endpoint keeps its own state between runs.
    const restored = services.external.aws
      ? undefined
      : await restoreSnapshot(ctx.state.snapshotDir, { s3, ddb, resources: res });
    const restoredNote = restored
      ? `; restored ${restored.registryItems} registry items and ${restored.artifacts} artifacts from the last run`
      : '';
    return {
      value: report,
      summary: `topics ${report.topicsCreated.length} created / ${report.topicsExisting} existing, buckets ${res.lakeBucket} + ${res.artifactBucket}, tables ${res.registryTable} + ${res.onlineStoreTable}${restoredNote}`,
    };
  });
}

/** Serving starts before the retrain, as in AWS: the canary bake judges the traffic it counts. */
export async function apiStage(ctx: SandboxContext): Promise<SandboxApi> {
  const { registry, s3, resources, onlineStore } = need(ctx.clients, 'clients');
  const { options } = ctx;
  const predictions = new PredictionLakeSink({
    s3,
    bucket: resources.lakeBucket,
    onLost: (n, err) => ctx.progress.info(`prediction log: ${n} records lost: ${(err as Error).message}`),
  });
  ctx.predictions = predictions;
  const api = await ctx.stages.run('api', async () => {
    let started: SandboxApi;
    let note = '';
    try {
      started = await startSandboxApi({
        config: ctx.config,
        registry,
        s3,
        port: options.port,
        onlineStore,
        onPrediction: predictions.record,
      });
    } catch (err) {
      // The default port taken (another sandbox): any free port will do. An explicit --port is kept.
      if ((err as { code?: string }).code !== 'EADDRINUSE' || options.port !== DEFAULT_OPTIONS.port) throw err;
      started = await startSandboxApi({
        config: ctx.config,
        registry,
        s3,
        port: 0,
        onlineStore,
        onPrediction: predictions.record,
      });
      note = ` (port ${options.port} was taken)`;
    }
    const apiHandle = started;
    ctx.lifecycle.add('inference API', () => apiHandle.api.close());
    return { value: started, summary: `listening on ${started.api.url}${note}` };
  });
  ctx.api = api;
  ctx.outcome.summary.api_url = api.api.url;
  return api;
}

/** Replays the scenario's events (and poison records) through Kafka into the lake via the sink handler. */
export async function ingestStage(ctx: SandboxContext): Promise<IngestFigures> {
  const { services, kafka, s3, resources, onlineStore } = need(ctx.clients, 'clients');
  const { options, config } = ctx;
  const events = replayEventCount(options, config);
  const barModel = scenarioBarModel(options.scenario, config);
  const ingest = await ctx.stages.run(
    'ingest',
    async (stage) => {
      const figures = await runIngest({
        config,
        onlineStore,
        kafka,
        brokers: services.kafkaBrokers,
        s3,
        resources,
        events,
        poison: options.poison,
        // As many implausible records as malformed ones: the quarantine is exercised on every run.
        implausible: options.poison,
        seed: options.seed,
        ...(barModel ? { barModel } : {}),
        progress: {
          produced: (sent, total) => stage.update(sent, `sent ${sent}/${total}`),
          landed: () => undefined,
        },
        onSinkStarted: (stop) => ctx.lifecycle.add('sink runner', stop),
      });
      return {
        value: figures,
        summary: `${figures.replay.events} events + ${figures.replay.poison} poison sent; ${figures.eventsIngested} events in ${figures.lakeObjects} lake objects, ${figures.dlqRecords} dead letters, ${figures.quarantinedRecords} quarantined`,
      };
    },
    events + 2 * options.poison,
  );
  ctx.ingest = ingest;
  ctx.outcome.poisonSent = ingest.replay.poison;
  ctx.outcome.implausibleSent = ingest.replay.implausible;
  Object.assign(ctx.outcome.summary, {
    events_ingested: ingest.eventsIngested,
    lake_objects: ingest.lakeObjects,
    dlq_records: ingest.dlqRecords,
    quarantined: ingest.quarantinedRecords,
  });
  await ctx.stages.run('compact', () => compactSandboxLake(config, s3, resources.lakeBucket));
  return ingest;
}

/**
 * The live phase, while the canaries bake: new bars through Kafka into the lake and a client's
 * POST /v1/predict per new bar, logged to the lake for the JudgeCanary task to join and judge.
 */
async function livePhase(ctx: SandboxContext, apiUrl: string): Promise<void> {
  const { services, kafka, s3, resources, registry, onlineStore } = need(ctx.clients, 'clients');
  const keys: string[] = [];
  for (const key of ctx.configs) if ((await registry.getHead(key))?.canary) keys.push(key);
  const barModel = scenarioBarModel(ctx.options.scenario, ctx.config);
  const started = Date.now();
  const result = await runLivePhase({
    config: ctx.config,
    kafka,
    brokers: services.kafkaBrokers,
    s3,
    resources,
    onlineStore,
    apiUrl,
    keys,
    ...(barModel ? { barModel } : {}),
    seed: ctx.options.seed,
    bars: LIVE_PHASE_BARS,
    predictions: need(ctx.predictions, 'the prediction log'),
  });
  ctx.progress.info(
    `live phase: ${result.barsLanded} new bars and ${result.textLanded} news items/posts landed for ${keys.length} ` +
      `baking configs, ${result.answered}/${result.requests} predictions answered ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

/** The retrain state machine CDK synthesizes, run locally with the trainer as a process group. */
export async function trainStage(ctx: SandboxContext): Promise<RetrainStageResult> {
  const { services, awsEnv, region, s3, registry, resources: res } = need(ctx.clients, 'clients');
  const api = need(ctx.api, 'the API');
  const { config, configs, progress, lifecycle, runId } = ctx;
  const launcher = sandboxLauncher(config, ctx.state.trainerLogs);
  lifecycle.add('trainer processes', () => launcher.terminateAll());
  // Stopped before the trainers (closers run newest first): abort the execution, let the Task
  // handlers already running return, so every trainer they launched is known, then terminate those.
  const retrainAbort = new AbortController();
  let execution: Promise<unknown> | undefined;
  lifecycle.add('retrain execution', async () => {
    retrainAbort.abort();
    await execution?.catch(() => undefined);
  });
  const retrain = await ctx.stages
    .run('train', async (stage) => {
      let entered = 0;
      const running = runRetrain({
        config,
        s3,
        registry,
        lakeBucket: res.lakeBucket,
        artifactBucket: res.artifactBucket,
        liveMetrics: api.liveMetrics,
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
            progress.info(
              `waiting for manual approval (${config.promotion.approvalTimeoutSeconds} s); in another terminal: ${cliEnv} npm run registry -- pending, then approve|reject <KEY> <VERSION> --reason "..."`,
            );
          }
        },
        onTaskError: (task, error) => progress.info(`retrain task ${task} failed: ${error.name}: ${error.message}`),
        onCanary: () => livePhase(ctx, api.api.url),
      });
      execution = running;
      const result = await running;
      if (result.status !== 'SUCCEEDED')
        throw Object.assign(new Error(`retrain execution ${result.status}: ${result.error ?? 'unknown error'}`), {
          retrain: result,
        });
      return {
        value: result,
        summary: `${result.summary?.outcome}: ${result.summary?.registered.length ?? 0} registered, ${result.summary?.promoted.length ?? 0} promoted (${result.path.visits.length} states)`,
      };
    })
    .catch((err: Error & { retrain?: RetrainStageResult }) => {
      ctx.retrain = err.retrain;
      throw err;
    });
  ctx.retrain = retrain;
  return retrain;
}

/** The gate's decisions of the run (its `gate` run doc); none when the run did not get that far. */
async function gateDecisions(s3: S3Client, artifactBucket: string, runId: string): Promise<GateDecision[]> {
  const doc = await readJson(
    new S3Store(artifactBucket, '', s3),
    runDocKey(runId, 'gate'),
    (v) => v as { decisions?: unknown[] },
  ).catch(() => undefined);
  return (doc?.decisions ?? []).flatMap((d) => {
    const parsed = gateDecisionSchema.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Configs with a trainer result in this run's shard run records. */
/** What the execution decided, into the summary: promoted, trained, and each config's verdict. */
export async function recordRetrainOutcome(ctx: SandboxContext): Promise<void> {
  const { s3, resources } = need(ctx.clients, 'clients');
  const retrain = need(ctx.retrain, 'the retrain result');
  const { outcome } = ctx;
  outcome.promoted = retrain.summary?.promoted ?? [];
  outcome.summary.execution_status = retrain.status;
  outcome.summary.models_promoted = outcome.promoted.length;
  const trained = await trainedConfigs(new S3Store(resources.artifactBucket, '', s3), ctx.runId, retrain.shards);
  Object.assign(outcome.summary, {
    configs_trained: trained.trained,
    dp_configs: trained.dataParallel,
    sentiment_ablation: summariseAblations(trained.ablations),
  });
  outcome.ablations = trained.ablations;
  const bakeReason = (key: string) => retrain.summary?.canaryVerdicts?.find((v) => v.key === key)?.reason;
  const later = [
    ...(retrain.summary?.rejected ?? []),
    ...(retrain.summary?.rolledBack ?? []).map((r) => ({
      key: r.key,
      reason: `rolled back after the canary bake: ${bakeReason(r.key) ?? `error rate ${r.errorRate}`}`,
    })),
  ];
  const verdicts = summaryVerdicts(
    await gateDecisions(s3, resources.artifactBucket, ctx.runId),
    outcome.promoted,
    later,
  );
  outcome.summary.verdicts = verdicts;
  outcome.summary.models_rejected = verdicts.filter((v) => !v.promoted).length;
  if (retrain.summary?.cost) outcome.summary.training_cost = retrain.summary.cost;
  await recordLiveOutcome(ctx);
}

/** The live loop's figures: records logged, outcomes joined (the scheduled join, run once more) and bake verdicts. */
async function recordLiveOutcome(ctx: SandboxContext): Promise<void> {
  const { s3, resources, registry } = need(ctx.clients, 'clients');
  const { summary } = ctx.outcome;
  await ctx.predictions?.flush();
  summary.live_predictions = ctx.predictions?.written ?? 0;
  const joins = await runOutcomeJoin(
    {
      config: ctx.config,
      s3,
      lakeBucket: resources.lakeBucket,
      liveQuality: new LiveQualityStore({ tableName: registry.tableName, client: need(ctx.clients, 'clients').ddb }),
    },
    ctx.configs,
  );
  summary.outcomes_joined = joins.reduce((n, j) => n + j.joined, 0);
  for (const v of ctx.retrain?.summary?.canaryVerdicts ?? []) summary.canary_verdicts[v.verdict] += 1;
}

/** Loads every production model and checks /health; nothing serves when no candidate passed the gate. */
export async function serveStage(ctx: SandboxContext): Promise<void> {
  const { registry } = need(ctx.clients, 'clients');
  const api = need(ctx.api, 'the API');
  await ctx.stages.run('serve', async () => {
    const serving: { key: string; version: number }[] = [];
    for (const key of ctx.configs) {
      const head = await registry.getHead(key);
      if (head?.production) serving.push({ key, version: head.production.version });
    }
    ctx.outcome.serving = serving;
    // Nothing may serve when no candidate passed the gate (the noise scenario); /health then says 503.
    if (serving.length === 0) return { value: 0, summary: 'no production model: no candidate passed the gate' };
    const loaded = await api.service.warmUp(serving.map((s) => s.key));
    const health = await api.service.health();
    if (health.statusCode !== 200) throw new Error(`/health answers ${health.statusCode} after promotion`);
    return { value: loaded, summary: `${loaded} models loaded for ${serving.length} configs` };
  });
  const example = ctx.outcome.serving[0]
    ? await pickExample(
        ctx.outcome.serving.map((s) => s.key),
        (key) => barsFor(ctx, key),
      )
    : undefined;
  if (example) ctx.outcome.example = example;
}

/** Prefers a config with real bars (SPX from vega-datasets) for the printed example request. */
async function pickExample(
  keys: string[],
  bars: (key: string) => Promise<SeriesBars | undefined>,
): Promise<SandboxOutcome['example']> {
  let fallback: SandboxOutcome['example'];
  for (const key of keys) {
    const series = await bars(key);
    if (!series) continue;
    const example = {
      key,
      body: { symbol: series.symbol, timeframe: series.timeframe, bars: series.bars },
      synthetic: series.synthetic,
    };
    if (!series.synthetic) return example;
    fallback ??= example;
  }
  return fallback;
}

/**
 * The run report, for failed runs too: it shows how far the run got. Not once interrupted: the services
 * are being stopped under it. A report failure is recorded, never thrown.
 */
export async function reportStage(ctx: SandboxContext): Promise<void> {
  const { clients, api, outcome, config, configs } = ctx;
  if (!clients || !api || ctx.lifecycle.closed) return;
  try {
    await ctx.stages.run('report', async () => {
      const data = await buildReportData({
        runId: ctx.runId,
        startedAt: ctx.startedAt,
        status: outcome.error ? 'failed' : 'succeeded',
        environment: `local sandbox · ${ctx.options.full ? 'full universe' : 'small universe'} · ${configs.length} configs · envName ${config.envName}`,
        stageSeconds: { ...ctx.progress.timings },
        failedStage: ctx.stages.failedStage,
        ingest: ctx.ingest,
        keys: configs,
        stateMachine: ctx.retrain?.path,
        trainerInstances: ctx.retrain?.shards ?? 1,
        config,
        registry: clients.registry,
        s3: clients.s3,
        abTests: (ctx.retrain?.summary?.canaryVerdicts ?? []).map(
          ({ key, version, mode, verdict, test, benchmark, pValue, candidateSamples, benchmarkSamples, reason }) => ({
            key,
            version,
            mode,
            verdict,
            test,
            benchmark,
            pValue,
            candidateSamples,
            benchmarkSamples,
            reason,
          }),
        ),
      });
      const published = await publishReport(data, {
        s3: clients.s3,
        artifactBucket: clients.resources.artifactBucket,
        localDir: ctx.state.reportsDir(ctx.runId),
      });
      api.setReport(published.html);
      outcome.reportUrl = `${api.api.url}/report`;
      outcome.reportFile = published.file;
      outcome.reportS3Uri = published.s3Uri;
      return { value: published, summary: `${published.s3Uri} and ${published.file}` };
    });
  } catch (err) {
    outcome.error ??= `report: ${(err as Error).message}`;
  }
}

/** Saves the registry and artifacts for the next run (best effort), unless the run was interrupted. */
export async function saveStateStage(ctx: SandboxContext): Promise<void> {
  const save = ctx.clients?.saveState;
  if (!save || ctx.lifecycle.closed) return;
  await save().catch((err: Error) =>
    ctx.progress.info(`could not save the sandbox state for the next run: ${err.message}`),
  );
}

/**
 * Decides `ok` and the error line, and records the run. Promoting nothing is a success when the gate
 * decided every config with a reason (pure noise must promote nothing); a config trained but never
 * decided is not.
 */
export function finishOutcome(ctx: SandboxContext, now = Date.now()): SandboxOutcome {
  const { outcome } = ctx;
  outcome.summary.duration_s = Math.round((now - ctx.startedAt.getTime()) / 100) / 10;
  const undecided = outcome.summary.configs_trained - outcome.summary.verdicts.length;
  outcome.summary.ok =
    !outcome.error &&
    outcome.summary.execution_status === 'SUCCEEDED' &&
    undecided === 0 &&
    outcome.summary.dlq_records === outcome.poisonSent &&
    outcome.summary.quarantined === outcome.implausibleSent;
  if (!outcome.error && !outcome.summary.ok) {
    outcome.error =
      outcome.summary.dlq_records !== outcome.poisonSent
        ? `dead letters ${outcome.summary.dlq_records} != poison records sent ${outcome.poisonSent}`
        : outcome.summary.quarantined !== outcome.implausibleSent
          ? `quarantined ${outcome.summary.quarantined} != implausible records sent ${outcome.implausibleSent}`
          : `${undecided} trained configs have no gate verdict`;
  }
  ctx.state.recordRun({
    runId: ctx.runId,
    startedAt: ctx.startedAt.toISOString(),
    ...outcome.summary,
    error: outcome.error,
    timings: outcome.timings,
  });
  return outcome;
}
