import { grantRetrainStart } from '../training/retrain-start-grant.js';
import { retrainStateMachineName } from '../training/retrain-state-machine.js';
import { Duration, Stack } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { ONNXRUNTIME_MODULES } from '../constructs/onnxruntime-modules.js';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import { grantItemReadWrite, grantObjectRead, grantObjectWrite } from '../data/data-grants.js';
import { dataNames } from '../data/data-names.js';
import { runtimeEnvironment } from '../runtime-environment.js';
import type { InferenceStackProps } from './inference-stack-props.js';
import { PredictionApi } from './prediction-api.js';
import { PredictionLogDelivery } from './prediction-log-delivery.js';

export type { InferenceStackProps } from './inference-stack-props.js';

export { ONNXRUNTIME_MODULES };

/** The prediction API and its Lambda, the daily batch inference and the 4-hourly drift check. */
export class InferenceStack extends Stack {
  readonly api: PredictionApi;
  readonly inferenceFunction: SignalForgeFunction;
  readonly inferenceAlias: Alias;
  readonly batchFunction: SignalForgeFunction;
  readonly driftFunction: SignalForgeFunction;
  readonly liveLoopFunction: SignalForgeFunction;
  readonly predictionLog: PredictionLogDelivery;

  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = dataNames(config.envName);
    const env = runtimeEnvironment({
      LAKE_BUCKET: names.lakeBucket,
      ARTIFACT_BUCKET: names.artifactBucket,
      REGISTRY_TABLE: names.registryTable,
    });
    const lake = { bucketName: names.lakeBucket, key: props.dataKey };
    const retrainName = retrainStateMachineName(config.envName);
    const artifacts = { bucketName: names.artifactBucket, key: props.dataKey };
    const readModels =
      'Serving loads model.onnx and metadata.json from models/<SYMBOL>/<tf>/<runId>/, whose run id comes from the registry at run time; read-only.';

    const serving = (
      id: string,
      entry: string,
      description: string,
      extra: Partial<ConstructorParameters<typeof SignalForgeFunction>[2]> = {},
    ) => {
      const fn = new SignalForgeFunction(this, id, {
        entry,
        description,
        config,
        logKey: props.logKey,
        environment: env,
        memorySize: 1536,
        vendoredModules: ONNXRUNTIME_MODULES,
        ...extra,
      });
      grantObjectRead(fn, artifacts, ['models'], readModels);
      grantItemReadWrite(fn, names.registryTable, props.dataKey, { write: false });
      return fn;
    };

    this.inferenceFunction = serving(
      'Inference',
      'lambdas/serving/inference.handler.ts',
      'POST /v1/predict(/batch), GET /openapi.json, GET /health',
      {
        timeout: Duration.seconds(29),
        environment: { ...env, ONLINE_STORE_TABLE: names.onlineStoreTable },
      },
    );
    // The short request form reads a series' trailing bars from the online store (Query only).
    grantItemReadWrite(this.inferenceFunction, names.onlineStoreTable, props.dataKey, { write: false });
    // An alias gives provisioned concurrency a target and the API a stable version.
    this.inferenceAlias = new Alias(this, 'InferenceLive', {
      aliasName: 'live',
      version: this.inferenceFunction.currentVersion,
      provisionedConcurrentExecutions:
        config.inference.provisionedConcurrency > 0 ? config.inference.provisionedConcurrency : undefined,
    });
    this.api = new PredictionApi(this, 'Api', { config, handler: this.inferenceAlias, logKey: props.logKey });
    // Serving's prediction lines travel to the lake's predictions/ prefix off the request path.
    this.predictionLog = new PredictionLogDelivery(this, 'PredictionLog', {
      envName: config.envName,
      lakeBucketName: names.lakeBucket,
      dataKey: props.dataKey,
      logKey: props.logKey,
      source: this.inferenceFunction.logGroup,
    });

    this.batchFunction = serving(
      'BatchInference',
      'lambdas/serving/batch-inference.handler.ts',
      'Daily batch predictions for every model config',
      { timeout: Duration.minutes(15) },
    );
    grantObjectRead(
      this.batchFunction,
      lake,
      [config.ingest.lakePrefix],
      'Batch inference reads the latest lake bars per symbol (keys by date, chosen at run time); read-only, lake prefix only.',
    );
    grantObjectWrite(
      this.batchFunction,
      lake,
      ['predictions/batch'],
      'Batch inference writes predictions/batch/date=<day>/run=<runId>/ objects; keys are chosen at run time.',
    );
    new Schedule(this, 'DailyBatchInference', {
      description: 'Daily batch inference',
      schedule: ScheduleExpression.expression(config.schedules.batchInference),
      target: new LambdaInvoke(this.batchFunction, { retryAttempts: 1, maxEventAge: Duration.hours(1) }),
    });

    this.driftFunction = serving(
      'DriftCheck',
      'lambdas/serving/drift.handler.ts',
      'Feature and prediction PSI against each model baseline; starts a retrain on drift',
      {
        timeout: Duration.minutes(10),
        environment: { ...env, RETRAIN_STATE_MACHINE_ARN: props.retrainStateMachine.stateMachineArn },
      },
    );
    grantObjectRead(
      this.driftFunction,
      lake,
      [config.ingest.lakePrefix, 'predictions'],
      'The drift check reads recent lake bars and logged predictions (keys by date, chosen at run time); read-only.',
    );
    grantRetrainStart(this.driftFunction, props.retrainStateMachine, retrainName);
    new Schedule(this, 'DriftCheckSchedule', {
      description: 'Drift check (feature and prediction PSI)',
      schedule: ScheduleExpression.expression(config.schedules.driftCheck),
      target: new LambdaInvoke(this.driftFunction, { retryAttempts: 1, maxEventAge: Duration.minutes(30) }),
    });

    // The live loop: outcome join (live metrics to the registry and EMF), then the degradation and new-data triggers.
    this.liveLoopFunction = serving(
      'LiveLoop',
      'lambdas/serving/live-loop.handler.ts',
      'Joins logged predictions with realised bars; degradation and new-data retrain triggers',
      {
        timeout: Duration.minutes(10),
        environment: { ...env, RETRAIN_STATE_MACHINE_ARN: props.retrainStateMachine.stateMachineArn },
      },
    );
    grantObjectRead(
      this.liveLoopFunction,
      lake,
      [config.ingest.lakePrefix, 'predictions', 'outcomes'],
      'The outcome join reads lake bars, the prediction log and its own outcomes (keys chosen at run time); read-only there.',
    );
    grantObjectWrite(
      this.liveLoopFunction,
      lake,
      ['outcomes'],
      'The outcome join rewrites outcomes/symbol=<S>/timeframe=<TF>/v<version>.json only.',
    );
    grantItemReadWrite(this.liveLoopFunction, names.registryTable, props.dataKey);
    grantRetrainStart(this.liveLoopFunction, props.retrainStateMachine, retrainName);
    new Schedule(this, 'LiveLoopSchedule', {
      description: 'Outcome join and live retrain triggers (hourly)',
      schedule: ScheduleExpression.expression(config.schedules.liveLoop),
      target: new LambdaInvoke(this.liveLoopFunction, { retryAttempts: 1, maxEventAge: Duration.minutes(30) }),
    });
  }
}
