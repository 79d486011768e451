import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultConfig, localOverrides } from './defaults.js';
import { configSchema, type SignalForgeConfig } from './schema.js';

export * from './schema.js';
export { defaultConfig, DEFAULT_SYMBOLS } from './defaults.js';
export * from './instance-types.js';
export { commaList, requiredEnv } from './env.js';
export * from './timeframes.js';
export * from './search.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ConfigOverrides = { [key: string]: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars replace, so an override can shrink the universe. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p) => String(p)).join('.') || '(root)';
}

/** Validate a whole config object; the error names every offending field. */
export function parseConfig(candidate: unknown): SignalForgeConfig {
  const result = configSchema.safeParse(candidate);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  throw new ConfigError(`invalid SignalForge config:\n${lines}`, issues);
}

function readJsonFile(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Highest-precedence overrides, e.g. CDK context or test settings. */
  overrides?: ConfigOverrides;
  /** Folder holding `<envName>.json` override files. */
  configDir?: string;
}

/**
 * Layers, lowest first: defaults, the built-in `local` profile when SIGNALFORGE_ENV=local,
 * `config/<SIGNALFORGE_ENV>.json`, the file named by SIGNALFORGE_CONFIG_FILE, inline JSON in
 * SIGNALFORGE_CONFIG_JSON, then `overrides`.
 */
export function loadConfig(options: LoadConfigOptions = {}): SignalForgeConfig {
  const env = options.env ?? process.env;
  const envName = env.SIGNALFORGE_ENV;
  let merged: unknown = defaultConfig;
  if (envName === 'local') merged = deepMerge(merged, localOverrides);
  if (envName) {
    const file = resolve(options.configDir ?? 'config', `${envName}.json`);
    if (existsSync(file)) merged = deepMerge(merged, readJsonFile(file));
    merged = deepMerge(merged, { envName });
  }
  if (env.SIGNALFORGE_CONFIG_FILE) merged = deepMerge(merged, readJsonFile(env.SIGNALFORGE_CONFIG_FILE));
  if (env.SIGNALFORGE_CONFIG_JSON) {
    try {
      merged = deepMerge(merged, JSON.parse(env.SIGNALFORGE_CONFIG_JSON));
    } catch (err) {
      throw new ConfigError(`SIGNALFORGE_CONFIG_JSON is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides);
  return parseConfig(merged);
}

/** Every (symbol, timeframe) pair the platform trains and serves: 25 x 4 = 100 by default. */
export function modelConfigKeys(
  config: SignalForgeConfig,
): { symbol: string; timeframe: SignalForgeConfig['universe']['timeframes'][number]; key: string }[] {
  return config.universe.symbols.flatMap((symbol) =>
    config.universe.timeframes.map((timeframe) => ({ symbol, timeframe, key: `${symbol}#${timeframe}` })),
  );
}
