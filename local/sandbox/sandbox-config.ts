import {
  loadConfig,
  modelConfigKeys,
  searchSpaces,
  type ConfigOverrides,
  type SignalForgeConfig,
} from '../../core/config/index.js';
import type { SandboxOptions } from './options.js';

/**
 * The model size for the sandbox's series of about a thousand bars, not the deployed tens of thousands:
 * at the deployed batch of 256 an epoch is a few gradient steps, and a 32-bar window of every feature
 * into 32 hidden units overfits the early walk-forward folds (their out-of-sample MSE then loses to the
 * naive forecast even on the `signal` scenario).
 */
export const SANDBOX_MODEL = { batchSize: 32, windowSize: 4, hiddenUnits: 8 } as const;

/** New bars per baking series in the live phase (local/live/live-phase.ts). */
export const LIVE_PHASE_BARS = 60;
/**
 * The sandbox's search: SANDBOX_MODEL's sizes as the spaces, every kind (the recurrent two, the Transformer, the
 * dense baseline) sampled once, successive halving from a third of the epochs, and the top-3 ensemble as a
 * candidate; the deployed search (core/config defaults) samples 12 trials from larger spaces.
 */
export const SANDBOX_SEARCH = {
  trials: 4,
  reductionFactor: 3,
  ensembleSize: 3,
  // Layers stay [1]: stacked cells leave the single-layer BPTT kernel for tfjs autodiff, which measured over 100x
  // slower per step at these sizes (docs/ARCHITECTURE.md, "Stacked layers").
  spaces: searchSpaces(
    {
      learningRate: { min: 1e-3, max: 1e-2 },
      hiddenUnits: [SANDBOX_MODEL.hiddenUnits],
      layers: [1],
      windowSize: [SANDBOX_MODEL.windowSize],
      batchSize: [SANDBOX_MODEL.batchSize],
      dropout: [0, 0.1],
    },
    {
      lstm: {},
      gru: {},
      dense: { windowSize: [2, SANDBOX_MODEL.windowSize] },
      transformer: { learningRate: { min: 1e-3, max: 5e-3 }, heads: [2] },
    },
  ),
};

/** Manual approval timing in the sandbox: poll every 5 s, reject after 15 min. */
export const SANDBOX_APPROVAL = { approvalPollSeconds: 5, approvalTimeoutSeconds: 900 } as const;

/**
 * The sandbox's departures from the `local` profile, as loadConfig overrides (never code forks): a
 * small universe, small models (SANDBOX_MODEL, SANDBOX_SEARCH), one trainer worker on a shared laptop and a bake of
 * seconds instead of an hour. `--full` keeps the configured universe and model search.
 */
export function sandboxOverrides(options: SandboxOptions): ConfigOverrides {
  const overrides: ConfigOverrides = {
    training: {
      // --full: two workers (the 2 cores a laptop spares) as one data-parallel group, so the all-reduce runs
      // end to end; the sandbox's small models are below the `auto` threshold and would train one per core.
      ...(options.full ? { gpusPerInstance: 2, dataParallel: 2 as const } : { gpusPerInstance: 1 }),
      hyperparameters: { epochs: options.epochs, ...SANDBOX_MODEL, models: ['lstm', 'gru', 'transformer', 'dense'] },
      search: { ...SANDBOX_SEARCH, minEpochs: Math.max(1, Math.floor(options.epochs / 3)) },
    },
    // Half the live phase's requests reach the canary, so both sides of the unpaired test get about 30 outcomes.
    thresholds: { bakeSeconds: options.bakeSeconds, canaryWeight: 0.5 },
    // The live phase lands LIVE_PHASE_BARS new bars per baking series: enough outcomes for a verdict, and one
    // extension.
    deployment: { minSamples: 20, maxBakeExtensions: 1 },
    // Promotions should reach the local API within a second or two, not the deployed 30 s alias cache.
    inference: { aliasTtlSeconds: 1 },
  };
  if (!options.full) overrides.universe = { symbols: options.symbols, timeframes: options.timeframes };
  // A person at the terminal answers within minutes, not the deployed day.
  if (options.approval === 'manual') overrides.promotion = { approval: 'manual', ...SANDBOX_APPROVAL };
  // Bucket and table names derive from envName, so a namespaced sandbox gets its own.
  if (options.namespace) overrides.envName = `sbx-${options.namespace}`.slice(0, 21);
  return overrides;
}

/** The config every part of this sandbox run sees: handlers in-process, and the trainer via SIGNALFORGE_CONFIG_JSON. */
export function sandboxConfig(options: SandboxOptions, env: NodeJS.ProcessEnv = process.env): SignalForgeConfig {
  return loadConfig({ env: { ...env, SIGNALFORGE_ENV: 'local' }, overrides: sandboxOverrides(options) });
}

/** Enough events that every config clears the quality gate's minimum rows with room for the feature window. */
export function replayEventCount(options: SandboxOptions, config: SignalForgeConfig): number {
  const configs = modelConfigKeys(config).length;
  return Math.max(options.events, Math.ceil((configs * config.thresholds.minRowsPerConfig * 2) / 0.8));
}
