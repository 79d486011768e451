import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { defaultConfig } from '../../../core/config/index.js';
import { configHash } from '../../../core/lineage/index.js';
import { modelMetadataSchema, openStore } from '../../../core/artifacts/index.js';
import { buildModelInput, makeFeatureSpec } from '../../../core/features/index.js';
import { initBackend, type Tf } from '../../../gpu-trainer/backend.js';
import { buildDataset, gatherWindows, sampleBar } from '../../../gpu-trainer/dataset.js';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { evaluateAndExport } from '../../../gpu-trainer/export.js';
import { DataParallelGroup } from '../../../gpu-trainer/group.js';
import { predict } from '../../../gpu-trainer/model/forward.js';
import { INPUT_NAME, OUTPUT_NAME } from '../../../gpu-trainer/model/onnx.js';
import { initParams } from '../../../gpu-trainer/model/spec.js';
import { Rng } from '../../../gpu-trainer/rng.js';
import { ensembleCandidate } from '../../../gpu-trainer/search/ensemble.js';
import { modelSpecFor, type FinalFit, type TrialResult } from '../../../gpu-trainer/train-config.js';
import type { Hyperparameters } from '../../../core/artifacts/index.js';

let tf: Tf;
let group: DataParallelGroup;
beforeAll(async () => {
  tf = await initBackend('wasm');
  group = await DataParallelGroup.start({ size: 1, backend: 'wasm', inProcess: true });
});
afterAll(async () => {
  await group.close();
});

describe('an exported ensemble', () => {
  it('serves, from raw bars through core/features and onnxruntime, the mean of its members (different kinds and windows) within 1e-5', async () => {
    const featureSpec = makeFeatureSpec();
    const bars = syntheticSeries('SPX#1d', 520, 3).bars;
    const ds = buildDataset(bars, featureSpec, {
      windowSize: 8,
      purgeGapBars: 2,
      folds: 3,
      embargoBars: 2,
      innerValidationFraction: 0.15,
      driftWindowBars: 20,
    });
    const rng = new Rng(13);
    const hps: Hyperparameters[] = [
      { model: 'gru', windowSize: 8, hiddenUnits: 6, learningRate: 0.003, batchSize: 32, epochs: 2, seed: 1 },
      {
        model: 'transformer',
        windowSize: 4,
        hiddenUnits: 8,
        layers: 1,
        heads: 2,
        learningRate: 0.001,
        batchSize: 32,
        epochs: 2,
        seed: 1,
      },
    ];
    const members: FinalFit[] = hps.map((hp) => {
      const params = initParams(modelSpecFor(hp, ds.width), rng).map((v) => v + (rng.next() - 0.5) * 0.2);
      return {
        hyperparameters: hp,
        validationMse: 1,
        epochsRun: 2,
        params,
        curves: { train: [1, 0.9], validation: [1, 0.95] },
      };
    });
    const testSamples = ds.targets.length - ds.folds[0]!.test.start;
    const actual = ds.targets.subarray(ds.folds[0]!.test.start);
    const trials: TrialResult[] = hps.map((hp, i) => ({
      hyperparameters: hp,
      oos: Float64Array.from({ length: testSamples }, () => (rng.next() - 0.5) * 0.01),
      oosMse: 1,
      folds: ds.folds.map(() => ({ validationMse: 1 + i, epochsRun: 2 })),
      sample: i,
      rung: 0,
    }));
    const candidate = ensembleCandidate(trials, 2, ds.folds, actual)!;
    const ensembleRow: TrialResult = {
      hyperparameters: hps[0]!,
      oos: candidate.oos,
      oosMse: candidate.oosMse,
      folds: [],
      ensembleOf: candidate.members,
    };
    await group.setData({
      features: ds.features,
      width: ds.width,
      windowSize: ds.windowSize,
      targetsStd: ds.targetsStd,
    });
    const out = await mkdtemp(join(tmpdir(), 'sf-ensemble-'));
    const ev = defaultConfig.evaluation;
    const exported = await evaluateAndExport({
      store: openStore(out),
      group,
      key: 'SPX#1d',
      symbol: 'SPX',
      timeframe: '1d',
      runId: 'ens',
      dataset: ds,
      featureSpec,
      best: members[0]!,
      winner: ensembleRow,
      trials: [...trials, ensembleRow],
      ensemble: { members, candidate },
      manifestId: 'm',
      evaluation: {
        costBps: ev.costBps,
        purgeGapBars: 2,
        embargoBars: 2,
        innerValidationFraction: 0.15,
        rescoreHistoryBars: ev.rescoreHistoryBars,
      },
      bars,
      backend: 'wasm',
      configHash: configHash(defaultConfig),
    });
    const meta = modelMetadataSchema.parse(
      JSON.parse(await readFile(join(out, 'models', 'SPX', '1d', 'ens', 'metadata.json'), 'utf8')),
    );
    expect(meta.ensemble?.members.map((m) => m.hyperparameters.model)).toEqual(['gru', 'transformer']);
    expect(meta.windowSize).toBe(8);
    expect(meta.evaluation.deflatedSharpe.trials).toBe(3);
    expect(exported.sha256).toBe(meta.onnx.sha256);

    const session = await ort.InferenceSession.create(
      new Uint8Array(await readFile(join(out, 'models', 'SPX', '1d', 'ens', 'model.onnx'))),
    );
    const samples = [ds.targets.length - 1, ds.targets.length - 40, ds.folds[0]!.test.start];
    let maxDiff = 0;
    for (const s of samples) {
      const upTo = bars.slice(0, sampleBar(ds, s) + 1);
      const x = buildModelInput(upTo, {
        featureSpec: meta.featureSpec,
        normalisation: meta.normalisation,
        windowSize: meta.windowSize,
      });
      const served = (
        await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [1, meta.windowSize, ds.width]) })
      )[OUTPUT_NAME]!.data as Float32Array;
      let expected = 0;
      for (const m of members) {
        const T = m.hyperparameters.windowSize;
        const window = gatherWindows(ds.features, ds.width, T, [s + ds.windowSize - T]);
        expected +=
          (predict(tf, modelSpecFor(m.hyperparameters, ds.width), m.params, window, 1)[0]! * ds.targetStd +
            ds.targetMean) /
          members.length;
      }
      maxDiff = Math.max(maxDiff, Math.abs(served[0]! - expected));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});
