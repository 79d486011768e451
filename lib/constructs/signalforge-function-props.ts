import type { Duration } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection, ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';

export interface SignalForgeFunctionProps {
  /** Handler entry, relative to the repository root, e.g. `lambdas/ingest/sink.handler.ts`. It must export `handler`. */
  readonly entry: string;
  /** Human-readable purpose, shown in the console. */
  readonly description: string;
  /** Environment variables for the handler; POWERTOOLS_SERVICE_NAME is set from the construct id. */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Packages kept out of the bundle and installed as node_modules instead (native add-ons such as onnxruntime-node). */
  readonly nodeModules?: string[];
  /** esbuild command hooks, e.g. to prune onnxruntime-node to its linux-x64 binary. */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
  /** Key that encrypts the log group and environment. */
  readonly encryptionKey?: IKey;
  /** @default undefined (unreserved) */
  readonly reservedConcurrentExecutions?: number;
}
