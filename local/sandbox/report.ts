import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { modelMetadataSchema, readUri, type ModelMetadata } from '../../core/artifacts/index.js';
import type { SignalForgeConfig } from '../../core/config/index.js';
import type { ModelRegistry } from '../../core/registry/index.js';
import {
  defaultPricedInstanceType,
  estimateCost,
  gateRowsFromVersions,
  modelReportFromMetadata,
  registryRowsFromVersions,
  renderRunReport,
  writeRunReport,
  type RunReportInput,
  type StateMachinePath,
} from '../report/index.js';
import type { IngestFigures } from './ingest.js';

export interface ReportInput {
  runId: string;
  startedAt: Date;
  status: 'succeeded' | 'failed';
  environment: string;
  stageSeconds: Record<string, number>;
  failedStage?: string;
  ingest?: IngestFigures;
  /** Model config keys this run trained; their registry rows and newest metadata are shown. */
  keys: string[];
  stateMachine?: StateMachinePath;
  /** Trainer instances the AWS equivalent would run (one per shard). */
  trainerInstances: number;
  config: SignalForgeConfig;
  registry: ModelRegistry;
  s3: S3Client;
  /** The bake's verdicts on realised outcomes (the report's A/B section). */
  abTests?: RunReportInput['abTests'];
}

async function loadMetadata(s3: S3Client, uri: string): Promise<ModelMetadata | undefined> {
  try {
    return modelMetadataSchema.parse(JSON.parse(Buffer.from(await readUri(uri, s3)).toString('utf8')));
  } catch {
    return undefined;
  }
}

/** Maps what the run produced (ingest counts, registry, trainer metadata, state path) into the report's shape. */
export async function buildReportData(input: ReportInput): Promise<RunReportInput> {
  const models: RunReportInput['models'] = [];
  const registry: RunReportInput['registry'] = [];
  const gate: NonNullable<RunReportInput['gate']> = [];
  for (const key of input.keys) {
    const [versions, head] = await Promise.all([input.registry.listVersions(key), input.registry.getHead(key)]);
    registry.push(...registryRowsFromVersions(versions, head));
    // The gate table shows this run's candidates (their trainer runs are `<runId>-s<shard>`).
    gate.push(
      ...gateRowsFromVersions(
        versions.filter((v) => v.trainingRunId.startsWith(`${input.runId}-`)),
        head,
      ),
    );
    // The charts show the version this run registered (the newest), whether or not it was promoted.
    const newest = [...versions].sort((a, b) => b.version - a.version)[0];
    const meta = newest ? await loadMetadata(input.s3, newest.metadataUri) : undefined;
    if (meta) models.push(modelReportFromMetadata(meta));
  }
  const stages = Object.entries(input.stageSeconds).map(([name, durationSeconds]) => ({
    name,
    durationSeconds,
    status: name === input.failedStage ? ('failed' as const) : ('succeeded' as const),
  }));
  const ingest = input.ingest;
  return {
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    durationSeconds: (Date.now() - input.startedAt.getTime()) / 1000,
    status: input.status,
    environment: input.environment,
    stages,
    ingest: {
      eventsIngested: ingest?.eventsIngested ?? 0,
      lakeObjects: ingest?.lakeObjects ?? 0,
      deadLetters: ingest?.deadLetters ?? [],
      quarantine: ingest?.quarantine ?? [],
      byTopic: Object.entries(ingest?.eventsByTopic ?? {}).map(([topic, events]) => ({ topic, events: events ?? 0 })),
    },
    models,
    registry,
    gate,
    abTests: input.abTests ?? [],
    gateSettings: {
      alpha: input.config.evaluation.alpha,
      minDeflatedSharpeProbability: input.config.evaluation.minDeflatedSharpeProbability,
      championMargin: input.config.evaluation.championMargin,
      costBps: input.config.evaluation.costBps,
      folds: input.config.evaluation.folds,
      approval: input.config.promotion.approval,
    },
    stateMachine: input.stateMachine ?? { status: 'FAILED', visits: [] },
    cost: estimateCost({
      pricing: input.config.pricing,
      instanceType: defaultPricedInstanceType(input.config),
      seconds: input.stageSeconds.train ?? 0,
      instances: Math.max(1, input.trainerInstances),
    }),
  };
}

export interface PublishedReport {
  html: string;
  file: string;
  s3Uri: string;
}

/** Writes the report beside the run's artifacts (`runs/<runId>/report.html`) and into the local state folder. */
export async function publishReport(
  data: RunReportInput,
  input: { s3: S3Client; artifactBucket: string; localDir: string },
): Promise<PublishedReport> {
  const html = renderRunReport(data);
  const file = await writeRunReport(input.localDir, data);
  const key = `runs/${data.runId}/report.html`;
  await input.s3.send(
    new PutObjectCommand({
      Bucket: input.artifactBucket,
      Key: key,
      Body: html,
      ContentType: 'text/html; charset=utf-8',
    }),
  );
  return { html, file, s3Uri: `s3://${input.artifactBucket}/${key}` };
}
