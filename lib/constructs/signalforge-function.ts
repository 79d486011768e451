import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignalForgeFunctionProps } from './signalforge-function-props.js';

export type { SignalForgeFunctionProps } from './signalforge-function-props.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Every SignalForge Lambda: latest Node.js runtime, x86_64 (onnxruntime-node ships linux-x64),
 * source maps, X-Ray tracing, an explicit encrypted log group with retention, and ESM bundles built
 * offline by the project's own esbuild.
 */
export class SignalForgeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SignalForgeFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: join(repoRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.X86_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environmentEncryption: props.encryptionKey,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: id,
        ...props.environment,
      },
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        sourceMap: true,
        minify: true,
        // ESM bundles need a require shim for CommonJS dependencies such as kafkajs.
        banner: "import { createRequire as __sfCreateRequire } from 'node:module'; const require = __sfCreateRequire(import.meta.url);",
        // The SDK v3 is in the runtime; bundling it pins our tested version instead, which we prefer for reproducibility.
        externalModules: [],
        nodeModules: props.nodeModules,
        forceDockerBundling: false,
        commandHooks: props.afterBundling
          ? {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: props.afterBundling,
            }
          : undefined,
      },
    });
  }
}
