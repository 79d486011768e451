import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
  type IResource,
  type JsonSchema,
} from 'aws-cdk-lib/aws-apigateway';
import { Effect, PolicyDocument, PolicyStatement, AnyPrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { batchEnvelopeJsonSchemaDraft4, predictRequestJsonSchemaDraft4 } from '../../core/api/index.js';
import { acknowledge } from '../nag/acknowledge.js';
import type { PredictionApiProps } from './prediction-api-props.js';

export type { PredictionApiProps } from './prediction-api-props.js';

/**
 * Body of the gateway's own 400s, in the API's error shape ({error: {code, message, field?, requestId?}}).
 * Gateway response templates get plain variable substitution, no VTL: `validationErrorString` is
 * substituted already quoted and escaped (like `messageString`), e.g.
 * `"[object has missing required properties ([\"bars\"])]"`, so it is not wrapped in quotes here.
 */
export function gatewayValidationErrorTemplate(field?: string): string {
  return `{"error":{"code":"invalid_request","message":$context.error.validationErrorString,${field ? `"field":${JSON.stringify(field)},` : ''}"requestId":"$context.requestId"}}`;
}

/**
 * The inference REST API: POST /v1/predict and POST /v1/predict/batch (bodies validated against the JSON schema
 * core/api generates
 * from its zod request schema; rejections answer in the API's error shape), GET /openapi.json and GET /health, all with
 * IAM (SigV4) authorization, stage
 * throttling from config, access logs, X-Ray, and a WAF web ACL with AWS managed rules plus a
 * per-IP rate limit.
 */
export class PredictionApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: PredictionApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: `signalforge-${props.config.envName}-inference`,
      description: 'SignalForge model predictions',
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: props.config.inference.throttleRatePerSecond,
        throttlingBurstLimit: props.config.inference.throttleBurst,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      // Only signed calls from this account reach the integration, whatever the caller's own policy says.
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            effect: Effect.ALLOW,
            principals: [new AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account } },
          }),
        ],
      }),
    });
    acknowledge(
      this.api,
      'AwsSolutions-COG4',
      'Every method uses IAM (SigV4) authorization instead of a Cognito authorizer: callers are services and analysts with IAM identities, access is granted per role with grantInvoke, and calls are attributable in CloudTrail.',
    );
    const cwRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cwRole)
      acknowledge(
        cwRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'API Gateway needs this account-level role to write execution and access logs; the AWS managed policy grants only CloudWatch Logs delivery actions.',
      );
    const integration = new LambdaIntegration(props.handler, { proxy: true });
    const bodyValidator = new RequestValidator(this, 'BodyValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const paramsValidator = new RequestValidator(this, 'ParamsValidator', {
      restApi: this.api,
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    // Generated from the zod schema the handler validates with: one source of truth, so the gateway
    // can never accept what the handler rejects or the other way round.
    const predictModel = this.api.addModel('PredictRequest', {
      contentType: 'application/json',
      modelName: 'PredictRequest',
      description: 'POST /v1/predict body, either form ({symbol, timeframe} or with bars), generated from core/api',
      schema: predictRequestJsonSchemaDraft4(props.config) as JsonSchema,
    });
    // The batch envelope only: the handler answers each item on its own, so the gateway must not refuse
    // the whole call for one bad item.
    const batchModel = this.api.addModel('BatchPredictRequest', {
      contentType: 'application/json',
      modelName: 'BatchPredictRequest',
      description: 'POST /v1/predict/batch envelope, generated from core/api batchEnvelopeSchema',
      schema: batchEnvelopeJsonSchemaDraft4() as JsonSchema,
    });
    // Requests the gateway rejects answer in the API's own error shape, naming the problem.
    this.api.addGatewayResponse('BadRequestBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': gatewayValidationErrorTemplate('body') },
    });
    this.api.addGatewayResponse('BadRequestParameters', {
      type: ResponseType.BAD_REQUEST_PARAMETERS,
      statusCode: '400',
      templates: { 'application/json': gatewayValidationErrorTemplate() },
    });
    const v1 = this.api.root.addResource('v1');
    const predict = v1.addResource('predict');
    predict.addMethod('POST', integration, {
      requestValidator: bodyValidator,
      requestModels: { 'application/json': predictModel },
    });
    predict.addResource('batch').addMethod('POST', integration, {
      requestValidator: bodyValidator,
      requestModels: { 'application/json': batchModel },
    });
    const get = (resource: IResource) => resource.addMethod('GET', integration, { requestValidator: paramsValidator });
    get(this.api.root.addResource('openapi.json'));
    get(this.api.root.addResource('health'));

    const webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `signalforge-${props.config.envName}-inference`,
      },
      rules: [
        {
          // Body-size rule off: a predict body legitimately carries up to config.inference.maxBars bars
          // (256 KiB by default), far over the rule's 8 KiB; API Gateway's own model validation bounds it.
          name: 'aws-common',
          priority: 0,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              excludedRules: [{ name: 'SizeRestrictions_BODY' }],
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'aws-common' },
        },
        {
          // Log4Shell and other known-bad request patterns.
          name: 'aws-known-bad-inputs',
          priority: 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            sampledRequestsEnabled: true,
            metricName: 'aws-known-bad-inputs',
          },
        },
        {
          name: 'per-ip-rate',
          priority: 2,
          action: { block: {} },
          // Requests per 5 minutes per source IP: ten times the sustained stage limit over that window.
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: Math.max(100, props.config.inference.throttleRatePerSecond * 300 * 10),
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: 'per-ip-rate' },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
  }

  /** Let `grantee` call the API (execute-api:Invoke on its routes). */
  grantInvoke(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: [this.api.arnForExecuteApi('*', '/*', 'prod')],
      }),
    );
  }
}
