import { describe, expect, it } from 'vitest';
import { leaderboardFromMetadata, type MetadataForReport } from '../../../local/report/adapters.js';

const hp = {
  model: 'lstm' as const,
  windowSize: 16,
  hiddenUnits: 32,
  learningRate: 0.002,
  batchSize: 128,
  epochs: 6,
  seed: 1,
};
const row = (hyperparameters: MetadataForReport['hyperparameters'], oosMse: number) => ({
  hyperparameters,
  oosMse,
  oosNetSharpe: 0.4,
  epochsRun: [6],
  sample: 0,
  rung: 1,
});

describe('search leaderboard labels', () => {
  it("name each trial's stacked layers and training dropout; dropout 0 (or absent) adds nothing", () => {
    const search = [
      row({ ...hp, layers: 2, dropout: 0.1 }, 0.0004),
      row({ ...hp, model: 'dense', layers: 1, dropout: 0 }, 0.0005),
      row(hp, 0.0006),
    ];
    const labels = leaderboardFromMetadata({ search } as unknown as MetadataForReport).map((r) => r.label);
    expect(labels).toEqual([
      'lstm h32 L2 dropout 0.1 w16 b128 lr 0.0020',
      'dense h32 L1 w16 b128 lr 0.0020',
      'lstm h32 w16 b128 lr 0.0020',
    ]);
  });
});
