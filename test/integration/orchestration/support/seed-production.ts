import { metadataKey, modelKey, S3Store, writeJson } from '../../../../core/artifacts/index.js';
import type { Timeframe } from '../../../../core/config/index.js';
import { syntheticSeries } from '../../../../gpu-trainer/data-source.js';
import { buildRealModel } from '../../serving/real-model.js';
import { FAKE_EVALUATION_BARS } from './fake-trainer.js';
import type { RetrainWorld } from './retrain-world.js';

/**
 * A production version registered and promoted outside the run: a real (untrained) ONNX model with its
 * metadata.json in the artifact bucket, so the gate can re-score it on each candidate's latest fold.
 */
export async function seedProduction(w: RetrainWorld, key: string, valMse: number): Promise<void> {
  const [symbol, timeframe] = key.split('#') as [string, Timeframe];
  const model = await buildRealModel({
    symbol,
    timeframe,
    runId: 'seed',
    bars: syntheticSeries(key, FAKE_EVALUATION_BARS, 2).bars,
    kind: 'dense',
    windowSize: 8,
    hidden: 4,
  });
  const store = new S3Store(w.deps.artifactBucket, '', w.deps.s3);
  const artifactUri = await store.write(modelKey(symbol, timeframe, 'seed'), model.onnx);
  const metadataUri = await writeJson(store, metadataKey(symbol, timeframe, 'seed'), model.metadata);
  const v = await w.registry.register(
    {
      key,
      artifactUri,
      metadataUri,
      sha256: model.sha256,
      metrics: { valMse },
      hyperparameters: {},
      datasetManifest: { id: 'seed', uri: `s3://${w.deps.artifactBucket}/seed.json` },
      codeVersion: 'seed',
      trainingRunId: 'seed',
    },
    { who: 'vitest', why: 'seed production' },
  );
  await w.registry.promote(key, { who: 'vitest', why: 'seed production' }, { version: v.version });
}
