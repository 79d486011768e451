import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createApiGatewayHandler, type ApiGatewayHandler } from '../../lambdas/serving/inference/apigw.js';
import type { InferenceService } from '../../lambdas/serving/inference/service.js';

/** API Gateway REST APIs refuse payloads over 10 MB before the Lambda runs; the local server does the same. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface LocalApiOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only by design; anything else is refused. */
  host?: '127.0.0.1' | 'localhost' | '::1';
  /** The same handler API Gateway invokes; or pass `service` to wrap it here. */
  handler?: ApiGatewayHandler;
  service?: InferenceService;
  stage?: string;
}

export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<{ body: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

/** node:http request -> API Gateway REST proxy event (v1), the shape the Lambda receives behind `{proxy+}`. */
export function toProxyEvent(req: IncomingMessage, body: string, stage: string): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    const values = multiQuery[k] ?? [];
    values.push(v);
    multiQuery[k] = values;
  }
  const hasQuery = url.searchParams.size > 0;
  const method = req.method ?? 'GET';
  const now = Date.now();
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: { proxy: url.pathname.replace(/^\//, '') },
    stageVariables: null,
    body: body === '' && (method === 'GET' || method === 'HEAD') ? null : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: '/{proxy+}',
    },
  };
}

function send(
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string | number | boolean>,
  body: string,
): void {
  res.writeHead(statusCode, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Serves the inference routes on loopback by handing API Gateway events to the same handler Lambda runs. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const handler = options.handler ?? (options.service ? createApiGatewayHandler(options.service) : undefined);
  if (!handler) throw new Error('startLocalApi needs a handler or a service');
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host))
    throw new Error(`startLocalApi binds loopback only, not ${host}`);
  const stage = options.stage ?? 'local';

  const server = createServer(async (req, res) => {
    try {
      const { body, tooLarge } = await readBody(req, GATEWAY_MAX_BODY_BYTES);
      if (tooLarge) {
        send(
          res,
          413,
          { 'content-type': 'application/json' },
          JSON.stringify({
            error: {
              code: 'payload_too_large',
              message: 'request body exceeds the gateway limit of 10 MB',
              field: 'body',
            },
          }),
        );
        return;
      }
      const result = await handler(toProxyEvent(req, body, stage));
      const headers = { ...(result.headers ?? {}) };
      for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.join(', ');
      const payload = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
      send(res, result.statusCode, headers, payload);
    } catch (err) {
      // API Gateway answers 502 when the integration itself fails; mirror that rather than hanging up.
      if (!res.headersSent)
        send(
          res,
          502,
          { 'content-type': 'application/json' },
          JSON.stringify({ message: 'Internal server error', detail: String(err) }),
        );
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
