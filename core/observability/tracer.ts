import { Tracer } from '@aws-lambda-powertools/tracer';

let shared: Tracer | undefined;

/** One Tracer per process: it is a no-op outside Lambda (sandbox, tests) and when POWERTOOLS_TRACE_ENABLED=false. */
export function tracer(): Tracer {
  shared ??= new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'signalforge' });
  return shared;
}

/** An AWS SDK v3 client whose calls show as X-Ray subsegments (the functions run with active tracing). */
export function traced<T>(client: T): T {
  return tracer().captureAWSv3Client(client);
}
