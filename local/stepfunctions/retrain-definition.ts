import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { SignalForgeConfig } from '../../core/config/index.js';
import { deepMerge } from '../../core/config/index.js';
import { TASK_METADATA_KEY, type RetrainTaskName } from '../../lambdas/training/task-catalog.js';
import { RetrainStateMachine } from '../../lib/training/retrain-state-machine.js';
import {
  definitionCacheDir,
  readCachedDefinition,
  retrainDefinitionCacheKey,
  retrainSourcesDigest,
  writeCachedDefinition,
} from './definition-cache.js';

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-east-1';

/** The state machine definition CDK synthesises, with Lambda ARNs resolved to stable fake ARNs. */
export interface SynthesizedRetrain {
  definition: Record<string, unknown>;
  /** Fake Lambda ARN -> the retrain task it runs. */
  taskByArn: Record<string, RetrainTaskName>;
}

type CfnValue = unknown;

/**
 * Resolves the intrinsic functions CDK uses in a DefinitionString: Fn::Join, Fn::GetAtt (Arn) and Ref to pseudo
 * parameters.
 */
export function resolveIntrinsics(value: CfnValue, arnFor: (logicalId: string) => string): CfnValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, arnFor));
  const obj = value as Record<string, unknown>;
  if ('Fn::Join' in obj) {
    const [delimiter, parts] = obj['Fn::Join'] as [string, CfnValue[]];
    return parts.map((p) => String(resolveIntrinsics(p, arnFor))).join(delimiter);
  }
  if ('Fn::GetAtt' in obj) {
    const [logicalId, attribute] = obj['Fn::GetAtt'] as [string, string];
    if (attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
    return arnFor(logicalId);
  }
  if ('Ref' in obj) {
    const ref = obj.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': FAKE_REGION,
      'AWS::AccountId': FAKE_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[ref] ?? ref;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, arnFor)]));
}

/** The config the definition is synthesised from: the `local` backend, whatever the caller's (see synthesize). */
function asSynthesised(config: SignalForgeConfig): SignalForgeConfig {
  return deepMerge(config, { training: { backend: 'local' } }) as SignalForgeConfig;
}

/** The on-disk cache key this process uses for the config (sources as read when the module loaded). */
export function retrainDefinitionKeyFor(config: SignalForgeConfig): string {
  return retrainDefinitionCacheKey(JSON.stringify(asSynthesised(config)), SOURCES_DIGEST);
}

const memoryCache = new Map<string, SynthesizedRetrain>();
// Read when this module loads, right after the construct's modules: the key then describes the code
// this process synthesises with, even if the files are edited while it runs.
const SOURCES_DIGEST = retrainSourcesDigest();

export interface SynthesizeOptions {
  /** Folder of the on-disk cache; `false` turns it off. @default definitionCacheDir() (<repo>/.cache/stepfunctions) */
  cacheDir?: string | false;
}

/**
 * The definition RetrainStateMachine synthesises for this config. Synthesis takes seconds, so results
 * are cached in memory and on disk under a key over the config and the sources that shape the
 * definition (see retrainDefinitionCacheKey): any edit to them or to the config misses the cache.
 */
export function synthesizeRetrainDefinition(
  config: SignalForgeConfig,
  options: SynthesizeOptions = {},
): SynthesizedRetrain {
  const localConfig = asSynthesised(config);
  const configJson = JSON.stringify(localConfig);
  const cacheDir = options.cacheDir ?? definitionCacheDir();
  const key = cacheDir === false ? undefined : retrainDefinitionCacheKey(configJson, SOURCES_DIGEST);
  const memoryKey = key ?? `nokey:${configJson}`;
  const hit = memoryCache.get(memoryKey);
  if (hit) return hit;
  const cached = cacheDir !== false && key ? readCachedDefinition(cacheDir, key) : undefined;
  const result = cached ?? synthesize(localConfig);
  if (!cached && cacheDir !== false && key) {
    try {
      writeCachedDefinition(cacheDir, key, result);
    } catch {
      // A read-only checkout still works; it synthesises every run.
    }
  }
  memoryCache.set(memoryKey, result);
  return result;
}

/**
 * Synthesises RetrainStateMachine in a throwaway stack (bundling skipped) and returns its definition.
 * The definition does not depend on the trainer backend, only the IAM around it does, so it is
 * synthesised with the `local` backend, which needs no EC2 or SageMaker resources.
 */
function synthesize(localConfig: SignalForgeConfig): SynthesizedRetrain {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SignalForgeLocalRetrain', { env: { account: FAKE_ACCOUNT, region: FAKE_REGION } });
  const key = new Key(stack, 'Key');
  const table = new Table(stack, 'Registry', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
  });
  new RetrainStateMachine(stack, 'Retrain', {
    config: localConfig,
    lakeBucket: new Bucket(stack, 'Lake'),
    artifactBucket: new Bucket(stack, 'Artifacts'),
    registryTable: table,
    alertTopic: new Topic(stack, 'Alerts'),
    encryptionKey: key,
  });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
  };
  const arnFor = (logicalId: string) => `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${logicalId}`;
  const taskByArn: Record<string, RetrainTaskName> = {};
  let definitionString: CfnValue;
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const task = resource.Metadata?.[TASK_METADATA_KEY];
    if (resource.Type === 'AWS::Lambda::Function' && typeof task === 'string')
      taskByArn[arnFor(logicalId)] = task as RetrainTaskName;
    if (resource.Type === 'AWS::StepFunctions::StateMachine') definitionString = resource.Properties?.DefinitionString;
  }
  if (definitionString === undefined) throw new Error('no state machine in the synthesised template');
  return {
    definition: JSON.parse(String(resolveIntrinsics(definitionString, arnFor))) as Record<string, unknown>,
    taskByArn,
  };
}
