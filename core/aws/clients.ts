import { traced } from '../observability/tracer.js';

/**
 * Settings shared by every AWS SDK v3 client. The SDK itself honours AWS_ENDPOINT_URL (and per-service
 * AWS_ENDPOINT_URL_<SERVICE>), so the same code reaches moto, LocalStack or real AWS; we only add the
 * path-style S3 addressing that emulators need and a region default.
 */
export interface AwsClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts?: number;
}

export function awsClientConfig(env: NodeJS.ProcessEnv = process.env): AwsClientSettings {
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    maxAttempts: 5,
  };
}

/**
 * Every AWS SDK client of the deployed code: the shared settings, and traced, so its calls show as X-Ray
 * subsegments of the function's active trace (a no-op outside Lambda: sandbox, tests, CLIs).
 */
export function awsClient<C>(Client: new (config: AwsClientSettings) => C, env: NodeJS.ProcessEnv = process.env): C {
  return traced(new Client(awsClientConfig(env)));
}
