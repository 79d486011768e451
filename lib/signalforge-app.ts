import { Aspects, Tags, Validations, type App, type Environment, type Stack } from 'aws-cdk-lib';
import type { SignalForgeConfig } from '../core/config/index.js';
import { DataStack } from './data/data-stack.js';
import { InferenceStack } from './inference/inference-stack.js';
import { IngestStack } from './ingest/ingest-stack.js';
import { MonitoringStack } from './monitoring/monitoring-stack.js';
import { AuditedAwsSolutionsChecks } from './nag/audited-checks.js';
import { AcknowledgeWildcards } from './nag/wildcard-acknowledgements.js';
import { WILDCARD_RULES } from './nag/wildcard-rules.js';
import { StreamingStack } from './streaming/streaming-stack.js';
import { TrainingStack } from './training/training-stack.js';

export interface SignalForgeStacks {
  readonly data: DataStack;
  readonly streaming: StreamingStack;
  readonly ingest: IngestStack;
  readonly training: TrainingStack;
  readonly inference: InferenceStack;
  readonly monitoring: MonitoringStack;
}

export interface BuildOptions {
  /** Register cdk-nag AwsSolutionsChecks on the whole app; synth fails on unacknowledged findings. @default true */
  readonly nag?: boolean;
}

/** The stacks as a list (what `cdk` iterates) plus by part, and the registered cdk-nag pack. */
export type SignalForgeBuild = Stack[] & {
  stacks: SignalForgeStacks;
  /** Undefined with `nag: false`; after `app.synth()` it lists acknowledgements that matched nothing. */
  nag?: AuditedAwsSolutionsChecks;
};

/** Builds every SignalForge stack into `app`, named `SignalForge-<envName>-<Part>`. */
export function buildSignalForge(
  app: App,
  config: SignalForgeConfig,
  env: Environment,
  options: BuildOptions = {},
): SignalForgeBuild {
  const name = (part: string) => `SignalForge-${config.envName}-${part}`;
  const data = new DataStack(app, name('Data'), {
    env,
    config,
    description: 'SignalForge keys, data lake, artifacts, model registry, alert topic and VPC',
  });
  const { network } = data;
  const streaming = new StreamingStack(app, name('Streaming'), {
    env,
    config,
    description: 'SignalForge MSK cluster and Kafka topics',
    vpc: network.vpc,
    subnets: network.dataSubnets,
    dataKey: data.dataKey,
    logKey: data.logKey,
  });
  const ingest = new IngestStack(app, name('Ingest'), {
    env,
    config,
    description: 'SignalForge producers and Kafka-to-lake sinks',
    cluster: streaming.cluster,
    vpc: network.vpc,
    producerSubnets: network.computeSubnets,
    dataKey: data.dataKey,
    logKey: data.logKey,
  });
  const training = new TrainingStack(app, name('Training'), {
    env,
    config,
    description: 'SignalForge retrain state machine, GPU spot trainers and SageMaker alternative',
    vpc: network.vpc,
    trainerSubnets: network.computeSubnets,
    dataKey: data.dataKey,
    logKey: data.logKey,
    alertTopic: data.alertTopic,
  });
  const inference = new InferenceStack(app, name('Inference'), {
    env,
    config,
    description: 'SignalForge prediction API, batch inference and drift check',
    dataKey: data.dataKey,
    logKey: data.logKey,
    retrainStateMachine: training.retrainStateMachine,
  });
  // Data-store names are deterministic, so these stacks reference them by name; make the order explicit.
  for (const stack of [ingest, training, inference]) stack.addStackDependency(data);
  const monitoring = new MonitoringStack(app, name('Monitoring'), {
    env,
    description: 'SignalForge dashboard and alarms',
    envName: config.envName,
    alertTopic: data.alertTopic,
    producers: [...ingest.producers.values()],
    sinks: ingest.sinks,
    deadLetterQueue: ingest.deadLetterQueue,
    api: inference.api.api,
    inferenceFunction: inference.inferenceFunction,
    batchFunction: inference.batchFunction,
    driftFunction: inference.driftFunction,
    retrainStateMachine: training.retrainStateMachine,
    spotInterruptionRule: training.interruptionRule,
    predictionLog: {
      streamName: inference.predictionLog.deliveryStreamName,
      failedRecords: inference.predictionLog.failedRecords,
    },
    maxRejectRate: config.quality.rejectRateAlarm,
  });
  const stacks: SignalForgeStacks = { data, streaming, ingest, training, inference, monitoring };
  const list = Object.values(stacks) as Stack[];
  for (const stack of list) {
    Tags.of(stack).add('project', 'signalforge');
    Tags.of(stack).add('environment', config.envName);
  }
  // Runs before validation and acknowledges only the CDK-generated wildcards listed in WILDCARD_RULES.
  Aspects.of(app).add(new AcknowledgeWildcards(WILDCARD_RULES));
  const nag = (options.nag ?? true) ? new AuditedAwsSolutionsChecks(app) : undefined;
  if (nag) Validations.of(app).addPlugins(nag);
  return Object.assign(list, { stacks, nag });
}
