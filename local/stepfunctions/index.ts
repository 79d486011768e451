export {
  runRetrainLocally,
  RetrainAbortedError,
  type RunRetrainLocallyOptions,
  type LocalRetrainResult,
  type StatePayload,
} from './run-retrain.js';
export {
  synthesizeRetrainDefinition,
  retrainDefinitionKeyFor,
  resolveIntrinsics,
  type SynthesizedRetrain,
  type SynthesizeOptions,
} from './retrain-definition.js';
export {
  retrainDefinitionCacheKey,
  retrainDefinitionSources,
  retrainSourcesDigest,
  definitionCacheDir,
} from './definition-cache.js';
export { localRetrainHandlers, type LocalRetrainSetup } from './local-deps.js';
export type { RetrainStateEvent } from './state-events.js';
