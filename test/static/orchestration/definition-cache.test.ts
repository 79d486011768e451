import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deepMerge, defaultConfig, type SignalForgeConfig } from '../../../core/config/index.js';
import {
  readCachedDefinition,
  REPO_ROOT,
  writeCachedDefinition,
} from '../../../local/stepfunctions/definition-cache.js';
import {
  retrainDefinitionCacheKey,
  retrainDefinitionKeyFor,
  retrainDefinitionSources,
  retrainSourcesDigest,
  synthesizeRetrainDefinition,
} from '../../../local/stepfunctions/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-sfn-cache-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Other work may edit core/config or lib/ while this runs; the module keys on the sources as it loaded them.
const keyOf = (config: SignalForgeConfig) => retrainDefinitionKeyFor(config);

describe('synthesised definition cache', () => {
  it('keys on the config: a changed config changes the key, the same config keeps it', () => {
    const other = deepMerge(defaultConfig, {
      thresholds: { bakeSeconds: defaultConfig.thresholds.bakeSeconds + 1 },
    }) as SignalForgeConfig;
    expect(keyOf(defaultConfig)).toBe(keyOf(structuredClone(defaultConfig)));
    expect(keyOf(other)).not.toBe(keyOf(defaultConfig));
    // The key covers config and sources together.
    const digest = 'd'.repeat(64);
    expect(retrainDefinitionCacheKey('{"a":1}', digest)).not.toBe(retrainDefinitionCacheKey('{"a":2}', digest));
    expect(retrainDefinitionCacheKey('{"a":1}', digest)).not.toBe(retrainDefinitionCacheKey('{"a":1}', 'e'.repeat(64)));
  });

  it('keys on the construct, the task catalog, what they import and package-lock.json', () => {
    const sources = retrainDefinitionSources();
    for (const f of [
      'lib/training/retrain-state-machine.ts',
      'lib/training/retrain-state-machine-props.ts',
      'lambdas/training/task-catalog.ts',
      'lib/constructs/signalforge-function.ts',
      'local/stepfunctions/retrain-definition.ts',
    ]) {
      expect(sources).toContain(f);
    }
    // A copy of the inputs; editing any one of them (or the lock file) changes the digest.
    const root = tempDir();
    for (const f of [...sources, 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(root, f), { recursive: true });
    const before = retrainSourcesDigest(root);
    for (const f of [
      'lib/training/retrain-state-machine.ts',
      'lambdas/training/task-catalog.ts',
      'lib/data/data-grants.ts',
      'package-lock.json',
    ]) {
      const copy = join(root, `${f}.orig`);
      cpSync(join(root, f), copy);
      writeFileSync(join(root, f), '// edited\n', { flag: 'a' });
      expect(retrainSourcesDigest(root), f).not.toBe(before);
      cpSync(copy, join(root, f));
      rmSync(copy);
    }
    expect(retrainSourcesDigest(root)).toBe(before);
  });

  it('ignores a damaged or mismatched entry', () => {
    const dir = tempDir();
    const key = 'a'.repeat(64);
    expect(readCachedDefinition(dir, key)).toBeUndefined();
    writeCachedDefinition(dir, key, { definition: { StartAt: 'X', States: {} }, taskByArn: {} });
    expect(readCachedDefinition(dir, key)).toEqual({ definition: { StartAt: 'X', States: {} }, taskByArn: {} });
    writeFileSync(join(dir, `retrain-${key}.json`), `{"key":"${key}","definition":`);
    expect(readCachedDefinition(dir, key)).toBeUndefined();
  });

  it('uses the entry under its own key only: a different config synthesises afresh and stores its own entry', () => {
    const dir = tempDir();
    const config = deepMerge(defaultConfig, {
      universe: { symbols: ['AAPL', 'MSFT'], timeframes: ['1d'] },
    }) as SignalForgeConfig;
    // A marker entry for this exact config is what the run gets back: the synth is skipped.
    const marker = { definition: { Comment: 'cached marker', StartAt: 'X', States: {} }, taskByArn: {} };
    writeCachedDefinition(dir, keyOf(config), marker);
    expect(synthesizeRetrainDefinition(config, { cacheDir: dir })).toEqual(marker);

    const changed = deepMerge(config, {
      training: { maxAttempts: config.training.maxAttempts + 1 },
    }) as SignalForgeConfig;
    const fresh = synthesizeRetrainDefinition(changed, { cacheDir: dir });
    expect(fresh.definition.Comment).not.toBe('cached marker');
    expect(Object.keys(fresh.taskByArn).length).toBeGreaterThan(10);
    expect(readdirSync(dir).sort()).toEqual([`retrain-${keyOf(changed)}.json`, `retrain-${keyOf(config)}.json`].sort());
    expect(readCachedDefinition(dir, keyOf(changed))).toEqual(fresh);
  });
});
