import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { maxConcurrentShards, modelConfigKeys } from '../../core/config/index.js';
import { grantItemReadWrite, grantObjectGet, grantObjectRead, grantObjectWrite } from '../data/data-grants.js';
import { ONNXRUNTIME_MODULES } from '../constructs/onnxruntime-modules.js';
import { SignalForgeFunction } from '../constructs/signalforge-function.js';
import { acknowledgeWildcardResources } from '../nag/wildcard-acknowledgements.js';
import { runtimeEnvironment } from '../runtime-environment.js';
import { approvalPolls } from '../../lambdas/training/approval-polls.js';
import { heartbeatPollSeconds } from '../../lambdas/training/heartbeat-polls.js';
import { RETRAIN_TASKS, TASK_METADATA_KEY, type RetrainTaskName } from '../../lambdas/training/task-catalog.js';
import type { RetrainStateMachineProps } from './retrain-state-machine-props.js';

export type { RetrainStateMachineProps, IDynamoTable } from './retrain-state-machine-props.js';

/** Errors that are verdicts, not glitches: retrying cannot change them. */
const NON_RETRYABLE = ['InvalidRetrainInputError', 'ZodError'];
const J = sfn.JsonPath.stringAt;

/** The retrain state machine's physical name, known at synth so execution ARNs render in policies. */
export const retrainStateMachineName = (envName: string): string => `signalforge-${envName}-retrain`;

/**
 * The retraining workflow: snapshot -> quality gate -> plan shards -> Map(launch, heartbeat loop,
 * relaunch with --resume) -> evaluate -> register -> gate -> [manual approval: request, then a Wait +
 * check loop on the registry until every candidate is decided or the timeout passes] -> canary -> bake
 * -> promote or roll back -> notify. Every Task retries transient errors and routes anything else to a failure
 * notification.
 * It uses only features aws-local-stepfunctions runs (no task tokens, no JSONata, inline Map), so
 * local/stepfunctions executes this exact definition.
 */
export class RetrainStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The task Lambdas by task name. */
  readonly functions: Record<RetrainTaskName, SignalForgeFunction>;

  constructor(scope: Construct, id: string, props: RetrainStateMachineProps) {
    super(scope, id);
    const { config } = props;
    const training = config.training;
    this.functions = this.createFunctions(props);
    this.grantTaskAccess(props);

    // As often as the heartbeat timeout asks, as seldom as the largest run's execution history needs.
    const shards = Math.ceil(modelConfigKeys(config).length / training.configsPerShard);
    const pollSeconds =
      props.pollIntervalSeconds ??
      heartbeatPollSeconds({
        ...training,
        shards,
        approval: config.promotion.approval === 'manual' ? config.promotion : undefined,
      });
    const notifyFailure = this.task('NotifyFailure', 'notify', {
      payload: { kind: 'failure', 'state.$': '$' },
      resultPath: '$.summary',
    });
    const failed = new sfn.Fail(this, 'RetrainFailed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
    notifyFailure.addCatch(failed, { resultPath: '$.notifyError' });
    notifyFailure.next(failed);
    const fail = (task: tasks.LambdaInvoke) => task.addCatch(notifyFailure, { resultPath: '$.failure' });

    const snapshot = fail(this.task('SnapshotDataset', 'snapshot', { resultPath: '$.run' }));
    const quality = fail(
      this.task('QualityGate', 'quality', { payload: { 'run.$': '$.run' }, resultPath: '$.quality' }),
    );
    const qualityFailed = new sfn.Pass(this, 'QualityGateFailed', {
      parameters: { Error: 'DataQualityGateFailed', Cause: J('$.quality.message') },
      resultPath: '$.failure',
    }).next(notifyFailure);
    // The quality result names the configs the gate skipped; plan leaves them out.
    const plan = fail(
      this.task('PlanShards', 'plan', {
        payload: { 'run.$': '$.run', 'quality.$': '$.quality' },
        resultPath: '$.plan',
      }),
    );

    // One Map iteration per shard: launch, then poll the run record until it succeeds or the trainer dies.
    // No spot capacity in any instance type: wait minutes, not seconds, before asking again.
    const launch = this.task('LaunchTrainer', 'launch', {
      retries: [
        { errors: ['InsufficientCapacityError'], interval: Duration.minutes(2), backoffRate: 2, maxAttempts: 3 },
      ],
    });
    const waitForTrainer = new sfn.Wait(this, 'WaitForTrainer', {
      time: sfn.WaitTime.duration(Duration.seconds(pollSeconds)),
    });
    const check = this.task('CheckTrainer', 'check', { resultPath: '$.status' });
    const relaunch = this.task('PrepareRelaunch', 'relaunch', {});
    // Every way out of a shard records its outcome in $.outcome and passes StopTrainer, which
    // terminates the shard's instance (a no-op when it already halted itself) and returns the outcome.
    const stopTrainer = this.task('StopTrainer', 'stop', {});
    const stopFailed = new sfn.Pass(this, 'StopTrainerFailed', { outputPath: '$.outcome' });
    stopTrainer.addCatch(stopFailed, { resultPath: '$.stopError' });
    const shardSucceeded = new sfn.Pass(this, 'ShardSucceeded', {
      parameters: {
        shardId: J('$.shard.shardId'),
        shardRunId: J('$.shard.shardRunId'),
        status: 'succeeded',
        attempts: J('$.attempt'),
      },
      resultPath: '$.outcome',
    }).next(stopTrainer);
    const shardGaveUp = new sfn.Pass(this, 'ShardGaveUp', {
      parameters: {
        shardId: J('$.shard.shardId'),
        shardRunId: J('$.shard.shardRunId'),
        status: 'failed',
        attempts: J('$.attempt'),
        error: { Error: 'TrainerAttemptsExhausted', Cause: J('$.status.detail') },
      },
      resultPath: '$.outcome',
    }).next(stopTrainer);
    const shardFailed = new sfn.Pass(this, 'ShardFailed', {
      parameters: {
        shardId: J('$.shard.shardId'),
        shardRunId: J('$.shard.shardRunId'),
        status: 'failed',
        attempts: J('$.attempt'),
        error: J('$.failure'),
      },
      resultPath: '$.outcome',
    }).next(stopTrainer);
    for (const t of [launch, check, relaunch]) t.addCatch(shardFailed, { resultPath: '$.failure' });
    const trainerStatus = new sfn.Choice(this, 'TrainerStatus')
      .when(sfn.Condition.stringEquals('$.status.state', 'running'), waitForTrainer)
      .when(sfn.Condition.stringEquals('$.status.state', 'succeeded'), shardSucceeded)
      .when(
        sfn.Condition.and(
          sfn.Condition.numberLessThan('$.attempt', training.maxAttempts),
          sfn.Condition.or(
            ...['interrupted', 'dead', 'failed'].map((s) => sfn.Condition.stringEquals('$.status.state', s)),
          ),
        ),
        relaunch,
      )
      .otherwise(shardGaveUp);
    relaunch.next(launch);
    const shardChain = launch.next(waitForTrainer).next(check).next(trainerStatus);
    // On EC2, as many shards as the spot vCPU quotas hold on the largest fallback (core/config/instance-types.ts).
    const concurrentShards = props.maxConcurrentShards ?? maxConcurrentShards(training);
    const trainShards = new sfn.Map(this, 'TrainShards', {
      itemsPath: '$.plan.shards',
      itemSelector: {
        run: J('$.run'),
        shard: J('$$.Map.Item.Value'),
        attempt: 1,
        resume: false,
        instanceTypeIndex: 0,
        executionArn: J('$$.Execution.Id'),
      },
      maxConcurrency: concurrentShards,
      resultPath: '$.training',
    });
    trainShards.itemProcessor(shardChain);
    // A failure that escapes an iteration loses the shards' handles: stop the run's trainers by tag.
    const stopRunTrainers = this.task('StopRunTrainers', 'stopRun', {
      payload: { 'run.$': '$.run' },
      resultPath: '$.stoppedTrainers',
    });
    stopRunTrainers.addCatch(notifyFailure, { resultPath: '$.stopError' });
    stopRunTrainers.next(notifyFailure);
    trainShards.addCatch(stopRunTrainers, { resultPath: '$.failure' });

    const evaluate = fail(
      this.task('EvaluateCandidates', 'evaluate', {
        payload: { 'run.$': '$.run', 'training.$': '$.training' },
        resultPath: '$.evaluation',
      }),
    );
    const noCandidates = new sfn.Pass(this, 'NoCandidates', {
      parameters: { Error: 'NoCandidates', Cause: J('$.evaluation.message') },
      resultPath: '$.failure',
    }).next(notifyFailure);
    const register = fail(
      this.task('RegisterCandidates', 'register', { payload: { 'run.$': '$.run' }, resultPath: '$.registration' }),
    );
    const gate = fail(
      this.task('GateCandidates', 'gate', {
        payload: { 'run.$': '$.run', 'registration.$': '$.registration' },
        resultPath: '$.gate',
      }),
    );
    const manual = config.promotion.approval === 'manual';
    // With manual approval the canary takes the approved versions, which the loop keeps in the gate's shape.
    const canary = fail(
      this.task('StartCanary', 'canary', {
        payload: { 'run.$': '$.run', 'gate.$': manual ? '$.approval' : '$.gate' },
        resultPath: '$.canary',
      }),
    );
    const bake = new sfn.Wait(this, 'BakeCanary', { time: sfn.WaitTime.secondsPath('$.run.bakeSeconds') });
    const judge = fail(
      this.task('JudgeCanary', 'bake', { payload: { 'run.$': '$.run', 'canary.$': '$.canary' }, resultPath: '$.bake' }),
    );
    const finish = fail(
      this.task('PromoteOrRollback', 'finish', {
        payload: { 'run.$': '$.run', 'bake.$': '$.bake' },
        resultPath: '$.finish',
      }),
    );
    const notifyOutcome = fail(
      this.task('NotifyOutcome', 'notify', { payload: { kind: 'outcome', 'state.$': '$' }, resultPath: '$.summary' }),
    );
    const succeeded = new sfn.Succeed(this, 'RetrainSucceeded', { outputPath: '$.summary' });

    snapshot
      .next(quality)
      .next(
        new sfn.Choice(this, 'QualityPassed')
          .when(sfn.Condition.booleanEquals('$.quality.passed', true), plan)
          .otherwise(qualityFailed),
      );
    plan
      .next(trainShards)
      .next(evaluate)
      .next(
        new sfn.Choice(this, 'HasCandidates')
          .when(sfn.Condition.numberGreaterThan('$.evaluation.candidates', 0), register)
          .otherwise(noCandidates),
      );
    const afterGate = manual ? this.approvalLoop(config.promotion, fail, canary, notifyOutcome) : canary;
    register
      .next(gate)
      .next(
        new sfn.Choice(this, 'AnyPromotable')
          .when(sfn.Condition.numberGreaterThan('$.gate.promotableCount', 0), afterGate)
          .otherwise(notifyOutcome),
      );
    // Insufficient evidence on outcomes bakes again (the judge counts the extensions and rejects after the last).
    const extendBake = new sfn.Pass(this, 'ExtendBake', { inputPath: '$.bake.canary', resultPath: '$.canary' }).next(
      bake,
    );
    canary
      .next(bake)
      .next(judge)
      .next(
        new sfn.Choice(this, 'BakeDecided')
          .when(sfn.Condition.booleanEquals('$.bake.extend', true), extendBake)
          .otherwise(finish),
      );
    finish.next(notifyOutcome);
    notifyOutcome.next(succeeded);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Shards beyond the Map's concurrency wait for a free slot, so training takes one window per wave.
    const waves = Math.ceil(Math.ceil(modelConfigKeys(config).length / training.configsPerShard) / concurrentShards);
    const maxTrainingSeconds = training.maxRunHours * 3600 * training.maxAttempts * waves;
    const approvalSeconds = manual ? config.promotion.approvalTimeoutSeconds + config.promotion.approvalPollSeconds : 0;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName ?? retrainStateMachineName(config.envName),
      definitionBody: sfn.DefinitionBody.fromChainable(snapshot),
      timeout: Duration.seconds(
        Math.ceil(
          maxTrainingSeconds +
            config.thresholds.bakeSeconds * (1 + config.deployment.maxBakeExtensions) +
            approvalSeconds +
            4 * 3600,
        ),
      ),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
  }

  /**
   * RequestApproval parks the gate's promotable candidates as pending-approval; then Wait
   * `approvalPollSeconds` -> CheckApproval (which rejects what is still pending once the timeout or the
   * poll budget is reached) -> ApprovalDecided, until nothing is pending. No task tokens: the registry
   * record is the signal, so the local executor runs the same loop. The poll count is bounded
   * (approvalPolls), which bounds the execution history.
   */
  private approvalLoop(
    promotion: RetrainStateMachineProps['config']['promotion'],
    fail: (task: tasks.LambdaInvoke) => sfn.TaskStateBase,
    canary: sfn.IChainable,
    notifyOutcome: sfn.IChainable,
  ): sfn.IChainable {
    approvalPolls(promotion);
    const request = fail(
      this.task('RequestApproval', 'approval', {
        payload: { action: 'request', 'run.$': '$.run', 'gate.$': '$.gate' },
        resultPath: '$.approval',
      }),
    );
    const wait = new sfn.Wait(this, 'WaitForApproval', {
      time: sfn.WaitTime.duration(Duration.seconds(promotion.approvalPollSeconds)),
    });
    const check = fail(
      this.task('CheckApproval', 'approval', {
        payload: { action: 'check', 'run.$': '$.run', 'approval.$': '$.approval' },
        resultPath: '$.approval',
      }),
    );
    const decided = new sfn.Choice(this, 'ApprovalDecided')
      .when(sfn.Condition.numberGreaterThan('$.approval.pendingCount', 0), wait)
      .when(sfn.Condition.numberGreaterThan('$.approval.approvedCount', 0), canary)
      .otherwise(notifyOutcome);
    request.next(decided);
    wait.next(check).next(decided);
    return request;
  }

  /** Lets `grantee` (the drift checker, an operator role) start retrain executions. */
  grantStartExecution(grantee: IGrantable): void {
    this.stateMachine.grantStartExecution(grantee);
  }

  private task(
    id: string,
    name: RetrainTaskName,
    options: { payload?: Record<string, unknown>; resultPath?: string; retries?: sfn.RetryProps[] },
  ): tasks.LambdaInvoke {
    const spec = RETRAIN_TASKS[name];
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.functions[name],
      // The Task's Resource is the function ARN itself, which is what the local runner maps to handlers.
      payloadResponseOnly: true,
      ...(options.payload ? { payload: sfn.TaskInput.fromObject(options.payload) } : {}),
      // No resultPath means the task's output replaces the state; an explicit ResultPath "$" is
      // mishandled by aws-local-stepfunctions 3.0 (it sets a key named "$"), so it is never emitted.
      ...(options.resultPath ? { resultPath: options.resultPath } : {}),
      taskTimeout: sfn.Timeout.duration(Duration.seconds(spec.timeoutSeconds + 30)),
      retryOnServiceExceptions: true,
    });
    task.addRetry({ errors: NON_RETRYABLE, maxAttempts: 0 });
    for (const retry of options.retries ?? []) task.addRetry(retry);
    task.addRetry({
      errors: ['States.TaskFailed', 'States.Timeout'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 2,
    });
    return task;
  }

  private createFunctions(props: RetrainStateMachineProps): Record<RetrainTaskName, SignalForgeFunction> {
    const environment: Record<string, string> = {
      ...runtimeEnvironment({
        LAKE_BUCKET: props.lakeBucket.bucketName,
        ARTIFACT_BUCKET: props.artifactBucket.bucketName,
        REGISTRY_TABLE: props.registryTable.tableName,
        ALERT_TOPIC_ARN: props.alertTopic.topicArn,
      }),
      ...(props.trainerLaunchTemplate?.launchTemplateId
        ? { TRAINER_LAUNCH_TEMPLATE_ID: props.trainerLaunchTemplate.launchTemplateId }
        : {}),
      ...(props.trainerSubnets?.length
        ? { TRAINER_SUBNET_IDS: props.trainerSubnets.map((s) => s.subnetId).join(',') }
        : {}),
      ...(props.trainerSecurityGroup ? { TRAINER_SECURITY_GROUP_IDS: props.trainerSecurityGroup.securityGroupId } : {}),
      ...(props.sagemakerRole
        ? { SAGEMAKER_ROLE_ARN: props.sagemakerRole.roleArn, TRAINER_KMS_KEY_ID: props.encryptionKey.keyArn }
        : {}),
    };
    const out = {} as Record<RetrainTaskName, SignalForgeFunction>;
    for (const [name, spec] of Object.entries(RETRAIN_TASKS) as [
      RetrainTaskName,
      (typeof RETRAIN_TASKS)[RetrainTaskName],
    ][]) {
      const fnId = `${name[0]!.toUpperCase()}${name.slice(1)}Task`;
      const fn = new SignalForgeFunction(this, fnId, {
        entry: spec.entry,
        config: props.config,
        description: spec.description,
        timeout: Duration.seconds(spec.timeoutSeconds),
        memorySize: spec.memoryMb,
        environment,
        logKey: props.encryptionKey,
        ...('onnxruntime' in spec && spec.onnxruntime ? { vendoredModules: ONNXRUNTIME_MODULES } : {}),
      });
      (fn.node.defaultChild as CfnResource).addMetadata(TASK_METADATA_KEY, name);
      out[name] = fn;
    }
    return out;
  }

  private grantTaskAccess(props: RetrainStateMachineProps): void {
    const f = this.functions;
    const key = props.encryptionKey;
    const lake = { bucketName: props.lakeBucket.bucketName, key };
    const artifacts = { bucketName: props.artifactBucket.bucketName, key };
    const lakePrefix = props.config.ingest.lakePrefix;
    const readLake =
      'The retrain snapshot and quality gate read the lake objects (and their versions) under the lake prefix only.';
    const rwArtifacts =
      'Retrain tasks read and write run records, manifests, reports and model artifacts under runs/ and models/ of the artifact bucket only.';
    for (const fn of [f.snapshot, f.quality]) grantObjectRead(fn, lake, [lakePrefix], readLake);
    f.snapshot.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [props.lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${lakePrefix}/*`] } },
      }),
    );
    for (const fn of [f.snapshot, f.quality, f.check, f.evaluate, f.register, f.gate, f.approval, f.bake, f.notify]) {
      grantObjectRead(fn, artifacts, ['runs', 'models'], rwArtifacts);
      grantObjectWrite(fn, artifacts, ['runs'], rwArtifacts);
    }
    // The gate records its verdict on each version; the approval task parks and expires approvals.
    for (const fn of [f.register, f.gate, f.approval, f.canary, f.finish])
      grantItemReadWrite(fn, props.registryTable.tableName, key);
    // The bake joins outcomes before judging: it reads bars and the prediction log, writes outcomes and live metrics.
    grantItemReadWrite(f.bake, props.registryTable.tableName, key);
    grantObjectRead(
      f.bake,
      lake,
      [lakePrefix, 'predictions', 'outcomes'],
      'The canary bake reads market bars, the prediction log and joined outcomes of the lake only.',
    );
    grantObjectWrite(f.bake, lake, ['outcomes'], 'The canary bake rewrites the joined outcomes under outcomes/ only.');
    props.alertTopic.grantPublish(f.notify);
    this.grantCostLedger(props, artifacts);
    // CloudWatch metric reads have no resource-level permissions.
    f.bake.addToRolePolicy(
      new PolicyStatement({ actions: ['cloudwatch:ListMetrics', 'cloudwatch:GetMetricStatistics'], resources: ['*'] }),
    );

    // The launcher writes each attempt's launch document under runs/<shardRunId>/.
    grantObjectWrite(f.launch, artifacts, ['runs'], rwArtifacts);
    const backend = props.config.training.backend;
    this.grantStop(props);
    const trainerFns = [f.launch, f.check, f.relaunch];
    if (backend === 'ec2') this.grantEc2(props, trainerFns);
    if (backend === 'sagemaker') this.grantSageMaker(props, trainerFns);
  }

  private grantEc2(props: RetrainStateMachineProps, [launch, check, relaunch]: SignalForgeFunction[]): void {
    if (!props.trainerLaunchTemplate?.launchTemplateId || !props.trainerSubnets?.length || !props.trainerInstanceRole) {
      throw new Error(
        'RetrainStateMachine: the ec2 backend needs trainerLaunchTemplate, trainerInstanceRole and trainerSubnets',
      );
    }
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
    const envTag = { 'aws:ResourceTag/signalforge:env': props.config.envName };
    const launchTemplateArn = stack.formatArn({
      service: 'ec2',
      resource: 'launch-template',
      resourceName: props.trainerLaunchTemplate.launchTemplateId,
    });
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [
          arn('instance'),
          arn('volume'),
          arn('network-interface'),
          stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
          launchTemplateArn,
          ...props.trainerSubnets.map((s) =>
            stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: s.subnetId }),
          ),
          ...(props.trainerSecurityGroup
            ? [
                stack.formatArn({
                  service: 'ec2',
                  resource: 'security-group',
                  resourceName: props.trainerSecurityGroup.securityGroupId,
                }),
              ]
            : []),
        ],
        // Every resource of the call must come through our launch template: the wildcard instance,
        // volume, interface, spot request and image ARNs cannot be used for any other launch. The
        // launcher still overrides instance type, subnet and user data, so the template is not
        // required to be the source of every parameter (no ec2:IsLaunchTemplateResource).
        conditions: { ArnLike: { 'ec2:LaunchTemplate': launchTemplateArn } },
      }),
    );
    // The spot request RunInstances creates has no ec2:LaunchTemplate condition key (service
    // authorization reference), so under the statement above it would always be denied. It gets its own
    // statement; a launch still needs the instance ARN, which only the launch-template statement allows.
    launch!.addToRolePolicy(
      new PolicyStatement({ actions: ['ec2:RunInstances'], resources: [arn('spot-instances-request')] }),
    );
    // A fresh account has no AWSServiceRoleForEC2Spot; the launcher creates it before its first spot
    // request (lambdas/training/launchers/spot-service-role.ts), and may create nothing else.
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [
          stack.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: 'aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot',
          }),
        ],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'spot.amazonaws.com' } },
      }),
    );
    // The root volume is encrypted with the data key (SpotTrainer's launch template): EC2 uses the key
    // with the caller's permissions, and only through EC2 (kms:ViaService); the grant it creates is for the volume.
    const viaEc2 = { 'kms:ViaService': `ec2.${stack.region}.amazonaws.com` };
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [props.encryptionKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: viaEc2 },
      }),
    );
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: viaEc2 },
      }),
    );
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [arn('instance'), arn('volume'), arn('spot-instances-request')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      }),
    );
    props.trainerInstanceRole.grantPassRole(launch!.grantPrincipal);
    for (const fn of [check!, relaunch!])
      fn.addToRolePolicy(new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    relaunch!.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:TerminateInstances'],
        resources: [arn('instance')],
        conditions: { StringEquals: envTag },
      }),
    );
    // The ec2 instance/volume/network-interface/spot-request/image wildcards are acknowledged by
    // WILDCARD_RULES (lib/nag/wildcard-rules.ts) on the policies that carry them.
  }

  /**
   * The instance usage ledger (lambdas/training/cost): PrepareRelaunch and StopTrainer mark an instance's end;
   * Notify prices the run (EC2 spot price history or SageMaker billable seconds) and records each version's share.
   */
  private grantCostLedger(
    props: RetrainStateMachineProps,
    artifacts: { bucketName: string; key: RetrainStateMachineProps['encryptionKey'] },
  ): void {
    const f = this.functions;
    const ledger =
      'Trainer tasks record each instance they start and end under runs/<runId>/orchestration/instances/; the run id is chosen at run time.';
    for (const fn of [f.relaunch, f.stop]) {
      grantObjectGet(fn, artifacts, ['runs'], ledger);
      grantObjectWrite(fn, artifacts, ['runs'], ledger);
    }
    grantItemReadWrite(f.notify, props.registryTable.tableName, props.encryptionKey);
    // Spot price history has no resource-level permissions.
    if (props.config.training.backend === 'ec2')
      f.notify.addToRolePolicy(new PolicyStatement({ actions: ['ec2:DescribeSpotPriceHistory'], resources: ['*'] }));
    if (props.config.training.backend === 'sagemaker') {
      const anyJob = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
      f.notify.addToRolePolicy(
        new PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [anyJob] }),
      );
      acknowledgeWildcardResources(
        f.notify,
        [anyJob],
        'Training job names are generated per retrain run; Notify only reads their billable seconds.',
      );
    }
  }

  /** StopTrainer terminates what the launcher started, with the same scoping as PrepareRelaunch. */
  private grantStop(props: RetrainStateMachineProps): void {
    const stack = Stack.of(this);
    const stop = this.functions.stop;
    if (props.config.training.backend === 'ec2') {
      const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
      for (const fn of [stop, this.functions.stopRun]) {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['ec2:TerminateInstances'],
            resources: [instances],
            conditions: { StringEquals: { 'aws:ResourceTag/signalforge:env': props.config.envName } },
          }),
        );
      }
      this.functions.stopRun.addToRolePolicy(
        new PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      );
    }
    if (props.config.training.backend === 'sagemaker') {
      const anyJob = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
      stop.addToRolePolicy(new PolicyStatement({ actions: ['sagemaker:StopTrainingJob'], resources: [anyJob] }));
      acknowledgeWildcardResources(
        stop,
        [anyJob],
        'Training job names are generated per retrain run (rt-<timestamp>-...), so the ARN is known only at launch; the task only stops jobs.',
      );
    }
  }

  private grantSageMaker(props: RetrainStateMachineProps, [launch, check, relaunch]: SignalForgeFunction[]): void {
    if (!props.sagemakerRole) throw new Error('RetrainStateMachine: the sagemaker backend needs sagemakerRole');
    const stack = Stack.of(this);
    const anyJob = stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' });
    launch!.addToRolePolicy(
      new PolicyStatement({
        actions: ['sagemaker:CreateTrainingJob', 'sagemaker:AddTags'],
        resources: [anyJob],
        conditions: { StringEquals: { 'aws:RequestTag/project': 'signalforge' } },
      }),
    );
    props.sagemakerRole.grantPassRole(launch!.grantPrincipal);
    for (const fn of [check!, relaunch!])
      fn.addToRolePolicy(new PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [anyJob] }));
    relaunch!.addToRolePolicy(new PolicyStatement({ actions: ['sagemaker:StopTrainingJob'], resources: [anyJob] }));
    for (const fn of [launch!, check!, relaunch!]) {
      acknowledgeWildcardResources(
        fn,
        [anyJob],
        'Training job names are generated per retrain run (rt-<timestamp>-...), so the ARN is known only at launch; creation requires the project=signalforge tag.',
      );
    }
  }
}
