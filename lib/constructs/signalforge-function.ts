import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignalForgeFunctionProps, VendoredModule } from './signalforge-function-props.js';

export type { SignalForgeFunctionProps, VendoredModule } from './signalforge-function-props.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Shell commands that copy the chosen parts of each vendored package into the asset. */
function vendorCommands(modules: VendoredModule[], outputDir: string): string[] {
  return modules.flatMap((m) => {
    const from = join(repoRoot, 'node_modules', m.name);
    const to = join(outputDir, 'node_modules', m.name);
    return m.paths.map((p) => `mkdir -p ${shellQuote(dirname(join(to, p)))} && cp -R ${shellQuote(join(from, p))} ${shellQuote(join(to, p))}`);
  });
}

/**
 * Every SignalForge Lambda: latest Node.js runtime, x86_64 (onnxruntime-node ships linux-x64),
 * source maps, X-Ray tracing, an explicit encrypted log group with retention, ESM bundles built
 * offline by the project's own esbuild, and a role that may write only to its own log group
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
      role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
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
        // Maps point at repository paths without embedding the sources: a third of the size, and
        // stack traces still resolve to file:line.
        sourcesContent: false,
        minify: true,
        // ESM bundles need a require shim for CommonJS dependencies such as kafkajs.
        banner: "import { createRequire as __sfCreateRequire } from 'node:module'; const require = __sfCreateRequire(import.meta.url);",
        // The SDK v3 is in the runtime; bundling it pins our tested version instead, which we prefer for reproducibility.
        // avro-js is an optional peer of @aws-lambda-powertools/kafka, loaded by dynamic import only for
        // Avro schemas, which SignalForge does not use (JSON events); leaving it out keeps bundling offline.
        externalModules: ['avro-js', ...vendored.map((m) => m.name)],
        forceDockerBundling: false,
        commandHooks:
          vendored.length > 0
            ? { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir: string, outputDir: string) => vendorCommands(vendored, outputDir) }
            : undefined,
      },
    });
    if (props.vpc) {
      // Lambda creates its ENIs with the execution role; these EC2 actions support no resource-level scoping.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      );
    }
  }
}
