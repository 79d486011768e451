import { z } from 'zod';
import type { SignalForgeConfig } from '../config/index.js';
import {
  anyPredictRequestSchema,
  barSchema,
  batchEnvelopeSchema,
  batchPredictRequestSchema,
  batchPredictResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  MAX_BATCH_ITEMS,
  onlinePredictRequestSchema,
  predictRequestSchema,
  predictResponseSchema,
  sentimentPointSchema,
} from './schemas.js';

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
  const barsForm = predictRequestSchema(config);
  const onlineForm = onlinePredictRequestSchema(config);
  registry.add(barsForm, { id: 'PredictRequest' });
  registry.add(onlineForm, { id: 'OnlinePredictRequest' });
  registry.add(batchPredictRequestSchema(config, z.union([onlineForm, barsForm])), { id: 'BatchPredictRequest' });
  registry.add(batchPredictResponseSchema, { id: 'BatchPredictResponse' });
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
        'Predictions from the registry-managed models. Send {symbol, timeframe} to predict from the freshest bars the pipeline has landed, ' +
        'or send raw OHLCV bars yourself; either way the service computes the features the model was trained on. ' +
        'Traffic for a (symbol, timeframe) is split between the production and canary aliases deterministically by weight.',
    },
    paths: {
      '/v1/predict': {
        post: {
          operationId: 'predict',
          summary: 'Predict from the stored bars ({symbol, timeframe}) or from raw bars in the request',
          parameters: [
            {
              name: 'x-request-id',
              in: 'header',
              required: false,
              description:
                'Routing key for the canary split; the same id always reaches the same alias. Defaults to a hash of the body.',
              schema: { type: 'string', maxLength: 200 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: '#/components/schemas/OnlinePredictRequest' },
                    { $ref: '#/components/schemas/PredictRequest' },
                  ],
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Prediction',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictResponse' } } },
            },
            '400': errorResponse('Malformed JSON or a field that fails validation; `field` names it'),
            '409': errorResponse(
              'Short form only: the stored window is incomplete (`window_incomplete`, with `missingBars`) or its newest bar is older than the ' +
                'staleness limit of its timeframe (`window_stale`, with `asOf`, `featureAgeSeconds`, `staleAfterSeconds`)',
            ),
            '413': errorResponse(`Body larger than ${config.inference.maxBodyBytes} bytes`),
            '415': errorResponse('Content type is not application/json'),
            '503': errorResponse('No model version is serving this (symbol, timeframe) yet, or it cannot be loaded'),
          },
        },
      },
      '/v1/predict/batch': {
        post: {
          operationId: 'predictBatch',
          summary: `Up to ${MAX_BATCH_ITEMS} predictions in one call; each item answers on its own`,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchPredictRequest' } } },
          },
          responses: {
            '200': {
              description:
                'One result per item in request order: a prediction, or {error} with the status the item would have had alone',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchPredictResponse' } } },
            },
            '400': errorResponse(`Malformed JSON, or \`requests\` missing, empty or longer than ${MAX_BATCH_ITEMS}`),
            '413': errorResponse(`Body larger than ${config.inference.maxBodyBytes} bytes`),
            '415': errorResponse('Content type is not application/json'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Readiness: 200 once at least one model is served',
          responses: {
            '200': {
              description: 'Serving',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthResponse' } } },
            },
            '503': {
              description: 'No model served yet',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthResponse' } } },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } } },
        },
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
  return draft4(anyPredictRequestSchema(config));
}

/** The batch envelope only: items are validated one by one by the handler, so one bad item cannot fail the call. */
export function batchEnvelopeJsonSchemaDraft4(): Record<string, unknown> {
  return draft4(batchEnvelopeSchema);
}

function draft4(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-04', io: 'input', reused: 'inline' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}
