import { z } from 'zod';
import { TIMEFRAMES, type SignalForgeConfig } from '../config/index.js';

/**
 * The inference API's wire schemas. They are the single source for request validation, response typing
 * and the OpenAPI document (see openapi.ts), so the three cannot drift apart.
 */

const price = z.number().positive().describe('Price; finite and > 0');

export const barSchema = z
  .object({
    t: z
      .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
      .describe('Bar open time: ISO 8601 with offset, or epoch milliseconds'),
    o: price,
    h: price,
    l: price,
    c: price,
    v: z.number().nonnegative().describe('Volume; finite and >= 0'),
  })
  .describe('One OHLCV bar. Bars are ordered oldest first with strictly increasing t.');
export type Bar = z.infer<typeof barSchema>;

export function barTimeMs(t: Bar['t']): number {
  return typeof t === 'number' ? t : Date.parse(t);
}

export const sentimentPointSchema = z
  .object({
    t: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).describe('Time of the scored text'),
    score: z.number().min(-1).max(1).describe('Sentiment score in [-1, 1]'),
  })
  .describe('One scored news item or post, for models trained with sentiment features');
export type SentimentInput = z.infer<typeof sentimentPointSchema>;

/** OHLC consistency and ordering; a model fed inconsistent bars answers nonsense, so reject them at the edge. */
function checkBars(bars: Bar[], ctx: z.RefinementCtx): void {
  let previous = -Infinity;
  bars.forEach((bar, i) => {
    if (bar.h < Math.max(bar.o, bar.c, bar.l)) {
      ctx.addIssue({ code: 'custom', path: [i, 'h'], message: 'h must be >= o, c and l' });
    }
    if (bar.l > Math.min(bar.o, bar.c)) {
      ctx.addIssue({ code: 'custom', path: [i, 'l'], message: 'l must be <= o and c' });
    }
    const t = barTimeMs(bar.t);
    if (!(t > previous))
      ctx.addIssue({ code: 'custom', path: [i, 't'], message: 'bars must be ordered with strictly increasing t' });
    previous = t;
  });
}

function symbolSchema(config: SignalForgeConfig) {
  return z.enum(config.universe.symbols as [string, ...string[]], {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `unknown symbol ${JSON.stringify(issue.input).slice(0, 40)}; not in the served universe`
        : 'expected a ticker string',
  });
}

function timeframeSchema(config: SignalForgeConfig) {
  return z.enum(config.universe.timeframes as [string, ...string[]], {
    error: () => `expected one of ${config.universe.timeframes.join(', ')}`,
  });
}

/**
 * The request schema depends on the deployed config: the served universe and the bar limits are part
 * of the contract a client sees in /openapi.json.
 */
export function predictRequestSchema(config: SignalForgeConfig) {
  const { minBars, maxBars } = config.inference;
  return z
    .object({
      symbol: symbolSchema(config),
      timeframe: timeframeSchema(config),
      bars: z
        .array(barSchema)
        .min(minBars, `too few bars: at least ${minBars} are needed for the feature window`)
        .max(maxBars, `too many bars: at most ${maxBars} are accepted`)
        .superRefine(checkBars),
      sentiment: z
        .array(sentimentPointSchema)
        .max(maxBars * 20, `too many sentiment points: at most ${maxBars * 20}`)
        .optional()
        .describe('Optional scored texts, oldest first; used only by models whose feature spec includes sentiment'),
    })
    .describe('Raw bars for one (symbol, timeframe); features are computed server-side.');
}
export type PredictRequest = {
  symbol: string;
  timeframe: (typeof TIMEFRAMES)[number];
  bars: Bar[];
  sentiment?: SentimentInput[];
};

/** The short form: the service reads the series' trailing bars from the online store (core/online). */
export function onlinePredictRequestSchema(config: SignalForgeConfig) {
  return z
    .strictObject({ symbol: symbolSchema(config), timeframe: timeframeSchema(config) })
    .describe(
      'Predict from the freshest bars the pipeline has landed for this (symbol, timeframe); no bars in the request.',
    );
}
export type OnlinePredictRequest = { symbol: string; timeframe: (typeof TIMEFRAMES)[number] };

/** Either form; a body with a `bars` field is the bars form. */
export function anyPredictRequestSchema(config: SignalForgeConfig) {
  return z.union([onlinePredictRequestSchema(config), predictRequestSchema(config)]);
}
export type AnyPredictRequest = PredictRequest | OnlinePredictRequest;
export const isOnlineRequest = (r: AnyPredictRequest): r is OnlinePredictRequest => !('bars' in r);

export const MAX_BATCH_ITEMS = 100;

/**
 * The batch envelope alone. The handler and the gateway check it; items are checked one by one, so a bad
 * item is answered as its own error instead of failing the call.
 */
export const batchEnvelopeSchema = z.object({
  requests: z
    .array(z.object({}).passthrough())
    .min(1, 'at least one item')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} items`),
});

export function batchPredictRequestSchema(
  config: SignalForgeConfig,
  item: z.ZodType = anyPredictRequestSchema(config),
) {
  return z
    .object({
      requests: z
        .array(item)
        .min(1, 'requests: at least one item')
        .max(MAX_BATCH_ITEMS, `requests: at most ${MAX_BATCH_ITEMS} items`)
        .describe('Each item is validated and answered on its own'),
    })
    .describe('Many predictions in one call, answered in request order.');
}

export const servingAliasSchema = z.enum(['production', 'canary']);
export type ServingAlias = z.infer<typeof servingAliasSchema>;

export const predictResponseSchema = z.object({
  prediction: z
    .number()
    .describe("The model's output for the bar after the last one given (its target is named in `target`)"),
  modelVersion: z.number().int().positive().describe('Registry version number that answered'),
  alias: servingAliasSchema.describe('Which alias served the request: production, or canary by deterministic weight'),
  symbol: z.string(),
  timeframe: z.enum(TIMEFRAMES),
  target: z.string().describe('What the prediction estimates, from the model metadata'),
  asOf: z.string().describe('Open time of the last input bar, ISO 8601'),
  featureAgeSeconds: z
    .number()
    .nonnegative()
    .optional()
    .describe('Seconds from asOf to the answer; on answers from the online store'),
  requestId: z.string(),
});
export type PredictResponse = z.infer<typeof predictResponseSchema>;

export const errorCodes = [
  'invalid_json',
  'invalid_request',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'method_not_allowed',
  'no_model_serving',
  'model_unavailable',
  'window_incomplete',
  'window_stale',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    field: z.string().optional().describe('The offending field, e.g. bars[3].h, body or content-type'),
    requestId: z.string().optional(),
    status: z.number().int().optional().describe('HTTP status this error would have on its own (batch items)'),
    missingBars: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('window_incomplete: bars the online store lacks for the window'),
    asOf: z.string().optional().describe('window_stale / window_incomplete: open time of the newest stored bar'),
    featureAgeSeconds: z.number().nonnegative().optional().describe('window_stale: age of the newest stored bar'),
    staleAfterSeconds: z
      .number()
      .positive()
      .optional()
      .describe('window_stale: the configured limit for this timeframe'),
  }),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  modelsServing: z.number().int().nonnegative().describe('Loaded (config, alias) models currently answering'),
  configsServing: z.number().int().nonnegative().describe('Configs with at least one loaded model'),
  configsTotal: z.number().int().nonnegative(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const batchPredictResponseSchema = z.object({
  results: z
    .array(z.union([predictResponseSchema, errorResponseSchema]))
    .describe('One per request item, in order: a prediction or {error}'),
  requestId: z.string(),
});
export type BatchPredictResponse = z.infer<typeof batchPredictResponseSchema>;
