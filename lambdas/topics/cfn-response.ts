/** Fields of a CloudFormation custom resource request that the response must echo. */
export interface CfnRequestIdentity {
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

export interface CfnResponse {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalResourceId: string;
  readonly reason?: string;
  readonly data?: Record<string, string>;
}

/** CloudFormation caps the whole response at 4 KiB; the reason is the part that can grow. */
const MAX_REASON = 1500;

export function cfnResponseBody(request: CfnRequestIdentity, response: CfnResponse): string {
  return JSON.stringify({
    Status: response.status,
    Reason: (response.reason ?? response.status).slice(0, MAX_REASON),
    PhysicalResourceId: response.physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    Data: response.data ?? {},
  });
}

/**
 * PUT the result to the pre-signed S3 URL. In the VPC this travels through the S3 gateway endpoint,
 * so the function needs no NAT. The presigned URL is signed without a content type, hence the empty one.
 */
export async function sendCfnResponse(
  request: CfnRequestIdentity,
  response: CfnResponse,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = cfnResponseBody(request, response);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetchImpl(request.ResponseURL, {
        method: 'PUT',
        body,
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
      });
      if (res.ok) return;
      lastError = new Error(`CloudFormation response PUT returned ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  throw lastError;
}
