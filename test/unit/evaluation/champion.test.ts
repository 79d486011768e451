import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { scoreChampion } from '../../../lambdas/training/tasks/champion.js';
import { buildRealModel } from '../../integration/serving/real-model.js';

async function saved(model: Awaited<ReturnType<typeof buildRealModel>>) {
  const dir = await mkdtemp(join(tmpdir(), 'sf-champion-'));
  await writeFile(join(dir, 'model.onnx'), model.onnx);
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(model.metadata));
  return { artifactUri: join(dir, 'model.onnx'), metadataUri: join(dir, 'metadata.json'), sha256: model.sha256 };
}

describe('champion re-scoring on the candidate latest fold', () => {
  const bars = syntheticSeries('AAPL#1d', 520, 4).bars;

  it('re-scoring a model against its own walk-forward predictions reproduces them from the raw bars: equal losses', async () => {
    // real-model.ts scores its ONNX on the pooled test folds with the dataset's rows; the champion path rebuilds
    // every input from the saved raw bars with the model's own feature spec and window, through onnxruntime.
    const model = await buildRealModel({
      symbol: 'AAPL',
      timeframe: '1d',
      runId: 'self',
      bars,
      kind: 'dense',
      windowSize: 8,
      hidden: 4,
    });
    const ev = model.metadata.evaluation;
    const score = await scoreChampion({
      champion: { version: 7, ...(await saved(model)) },
      evaluation: ev,
      timeframe: '1d',
      costBps: 5,
    });
    expect(score.window).toEqual({
      from: ev.latestFold.times[0],
      to: ev.latestFold.times.at(-1),
      samples: ev.latestFold.times.length,
    });
    expect(score.window.samples).toBeGreaterThan(50);
    expect(score.loss).toBeGreaterThan(0);
    expect(Math.abs(score.loss - score.candidateLoss) / score.loss).toBeLessThan(1e-6);
    expect(Math.abs(score.improvement)).toBeLessThan(1e-6);
    expect(score.netSharpe).toBeCloseTo(score.candidateNetSharpe, 6);
  });

  it('a champion with a different window and feature history is scored on the same samples', async () => {
    const candidate = await buildRealModel({
      symbol: 'AAPL',
      timeframe: '1d',
      runId: 'cand',
      bars,
      kind: 'dense',
      windowSize: 8,
      hidden: 4,
    });
    const champion = await buildRealModel({
      symbol: 'AAPL',
      timeframe: '1d',
      runId: 'champ',
      bars,
      kind: 'gru',
      windowSize: 16,
      hidden: 6,
      seed: 3,
    });
    const ev = candidate.metadata.evaluation;
    const score = await scoreChampion({
      champion: { version: 2, ...(await saved(champion)) },
      evaluation: ev,
      timeframe: '1d',
      costBps: 5,
    });
    expect(score.window.samples).toBe(ev.latestFold.times.length);
    expect(score.loss).not.toBeCloseTo(score.candidateLoss, 12);
    expect(score.improvement).toBeCloseTo((score.loss - score.candidateLoss) / score.loss, 12);
  });

  it('refuses an artifact whose sha256 differs from the registry record', async () => {
    const model = await buildRealModel({
      symbol: 'AAPL',
      timeframe: '1d',
      runId: 'sha',
      bars,
      kind: 'dense',
      windowSize: 8,
      hidden: 4,
    });
    const files = await saved(model);
    await expect(
      scoreChampion({
        champion: { version: 1, ...files, sha256: '0'.repeat(64) },
        evaluation: model.metadata.evaluation,
        timeframe: '1d',
        costBps: 5,
      }),
    ).rejects.toThrow(/sha256 differs/);
  });
});
