import { grantRetrainStart } from '../training/retrain-start-grant.js';
import { retrainStateMachineName } from '../training/retrain-state-machine.js';
import { Duration, Stack } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ONNXRUNTIME_MODULES } from '../constructs/onnxruntime-modules.js';
import { scheduleLambda } from '../constructs/lambda-schedule.js';
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
    scheduleLambda(this, 'DailyBatchInference', this.batchFunction, {
      description: 'Daily batch inference',
      expression: config.schedules.batchInference,
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
    });

    // The drift check and the live loop start retrains on a schedule: ten minutes to read the lake, the state
    // machine's ARN and the right to start it; a run missed by more than 30 minutes is skipped for the next one.
    const retrainTrigger = (
      id: string,
      entry: string,
      description: string,
      schedule: { description: string; expression: string },
    ) => {
      const fn = serving(id, entry, description, {
        timeout: Duration.minutes(10),
        environment: { ...env, RETRAIN_STATE_MACHINE_ARN: props.retrainStateMachine.stateMachineArn },
      });
      grantRetrainStart(fn, props.retrainStateMachine, retrainName);
      scheduleLambda(this, `${id}Schedule`, fn, { ...schedule, retryAttempts: 1, maxEventAge: Duration.minutes(30) });
      return fn;
    };
    this.driftFunction = retrainTrigger(
      'DriftCheck',
      'lambdas/serving/drift.handler.ts',
      'Feature and prediction PSI against each model baseline; starts a retrain on drift',
      { description: 'Drift check (feature and prediction PSI)', expression: config.schedules.driftCheck },
    );
    grantObjectRead(
      this.driftFunction,
      lake,
      [config.ingest.lakePrefix, 'predictions'],
      'The drift check reads recent lake bars and logged predictions (keys by date, chosen at run time); read-only.',
    );

    // The live loop: outcome join (live metrics to the registry and EMF), then the degradation and new-data triggers.
    this.liveLoopFunction = retrainTrigger(
      'LiveLoop',
      'lambdas/serving/live-loop.handler.ts',
      'Joins logged predictions with realised bars; degradation and new-data retrain triggers',
      { description: 'Outcome join and live retrain triggers (hourly)', expression: config.schedules.liveLoop },
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
  }
}
