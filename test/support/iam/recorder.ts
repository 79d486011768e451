import { AsyncLocalStorage } from 'node:async_hooks';
import { Client, type SmithyResolvedConfiguration } from '@smithy/core/client';
import type { MetadataBearer } from '@smithy/types';

/**
 * The input fields of the commands the IAM mapping reads (iam-requests.ts), as the SDK types them. A command
 * carries its own subset; each mapper reads only the fields of the command it maps, which the SDK has validated.
 */
export interface CallInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly VersionId?: string;
  readonly CopySource?: string;
  readonly Prefix?: string;
  readonly Delete?: { Objects?: { Key: string; VersionId?: string }[] };
  readonly TableName: string;
  readonly IndexName?: string;
  readonly RequestItems?: Record<string, unknown>;
  readonly TransactItems?: Record<string, { TableName: string }>[];
  readonly LaunchTemplate?: { LaunchTemplateId?: string };
  readonly InstanceMarketOptions?: { MarketType?: string };
  readonly SubnetId?: string;
  readonly SecurityGroupIds?: string[];
  readonly ImageId?: string;
  readonly TagSpecifications?: { ResourceType: string; Tags?: { Key: string; Value: string }[] }[];
  readonly InstanceIds?: string[];
  readonly AWSServiceName: string;
  readonly TopicArn: string;
  readonly Tags?: { Key: string; Value: string }[];
  readonly TrainingJobName: string;
  readonly RoleArn: string;
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly Namespace: string;
  readonly SecretId: string;
  readonly ClusterArn: string;
  readonly [field: string]: unknown;
}

/** What the mapping reads of a response: the instances RunInstances started. */
export interface CallOutput {
  readonly Instances?: { InstanceId?: string }[];
  readonly [field: string]: unknown;
}

/** Any v3 client, as the prototype every client inherits sees it. */
type SdkClient = Client<unknown, object, MetadataBearer, SmithyResolvedConfiguration<unknown>>;
/** What the recorder reads of a command: its class (for the name) and its input. */
type SdkCommand = { readonly input?: CallInput } | undefined;
type Send = (this: SdkClient, command: SdkCommand, ...rest: unknown[]) => unknown;

/** One AWS SDK v3 call made while a deployed handler was running, as the SDK was asked to make it. */
export interface RecordedCall {
  /** The function whose role the call runs under (see `asHandler`). */
  readonly handler: string;
  /** The client's class name: `S3Client`, `DynamoDBDocumentClient`, `EC2Client`, ... */
  readonly client: string;
  /** The command's class name without the `Command` suffix: `PutObject`, `Put` (document client), ... */
  readonly command: string;
  readonly input: CallInput;
  /** The response, when the call succeeded (RunInstances ids, for instance). */
  output?: CallOutput;
  error?: string;
}

const isPromiseLike = (x: unknown): x is PromiseLike<CallOutput> =>
  typeof (x as { then?: unknown } | null | undefined)?.then === 'function';

const scope = new AsyncLocalStorage<string>();
const calls: RecordedCall[] = [];
let installed = false;

/**
 * Test-only hook on the send path every v3 client inherits (`Client.prototype.send` of @smithy/core):
 * a call made inside `asHandler(id, ...)` is recorded against `id`; calls outside (fixtures, assertions)
 * are not. Production code is not touched: the wrapper sits on the shared prototype in this process.
 */
export function installAwsCallRecorder(): void {
  if (installed) return;
  installed = true;
  // The prototype's send is generic over every client's command types; the wrapper sees them all as one.
  const original = Client.prototype.send as unknown as Send;
  const recordedSend: Send = function (this, command, ...rest) {
    const handler = scope.getStore();
    if (handler === undefined) return original.call(this, command, ...rest);
    const call: RecordedCall = {
      handler,
      client: this.constructor.name,
      command: String(command?.constructor?.name ?? 'Unknown').replace(/Command$/, ''),
      input: command?.input ?? ({} as CallInput),
    };
    calls.push(call);
    const result = original.call(this, command, ...rest);
    // The callback form returns undefined; every SignalForge call site uses the promise form.
    if (isPromiseLike(result)) {
      return result.then(
        (output: CallOutput) => {
          call.output = output;
          return output;
        },
        (err: unknown) => {
          call.error = (err as Error)?.name ?? String(err);
          throw err;
        },
      );
    }
    return result;
  };
  Client.prototype.send = recordedSend as unknown as typeof Client.prototype.send;
}

/** Runs `fn` as the deployed function `handler` (its logical id): every AWS call inside is recorded for it. */
export function asHandler<T>(handler: string, fn: () => T): T {
  installAwsCallRecorder();
  return scope.run(handler, fn);
}

/**
 * Runs `fn` outside any handler: for work a test fixture starts from inside a handler's call that
 * belongs to another principal (a fake trainer writing as the instance, not as the launcher).
 */
export function outsideHandler<T>(fn: () => T): T {
  return scope.exit(fn);
}

/** Wraps a handler so that each invocation runs as `handler`. */
export function runAs<A extends unknown[], R>(handler: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => asHandler(handler, () => fn(...args));
}

/** The calls recorded so far (all handlers), in order. */
export function recordedCalls(): readonly RecordedCall[] {
  return calls;
}

/** Forget what was recorded (between test files sharing a worker). */
export function clearRecordedCalls(): void {
  calls.length = 0;
}
