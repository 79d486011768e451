import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as ort from 'onnxruntime-node';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import type { SignalEvent } from '../../../core/events/index.js';
import { encodeLakeFile } from '../../../core/lake/index.js';
import { buildModelInput } from '../../../core/features/index.js';
import {
  modelMetadataSchema,
  openStore,
  readUri,
  runRecordSchema,
  type DatasetManifest,
} from '../../../core/artifacts/index.js';
import { runTraining } from '../../../gpu-trainer/index.js';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { createLog } from '../../../gpu-trainer/log.js';
import { barEvent } from '../../support/bars.js';

const s3 = new S3Client(awsClientConfig());

function barEvents(key: string, bars: number, seed: number): SignalEvent[] {
  const s = syntheticSeries(key, bars, seed);
  return s.bars.map((b) => barEvent(s.symbol, s.timeframe, b, { source: 'test' }));
}

async function putLake(
  bucket: string,
  key: string,
  events: SignalEvent[],
): Promise<{ versionId: string; size: number }> {
  const body = encodeLakeFile(events.map((event, i) => ({ event, kafkaPartition: 0, kafkaOffset: i })));
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { versionId: res.VersionId!, size: body.length };
}

describe('trainer against S3 (moto): manifest with pinned versions in, artifacts and run record out', () => {
  it('trains from lake objects at their manifest versions and writes servable artifacts to S3', async () => {
    const suffix = randomBytes(4).toString('hex');
    const lake = `sf-lake-${suffix}`;
    const artifacts = `sf-artifacts-${suffix}`;
    for (const b of [lake, artifacts]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: lake, VersioningConfiguration: { Status: 'Enabled' } }));

    const objects: DatasetManifest['objects'] = [];
    for (const symbol of ['AAPL', 'MSFT']) {
      const key = `lake/topic=market-data/symbol=${symbol}/date=2020-01-06/part-0-0-399.parquet`;
      const v1 = await putLake(lake, key, barEvents(`${symbol}#1d`, 400, 1));
      objects.push({ key, versionId: v1.versionId, topic: 'market-data', symbol, size: v1.size });
      // A later write of the same key: the manifest still pins v1, so training must not see these 60 bars.
      await putLake(lake, key, barEvents(`${symbol}#1d`, 60, 99));
    }
    const manifest: DatasetManifest = {
      manifestId: `m-${suffix}`,
      createdAt: new Date().toISOString(),
      bucket: lake,
      objects,
    };
    await s3.send(new PutObjectCommand({ Bucket: lake, Key: 'manifests/m.json', Body: JSON.stringify(manifest) }));

    const cfg = loadConfig({ env: {} });
    const outcome = await runTraining({
      data: `s3://${lake}/manifests/m.json`,
      out: `s3://${artifacts}/signalforge`,
      configs: ['AAPL#1d', 'MSFT#1d', 'IBM#1d'],
      runId: `it-${suffix}`,
      epochs: 2,
      batchSize: 32,
      windowSize: 8,
      hiddenUnits: 6,
      models: ['gru', 'dense'],
      inProcess: true,
      config: cfg,
      log: createLog({ runId: 'it', tty: false, quiet: true }),
    });
    expect(outcome.record.status).toBe('succeeded');
    expect(outcome.record.results.map((r) => r.key).sort()).toEqual(['AAPL#1d', 'MSFT#1d']);
    expect(outcome.record.skipped).toEqual([{ key: 'IBM#1d', reason: 'no bars in the dataset' }]);
    expect(outcome.runRecordUri).toBe(`s3://${artifacts}/signalforge/runs/it-${suffix}/run.json`);

    const stored = runRecordSchema.parse(JSON.parse(new TextDecoder().decode(await readUri(outcome.runRecordUri, s3))));
    expect(stored.status).toBe('succeeded');
    expect(stored.configsDone).toBe(2);

    const result = stored.results.find((r) => r.key === 'AAPL#1d')!;
    expect(result.artifactUri).toBe(`s3://${artifacts}/signalforge/models/AAPL/1d/it-${suffix}/model.onnx`);
    const onnxBytes = await readUri(result.artifactUri, s3);
    const metadata = modelMetadataSchema.parse(
      JSON.parse(new TextDecoder().decode(await readUri(result.metadataUri, s3))),
    );
    expect(createHash('sha256').update(onnxBytes).digest('hex')).toBe(metadata.onnx.sha256);
    expect(result.sha256).toBe(metadata.onnx.sha256);
    expect(metadata.dataset.manifestId).toBe(`m-${suffix}`);
    expect(metadata.dataset.bars).toBe(400); // v1, not the 60-bar overwrite
    // Two sampled trials (gru, dense; one halving rung at 2 epochs) and their ensemble, each a trial of the search.
    expect(metadata.search).toHaveLength(3);
    expect(metadata.search.filter((t) => t.ensembleOf)).toHaveLength(1);
    expect(metadata.evaluation.deflatedSharpe.trials).toBe(3);
    expect(metadata.metrics.test.model.samples).toBeGreaterThan(0);

    // What serving does: raw bars -> shared features -> ONNX.
    const bars = syntheticSeries('AAPL#1d', 400, 1).bars.slice(-metadata.minBars - 5);
    const input = buildModelInput(bars, metadata);
    const session = await ort.InferenceSession.create(onnxBytes);
    const out = await session.run({
      [metadata.input.name]: new ort.Tensor('float32', input, [
        1,
        metadata.windowSize,
        metadata.featureSpec.names.length,
      ]),
    });
    const prediction = (out[metadata.output.name]!.data as Float32Array)[0]!;
    expect(Number.isFinite(prediction)).toBe(true);
    expect(Math.abs(prediction)).toBeLessThan(0.5);
    await session.release();

    // The checkpoint is removed once a config's artifacts are recorded.
    expect(
      await openStore(`s3://${artifacts}/signalforge`, s3).read(`runs/it-${suffix}/checkpoints/AAPL_1d.ckpt`),
    ).toBeUndefined();
  });
});
