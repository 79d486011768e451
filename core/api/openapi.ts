import { z } from 'zod';
import type { SignalForgeConfig } from '../config/index.js';
import { barSchema, sentimentPointSchema, errorResponseSchema, healthResponseSchema, predictRequestSchema, predictResponseSchema } from './schemas.js';

export const API_VERSION = '1.0.0';

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
}

/**
 * OpenAPI 3.1 document generated from the same zod schemas that validate requests. 3.1 uses JSON Schema
 * 2020-12 natively, so zod's output goes in unchanged; shared schemas become components via a registry.
 */
export function buildOpenApiDocument(config: SignalForgeConfig): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  registry.add(barSchema, { id: 'Bar' });
  registry.add(sentimentPointSchema, { id: 'SentimentPoint' });
  registry.add(predictRequestSchema(config), { id: 'PredictRequest' });
  registry.add(predictResponseSchema, { id: 'PredictResponse' });
  registry.add(errorResponseSchema, { id: 'ErrorResponse' });
  registry.add(healthResponseSchema, { id: 'HealthResponse' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Components are addressed by their JSON pointer in the document; a fragment $id is invalid in 2020-12.
  for (const schema of Object.values(schemas)) {
    delete (schema as Record<string, unknown>).$schema;
    delete (schema as Record<string, unknown>).$id;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'SignalForge inference API',
      version: API_VERSION,
      description:
        'Predictions from the registry-managed models. Send raw OHLCV bars; the service computes the features the model was trained on. ' +
        'Traffic for a (symbol, timeframe) is split between the production and canary aliases deterministically by weight.',
    },
    paths: {
      '/v1/predict': {
        post: {
          operationId: 'predict',
          summary: 'Predict from raw bars',
          parameters: [
            {
              name: 'x-request-id',
              in: 'header',
              required: false,
              description: 'Routing key for the canary split; the same id always reaches the same alias. Defaults to a hash of the body.',
              schema: { type: 'string', maxLength: 200 },
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictRequest' } } } },
          responses: {
            '200': { description: 'Prediction', content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictResponse' } } } },
            '400': errorResponse('Malformed JSON or a field that fails validation; `field` names it'),
            '413': errorResponse(`Body larger than ${config.inference.maxBodyBytes} bytes`),
            '415': errorResponse('Content type is not application/json'),
            '503': errorResponse('No model version is serving this (symbol, timeframe) yet, or it cannot be loaded'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Readiness: 200 once at least one model is served',
          responses: {
            '200': { description: 'Serving', content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthResponse' } } } },
            '503': { description: 'No model served yet', content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthResponse' } } } },
          },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } } } },
      },
    },
    components: { schemas },
  };
}

/**
 * The request schema as JSON Schema draft-04, the dialect API Gateway request models use, inlined (no
 * $ref), so a gateway-side validator, if any, is generated from the same zod schema rather than copied.
 */
export function predictRequestJsonSchemaDraft4(config: SignalForgeConfig): Record<string, unknown> {
  const schema = z.toJSONSchema(predictRequestSchema(config), { target: 'draft-04', io: 'input', reused: 'inline' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}
