import { AssetHashType, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEPLOYED_CONFIG_FILE, deployedConfig, deployedConfigEnvironment } from './deployed-config.js';
import { LambdaBundler } from './lambda-bundles.js';
import type { SignalForgeFunctionProps } from './signalforge-function-props.js';

export type { SignalForgeFunctionProps, VendoredModule } from './signalforge-function-props.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One bundler per process: functions with the same entry and options share a bundle and an asset. */
const bundler = new LambdaBundler(repoRoot);

/**
 * Every SignalForge Lambda: latest Node.js runtime, x86_64 (onnxruntime-node ships linux-x64),
 * source maps, X-Ray tracing, an explicit encrypted log group with retention, ESM bundles built
 * offline by the project's own esbuild (lambda-bundles.ts; the AWS SDK v3 comes from the runtime
 * unless `bundleAwsSdk`; the deployed config is a file in the asset), and a role that may write only to its own log
 * group
 * (instead of the AWSLambdaBasicExecutionRole managed policy, which allows every log group).
 */
export class SignalForgeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SignalForgeFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    // The log group ARN attribute already ends in ':*', which covers the streams inside it and nothing else.
    logGroup.grantWrite(role);
    const vendored = props.vendoredModules ?? [];
    const bundleOptions = { bundleAwsSdk: props.bundleAwsSdk ?? vendored.length > 0, vendoredModules: vendored };
    const stack = Stack.of(scope);
    super(scope, id, {
      // Pre-built by LambdaBundler (esbuild JS API, one call per handler folder) rather than one
      // `npx esbuild` per function: same esbuild flags, a fraction of the synth time. The deployed
      // config is a file of the asset. Stacks whose bundling CDK skips get a placeholder, as
      // NodejsFunction's own bundling would.
      code: stack.bundlingRequired
        ? Code.fromAsset(
            bundler.withFiles(bundler.bundleDir(props.entry, bundleOptions), {
              [DEPLOYED_CONFIG_FILE]: JSON.stringify(deployedConfig(props.config, stack)),
            }),
          )
        : Code.fromAsset(bundler.placeholderDir(), {
            assetHashType: AssetHashType.CUSTOM,
            assetHash: `skipped:${props.entry}:${JSON.stringify(bundleOptions)}`,
          }),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.X86_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: id,
        ...deployedConfigEnvironment(),
        ...props.environment,
      },
    });
    if (props.vpc) {
      // Lambda creates its ENIs with the execution role; these EC2 actions support no resource-level scoping.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
  }
}
