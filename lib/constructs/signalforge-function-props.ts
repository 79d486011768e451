import type { Duration } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection, ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface SignalForgeFunctionProps {
  /**
   * Handler entry, relative to the repository root, e.g. `lambdas/ingest/sink.handler.ts`. It must export `handler`.
   */
  readonly entry: string;
  /** Human-readable purpose, shown in the console. */
  readonly description: string;
  /**
   * The synth config. It is written into the asset (with the stack's region) and the handler's
   * loadConfig() finds it through SIGNALFORGE_CONFIG_FILE; it never travels in the environment.
   */
  readonly config: SignalForgeConfig;
  /** Environment variables for the handler; POWERTOOLS_SERVICE_NAME is set from the construct id. */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Packages kept out of the esbuild bundle and copied, offline, from the repository's node_modules into
   * the asset (native add-ons such as onnxruntime-node). Each entry names the package and the paths
   * inside it to copy, so platform binaries the Lambda cannot load are left behind.
   * @example [{ name: 'onnxruntime-node', paths: ['package.json', 'dist', 'bin/napi-v6/linux/x64'] }]
   */
  readonly vendoredModules?: VendoredModule[];
  /**
   * Bundle the AWS SDK v3 into the function instead of importing the copy the nodejs24.x runtime ships
   * (`@aws-sdk/*` stays external otherwise). Set it where the code needs an SDK feature newer than the
   * runtime's SDK may be, or must pin the tested version. Functions with vendored modules always bundle
   * it: with a node_modules folder next to the handler, ESM imports no longer reach the runtime's SDK.
   * @default true when vendoredModules is non-empty, else false
   */
  readonly bundleAwsSdk?: boolean;
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
  /** Key that encrypts the function's log group. @default AWS-owned key */
  readonly logKey?: IKey;
  /** @default undefined (unreserved) */
  readonly reservedConcurrentExecutions?: number;
}

/** A package copied into the Lambda asset's node_modules after bundling. */
export interface VendoredModule {
  /** Package name, e.g. `onnxruntime-node`. */
  readonly name: string;
  /** Paths inside the package folder to copy; everything else is left out. */
  readonly paths: string[];
}
