import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ApiError, type HttpRequest } from '../../../core/api/index.js';
import type { InferenceService } from './service.js';

export type ApiGatewayHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** REST API (v1) proxy event -> transport-neutral request. Header names are case-insensitive in HTTP. */
export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value ?? undefined;
  return {
    method: event.httpMethod,
    path: event.path,
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    requestId: event.requestContext?.requestId || randomUUID(),
  };
}

/** One handler for API Gateway and the local server: both speak the proxy event. */
export function createApiGatewayHandler(
  service: InferenceService | (() => Promise<InferenceService>),
): ApiGatewayHandler {
  const getService = typeof service === 'function' ? service : () => Promise.resolve(service);
  return async (event) => {
    const request = toHttpRequest(event);
    let instance: InferenceService;
    try {
      instance = await getService();
    } catch (err) {
      // A misconfigured deployment (e.g. REGISTRY_TABLE unset) still answers in the API's error format.
      console.error(
        JSON.stringify({
          level: 'ERROR',
          message: 'inference service failed to start',
          error: String(err),
          requestId: request.requestId,
        }),
      );
      const body = new ApiError(
        503,
        'model_unavailable',
        'the inference service is not configured correctly; see the function logs',
      ).toBody(request.requestId);
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '30' },
        body: JSON.stringify(body),
      };
    }
    const res = await instance.handle(request);
    return { statusCode: res.statusCode, headers: res.headers, body: event.httpMethod === 'HEAD' ? '' : res.body };
  };
}
