import type { SignalForgeConfig } from '../config/index.js';
import { ApiError, apiErrorFromZod } from './errors.js';
import { createFastAccept } from './fast-accept.js';
import { predictRequestSchema, type PredictRequest } from './schemas.js';

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
 * Validates a POST /v1/predict body in the order a client can fix it: media type, size, JSON syntax,
 * then the schema. Every failure is an ApiError naming the field, never a thrown TypeError.
 */
export function createPredictRequestParser(config: SignalForgeConfig): (req: HttpRequest) => PredictRequest {
  const schema = predictRequestSchema(config);
  const fastAccept = createFastAccept(config);
  const { maxBodyBytes } = config.inference;
  return (req) => {
    const contentType = req.headers['content-type'];
    if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
      throw new ApiError(415, 'unsupported_media_type', `content-type must be application/json, got ${contentType ? JSON.stringify(contentType.slice(0, 60)) : 'none'}`, 'content-type');
    }
    const raw = req.body ?? '';
    // Length in UTF-16 units is a lower bound of UTF-8 bytes, so the cheap check runs first.
    if (raw.length > maxBodyBytes || (req.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8')) > maxBodyBytes) {
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
    const fast = fastAccept(json);
    if (fast) return fast;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw apiErrorFromZod(parsed.error);
    return parsed.data as PredictRequest;
  };
}
