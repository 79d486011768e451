import { describe, expect, it } from 'vitest';
import {
  modelKeySchema,
  registerInputSchema,
  registryTableDefinition,
  versionSk,
} from '../../../core/registry/index.js';

describe('registry schemas and keys', () => {
  it('accepts symbol#timeframe keys only', () => {
    expect(modelKeySchema.safeParse('AAPL#1h').success).toBe(true);
    expect(modelKeySchema.safeParse('BRK.B#1w').success).toBe(true);
    for (const bad of ['aapl#1h', 'AAPL#2h', 'AAPL', '#1h'])
      expect(modelKeySchema.safeParse(bad).success, bad).toBe(false);
  });

  it('requires lineage and a finite validation MSE on every version', () => {
    const base = {
      key: 'AAPL#1h',
      artifactUri: 's3://a/m.onnx',
      metadataUri: 's3://a/m.json',
      sha256: 'a'.repeat(64),
      metrics: { valMse: 0.1, sharpe: 1.2 },
      hyperparameters: { model: 'lstm' },
      datasetManifest: { id: 'ds-1', uri: 's3://a/ds.json' },
      codeVersion: 'abc',
      trainingRunId: 'rt-1-s000',
    };
    expect(registerInputSchema.safeParse(base).success).toBe(true);
    expect(registerInputSchema.safeParse({ ...base, metrics: { valMse: Number.NaN } }).success).toBe(false);
    expect(registerInputSchema.safeParse({ ...base, sha256: 'xyz' }).success).toBe(false);
    const { codeVersion: _omitted, ...noCode } = base;
    expect(registerInputSchema.safeParse(noCode).success).toBe(false);
  });

  it('sorts versions numerically by zero-padding the sort key', () => {
    expect([versionSk(10), versionSk(9), versionSk(100)].sort()).toEqual([
      'VERSION#000009',
      'VERSION#000010',
      'VERSION#000100',
    ]);
  });

  it('defines the contract table: pk/sk and gsi1 on gsi1pk/gsi1sk', () => {
    const def = registryTableDefinition('t');
    expect(def.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(def.GlobalSecondaryIndexes![0]).toMatchObject({
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
    });
  });
});
