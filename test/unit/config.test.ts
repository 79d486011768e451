import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadConfig,
  modelConfigKeys,
  parseConfig,
  defaultConfig,
  deepMerge,
} from '../../core/config/index.js';
import { assertDefaultAmiDrives } from '../../lib/training/spot-trainer.js';

describe('config', () => {
  it('defaults hold the design universe, topics and trainer preference', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.universe.symbols).toHaveLength(25);
    expect(cfg.universe.timeframes).toEqual(['1h', '4h', '1d', '1w']);
    expect(modelConfigKeys(cfg)).toHaveLength(100);
    expect(Object.fromEntries(Object.entries(cfg.kafka.topics).map(([k, v]) => [k, v.partitions]))).toEqual({
      'market-data': 6,
      'financial-news': 4,
      'social-sentiment': 4,
      'regulatory-filings': 2,
    });
    // The default AMI (OSS NVIDIA driver) drives G4dn/G5 but not P3 (V100): docs/INFRA.md.
    expect(cfg.training.instanceTypes).toEqual(['g5.12xlarge', 'g4dn.12xlarge']);
    expect(cfg.training.instanceTypes.some((t) => t.startsWith('p3.'))).toBe(false);
    // Every instance type has a price, and nothing is priced that is never launched.
    expect(Object.keys(cfg.pricing.spotPerHour).sort()).toEqual([...cfg.training.instanceTypes].sort());
    expect(Object.keys(cfg.pricing.onDemandPerHour).sort()).toEqual([...cfg.training.instanceTypes].sort());
    expect(() => assertDefaultAmiDrives(cfg.training.instanceTypes)).not.toThrow();
  });

  it('refuses instance types the default GPU AMI does not drive (P3 with the OSS driver)', () => {
    expect(() => assertDefaultAmiDrives(['g5.12xlarge', 'p3.8xlarge', 'p3.16xlarge'])).toThrow(
      /training\.instanceTypes p3\.8xlarge, p3\.16xlarge are not driven by the default GPU AMI/,
    );
  });

  it('the local profile switches to plaintext Kafka and single replicas', () => {
    const cfg = loadConfig({ env: { SIGNALFORGE_ENV: 'local' } });
    expect(cfg.envName).toBe('local');
    expect(cfg.kafka.auth).toBe('plaintext');
    expect(cfg.kafka.topics['market-data']).toEqual({ partitions: 6, replicationFactor: 1, retentionHours: 168 });
    expect(cfg.training.backend).toBe('local');
  });

  it('inline JSON overrides merge objects and replace arrays', () => {
    const cfg = loadConfig({
      env: { SIGNALFORGE_CONFIG_JSON: JSON.stringify({ universe: { symbols: ['AAPL', 'MSFT'] } }) },
      overrides: { thresholds: { driftPsi: 0.3 } },
    });
    expect(cfg.universe.symbols).toEqual(['AAPL', 'MSFT']);
    expect(cfg.universe.timeframes).toHaveLength(4);
    expect(cfg.thresholds.driftPsi).toBe(0.3);
    expect(cfg.thresholds.canaryWeight).toBe(defaultConfig.thresholds.canaryWeight);
  });

  it('invalid config fails with a message naming each field', () => {
    const bad = deepMerge(defaultConfig, {
      kafka: { topics: { 'market-data': { partitions: 0 } } },
      universe: { symbols: ['aapl'] },
    });
    let caught: unknown;
    try {
      parseConfig(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('kafka.topics.market-data.partitions');
    expect(message).toContain('universe.symbols.0');
    expect((caught as ConfigError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['kafka.topics.market-data.partitions', 'universe.symbols.0']),
    );
  });

  it('rejects cross-field mistakes and malformed inline JSON', () => {
    expect(() => loadConfig({ env: {}, overrides: { inference: { minBars: 2000 } } })).toThrow(/inference\.minBars/);
    expect(() => loadConfig({ env: { SIGNALFORGE_CONFIG_JSON: '{nope' } })).toThrow(
      /SIGNALFORGE_CONFIG_JSON is not valid JSON/,
    );
    expect(() => loadConfig({ env: {}, overrides: { schedules: { retrain: 'every sunday' } } })).toThrow(
      /schedules\.retrain/,
    );
  });
});
