import type { z } from 'zod';
import type { SignalForgeConfig } from '../config/index.js';
import { ApiError, apiErrorFromZod } from './errors.js';
import { createFastAccept } from './fast-accept.js';
import {
  batchEnvelopeSchema,
  onlinePredictRequestSchema,
  predictRequestSchema,
  type AnyPredictRequest,
  type OnlinePredictRequest,
  type PredictRequest,
} from './schemas.js';

/** Transport-neutral HTTP request, built by the API Gateway adapter and by nothing else. */
export interface HttpRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: string | null;
  isBase64Encoded?: boolean;
  requestId: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Validates a bars-form POST /v1/predict body in the order a client can fix it: media type, size, JSON syntax,
 * then the schema. Every failure is an ApiError naming the field, never a thrown TypeError.
 */
export function createPredictRequestParser(config: SignalForgeConfig): (req: HttpRequest) => PredictRequest {
  const readBody = createJsonBodyReader(config);
  const parseBars = createBarsFormParser(config);
  return (req) => parseBars(readBody(req));
}

/**
 * One predict item, either form: a body with a `bars` field is the bars form (fast path, then zod), any other
 * object the short form. Used for POST /v1/predict and for each item of a batch.
 */
export function createPredictItemParser(config: SignalForgeConfig): (json: unknown) => AnyPredictRequest {
  const parseBars = createBarsFormParser(config);
  const onlineSchema = onlinePredictRequestSchema(config);
  return (json) => {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ApiError(400, 'invalid_request', 'body must be a JSON object', 'body');
    if ('bars' in json) return parseBars(json);
    return parseOrApiError(onlineSchema, json) as OnlinePredictRequest;
  };
}

/** The bars form: the fast path accepts the common valid body without zod; zod judges the rest and words errors. */
function createBarsFormParser(config: SignalForgeConfig): (json: unknown) => PredictRequest {
  const schema = predictRequestSchema(config);
  const fastAccept = createFastAccept(config);
  return (json) => fastAccept(json) ?? (parseOrApiError(schema, json) as PredictRequest);
}

/** A schema's output, or the ApiError (400, field named) its first issue becomes. */
function parseOrApiError<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw apiErrorFromZod(parsed.error);
  return parsed.data;
}

/** POST /v1/predict, either form. */
export function createAnyPredictRequestParser(config: SignalForgeConfig): (req: HttpRequest) => AnyPredictRequest {
  const readBody = createJsonBodyReader(config);
  const parseItem = createPredictItemParser(config);
  return (req) => parseItem(readBody(req));
}

/**
 * POST /v1/predict/batch: the envelope must be valid (else the whole call is a 400); each item is parsed on
 * its own, so one bad item becomes that item's error and the others are answered.
 */
export function createBatchRequestParser(
  config: SignalForgeConfig,
): (req: HttpRequest) => (AnyPredictRequest | ApiError)[] {
  const readBody = createJsonBodyReader(config);
  const parseItem = createPredictItemParser(config);
  return (req) => {
    return parseOrApiError(batchEnvelopeSchema, readBody(req)).requests.map((item, i) => {
      try {
        return parseItem(item);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        const field =
          err.field === 'body' || err.field === undefined ? `requests[${i}]` : `requests[${i}].${err.field}`;
        return new ApiError(err.status, err.code, `requests[${i}]: ${err.message}`, field);
      }
    });
  };
}

/** Media type, size and JSON syntax, in the order a client can fix them; the result is a JSON object. */
function createJsonBodyReader(config: SignalForgeConfig): (req: HttpRequest) => object {
  const { maxBodyBytes } = config.inference;
  return (req) => {
    const contentType = req.headers['content-type'];
    if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `content-type must be application/json, got ${contentType ? JSON.stringify(contentType.slice(0, 60)) : 'none'}`,
        'content-type',
      );
    }
    const raw = req.body ?? '';
    // Length in UTF-16 units is a lower bound of UTF-8 bytes, so the cheap check runs first.
    if (
      raw.length > maxBodyBytes ||
      (req.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8')) > maxBodyBytes
    ) {
      throw new ApiError(413, 'payload_too_large', `body exceeds ${maxBodyBytes} bytes`, 'body');
    }
    const text = req.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'body is empty; expected a JSON object', 'body');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, 'invalid_json', `body is not valid JSON: ${(err as Error).message}`, 'body');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ApiError(400, 'invalid_request', 'body must be a JSON object', 'body');
    }
    return json;
  };
}
