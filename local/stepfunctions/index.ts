export { runRetrainLocally, type RunRetrainLocallyOptions, type LocalRetrainResult } from './run-retrain.js';
export { synthesizeRetrainDefinition, resolveIntrinsics, type SynthesizedRetrain } from './retrain-definition.js';
export { localRetrainHandlers, type LocalRetrainSetup } from './local-deps.js';
