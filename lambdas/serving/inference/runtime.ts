import { S3Client } from '@aws-sdk/client-s3';
import { awsClient } from '../../../core/aws/clients.js';
import { loadConfig, type SignalForgeConfig } from '../../../core/config/index.js';
import { onlineStoreFromEnv } from '../../../core/online/index.js';
import { type ModelRegistry, registryFromEnv } from '../../../core/registry/index.js';
import { createArtifactReader, metadataInputAdapter } from './model-input.js';
import { createInferenceService, type InferenceService, type InferenceServiceDeps } from './service.js';

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  config?: SignalForgeConfig;
  /** Defaults to the table named by REGISTRY_TABLE. */
  registry?: Pick<ModelRegistry, 'getServingAliases'>;
  s3?: S3Client;
  log?: InferenceServiceDeps['log'];
  onOutcome?: InferenceServiceDeps['onOutcome'];
  /** Defaults to the table named by ONLINE_STORE_TABLE (none when unset). */
  onlineStore?: InferenceServiceDeps['onlineStore'];
  onPrediction?: InferenceServiceDeps['onPrediction'];
}

/**
 * The service wired to the deployed dependencies: config from SIGNALFORGE_CONFIG_JSON, aliases from the
 * DynamoDB registry, artifacts from S3 (or file:// locally), features from the shared module, stored
 * windows from the online bar store.
 * The Lambda handler, the local server and the benchmark all build it here.
 */
export function createInferenceServiceFromEnv(options: RuntimeOptions = {}): InferenceService {
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig({ env });
  const registry = options.registry ?? registryFromEnv(env);
  const s3 = options.s3 ?? awsClient(S3Client, env);
  return createInferenceService({
    config,
    getServingAliases: (key) => registry.getServingAliases(key),
    readArtifact: createArtifactReader(s3),
    createAdapter: metadataInputAdapter,
    onlineStore: options.onlineStore ?? onlineStoreFromEnv(config, env),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    ...(options.onPrediction ? { onPrediction: options.onPrediction } : {}),
  });
}
