import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@smithy/core/client';

/** One AWS SDK v3 call made while a deployed handler was running, as the SDK was asked to make it. */
export interface RecordedCall {
  /** The function whose role the call runs under (see `asHandler`). */
  readonly handler: string;
  /** The client's class name: `S3Client`, `DynamoDBDocumentClient`, `EC2Client`, ... */
  readonly client: string;
  /** The command's class name without the `Command` suffix: `PutObject`, `Put` (document client), ... */
  readonly command: string;
  readonly input: Record<string, any>;
  /** The response, when the call succeeded (RunInstances ids, for instance). */
  output?: Record<string, any>;
  error?: string;
}

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
  const original = Client.prototype.send as (this: Client<any, any, any, any>, command: any, ...rest: any[]) => any;
  Client.prototype.send = function recordedSend(this: Client<any, any, any, any>, command: any, ...rest: any[]) {
    const handler = scope.getStore();
    if (handler === undefined) return original.call(this, command, ...rest);
    const call: RecordedCall = {
      handler,
      client: this.constructor.name,
      command: String(command?.constructor?.name ?? 'Unknown').replace(/Command$/, ''),
      input: command?.input ?? {},
    };
    calls.push(call);
    const result = original.call(this, command, ...rest);
    // The callback form returns undefined; every SignalForge call site uses the promise form.
    if (result && typeof result.then === 'function') {
      return result.then(
        (output: any) => {
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
  } as typeof Client.prototype.send;
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
