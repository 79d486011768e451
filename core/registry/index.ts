export * from './schema.js';
export * from './errors.js';
export {
  ModelRegistry,
  registryFromEnv,
  type ApprovalOutcome,
  type ModelRegistryOptions,
  type RevisionGuard,
} from './registry.js';
export { registryTableDefinition } from './table.js';
export { versionSk, HEAD_SK } from './keys.js';
export { SERVING_METRICS, CloudWatchLiveMetrics, type LiveMetricsSource, type CanaryStats } from './live-metrics.js';
export { LiveQualityStore } from './live-quality.js';
