import {
  ApiError,
  barTimeMs,
  buildOpenApiDocument,
  createAnyPredictRequestParser,
  createBatchRequestParser,
  isOnlineRequest,
  type HealthResponse,
  type HttpRequest,
  type HttpResponse,
  type PredictRequest,
  type PredictResponse,
  type ServingAlias,
} from '../../../core/api/index.js';
import { modelConfigKeys, type SignalForgeConfig } from '../../../core/config/index.js';
import { AliasCache, type AliasResolver, type ServingAliases } from './alias-cache.js';
import { createBatchPredictor } from './batch-predict.js';
import { bodyRoutingKey, routesToCanary } from './canary.js';
import { createOnlinePredictor } from './online-predict.js';
import { OnlineWindowCache, type WindowSource } from './online-window.js';
import {
  FeatureInputError,
  ModelCache,
  type ArtifactRef,
  type LoadedModel,
  type ModelInputAdapterFactory,
} from './model-cache.js';
import { predictionRecord, type PredictionSink } from './prediction-log.js';
import { scoreShadow } from './shadow.js';

export type LogFn = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** One answered (or failed) prediction, for metrics: the canary bake reads error rates per alias. */
export interface PredictionOutcome {
  key: string;
  alias: ServingAlias;
  version: number;
  ok: boolean;
  latencyMs: number;
}

export interface InferenceServiceDeps {
  config: SignalForgeConfig;
  /** The registry's `getServingAliases(key)`. */
  getServingAliases: AliasResolver;
  /** Reads an artifact URI (s3://bucket/key or a local path) into memory. */
  readArtifact(uri: string): Promise<Uint8Array>;
  /** Builds a model's input adapter from its metadata.json; defaults to the shared feature module. */
  createAdapter: ModelInputAdapterFactory;
  now?: () => number;
  log?: LogFn;
  onOutcome?: (outcome: PredictionOutcome) => void;
  /** The online bar store (core/online) the short request form reads; without it that form answers 503. */
  onlineStore?: WindowSource;
  /** Every answered prediction (and every shadow score) as a prediction log record. */
  onPrediction?: PredictionSink;
}

export interface PredictOptions {
  /** Decides the canary split; the same key always reaches the same alias. */
  routingKey: string;
  requestId?: string;
  /** Pin an alias instead of splitting (batch scoring uses production); falls back to the other when absent. */
  alias?: ServingAlias;
}

export interface AliasStats {
  requests: number;
  errors: number;
}

export interface InferenceService {
  /** Routes one HTTP request; never throws, every failure is a JSON error response. */
  handle(req: HttpRequest): Promise<HttpResponse>;
  /** Validated prediction without the HTTP layer (batch inference and drift use it). */
  predict(request: PredictRequest, options: PredictOptions): Promise<PredictResponse>;
  health(): Promise<{ statusCode: number; body: HealthResponse }>;
  /** The loaded model an alias points at (undefined when the registry has none), for drift checks. */
  servingModel(key: string, alias?: ServingAlias): Promise<LoadedModel | undefined>;
  /** Resolves aliases and loads models for the given configs (all by default), e.g. before taking traffic. */
  warmUp(keys?: string[]): Promise<number>;
  /** Requests and errors per `key|alias|version` since start, for the local canary bake. */
  stats(): Record<string, AliasStats>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const WARM_UP_CONCURRENCY = 8;

function json(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) };
}

function errorResponse(err: ApiError, requestId: string): HttpResponse {
  const extra: Record<string, string> = { 'x-request-id': requestId };
  if (err.status === 503) extra['retry-after'] = '30';
  return json(err.status, err.toBody(requestId), extra);
}

export function createInferenceService(deps: InferenceServiceDeps): InferenceService {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const log: LogFn = deps.log ?? (() => undefined);
  const parseRequest = createAnyPredictRequestParser(config);
  const parseBatch = createBatchRequestParser(config);
  const openApiBody = JSON.stringify(buildOpenApiDocument(config));
  const served = new Set(modelConfigKeys(config).map((k) => k.key));
  const aliases = new AliasCache(deps.getServingAliases, config.inference.aliasTtlSeconds * 1000, now, (key, err) =>
    log('warn', 'registry unreadable; serving last known aliases', { key, error: String(err) }),
  );
  const models = new ModelCache({ readArtifact: deps.readArtifact, createAdapter: deps.createAdapter, now });
  const counters = new Map<string, AliasStats>();
  let lastWarmUpAt = -Infinity;

  function count(key: string, alias: ServingAlias, version: number, ok: boolean, latencyMs: number): void {
    const id = `${key}|${alias}|${version}`;
    const c = counters.get(id) ?? { requests: 0, errors: 0 };
    c.requests += 1;
    if (!ok) c.errors += 1;
    counters.set(id, c);
    deps.onOutcome?.({ key, alias, version, ok, latencyMs });
  }

  async function resolveAliases(key: string): Promise<ServingAliases> {
    const cached = aliases.fresh(key);
    if (cached) return cached;
    try {
      const fresh = await aliases.refresh(key);
      models.retainOnly(aliases.liveShas());
      return fresh;
    } catch (err) {
      log('error', 'registry lookup failed', { key, error: String(err) });
      throw new ApiError(503, 'model_unavailable', `the model registry cannot be read for ${key} right now`);
    }
  }

  async function loadFor(key: string, alias: ServingAlias, ref: ArtifactRef): Promise<LoadedModel> {
    const ready = models.peek(ref.sha256);
    if (ready) return ready;
    try {
      return await models.get(ref);
    } catch (err) {
      log('error', 'model load failed', {
        key,
        alias,
        version: ref.version,
        artifactUri: ref.artifactUri,
        error: String(err),
      });
      throw new ApiError(503, 'model_unavailable', `model ${ref.version} for ${key} (${alias}) cannot be loaded`);
    }
  }

  async function predict(request: PredictRequest, options: PredictOptions): Promise<PredictResponse> {
    const { routingKey, requestId = routingKey } = options;
    const key = `${request.symbol}#${request.timeframe}`;
    const current = await resolveAliases(key);
    const { production, canary } = current;
    let alias: ServingAlias;
    let ref: ArtifactRef;
    // In shadow mode the candidate (the canary alias) never answers a client while production exists.
    const shadowMode = config.deployment.mode === 'shadow' && !options.alias;
    const wantsCanary = options.alias
      ? options.alias === 'canary'
      : !shadowMode && canary !== undefined && routesToCanary(routingKey, key, canary.weight);
    if (canary && (!production || wantsCanary)) {
      alias = 'canary';
      ref = canary;
    } else if (production) {
      alias = 'production';
      ref = production;
    } else {
      throw new ApiError(
        503,
        'no_model_serving',
        `no model version is serving ${key} yet; train and promote one first`,
      );
    }

    let model: LoadedModel;
    try {
      model = await loadFor(key, alias, ref);
    } catch (err) {
      // A canary that cannot load must not take its share of traffic down with it.
      if (alias === 'canary' && production) {
        count(key, alias, ref.version, false, 0);
        alias = 'production';
        ref = production;
        model = await loadFor(key, alias, ref);
      } else {
        if (err instanceof ApiError) count(key, alias, ref.version, false, 0);
        throw err;
      }
    }

    if (request.bars.length < model.adapter.minBars) {
      throw new ApiError(
        400,
        'invalid_request',
        `bars: too few bars for the feature window of model ${ref.version}: got ${request.bars.length}, need at least ${model.adapter.minBars}`,
        'bars',
        { missingBars: model.adapter.minBars - request.bars.length },
      );
    }
    const started = performance.now();
    let prediction: number;
    try {
      prediction = await model.run(request.bars, request.sentiment);
    } catch (err) {
      if (err instanceof FeatureInputError) throw new ApiError(400, 'invalid_request', `bars: ${err.message}`, 'bars');
      count(key, alias, ref.version, false, performance.now() - started);
      throw err;
    }
    const ok = Number.isFinite(prediction);
    count(key, alias, ref.version, ok, performance.now() - started);
    if (!ok) throw new Error(`model ${ref.version} for ${key} returned a non-finite prediction`);
    const lastBar = request.bars[request.bars.length - 1]!;
    const asOfMs = barTimeMs(lastBar.t);
    if (deps.onPrediction) {
      deps.onPrediction(
        predictionRecord({
          requestId,
          key,
          version: ref.version,
          variant: alias,
          asOfMs,
          prediction,
          metadata: model.metadata,
          nowMs: now(),
        }),
      );
      if (shadowMode && alias === 'production' && canary) {
        const shadow = await scoreShadow(() => loadFor(key, 'canary', canary), request.bars, request.sentiment);
        count(key, 'canary', canary.version, shadow.ok, 0);
        if (shadow.ok)
          deps.onPrediction(
            predictionRecord({
              requestId,
              key,
              version: canary.version,
              variant: 'shadow',
              asOfMs,
              prediction: shadow.prediction,
              metadata: shadow.model.metadata,
              nowMs: now(),
            }),
          );
      }
    }
    return {
      prediction,
      modelVersion: ref.version,
      alias,
      symbol: request.symbol,
      timeframe: request.timeframe,
      target: model.adapter.target,
      asOf: new Date(asOfMs).toISOString(),
      requestId,
    };
  }

  const predictOnline = createOnlinePredictor({
    config,
    windows: deps.onlineStore
      ? new OnlineWindowCache(deps.onlineStore, config.online.cacheTtlMs, now, { keepWarmMs: config.online.keepWarmMs })
      : undefined,
    predict,
    now,
  });
  const predictBatch = createBatchPredictor({ predict, predictOnline, log });

  function servingCounts(): { modelsServing: number; configsServing: number } {
    let modelsServing = 0;
    let configsServing = 0;
    for (const [, entry] of aliases.known()) {
      const { production, canary } = entry.aliases;
      const n = (production && models.peek(production.sha256) ? 1 : 0) + (canary && models.peek(canary.sha256) ? 1 : 0);
      modelsServing += n;
      if (n > 0) configsServing += 1;
    }
    return { modelsServing, configsServing };
  }

  async function warmUp(keys: string[] = [...served]): Promise<number> {
    lastWarmUpAt = now();
    const queue = [...keys];
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        try {
          const { production, canary } = await resolveAliases(key);
          if (production) await loadFor(key, 'production', production).catch(() => undefined);
          if (canary) await loadFor(key, 'canary', canary).catch(() => undefined);
        } catch {
          // Logged where it failed; warm-up is best effort and health reports what loaded.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WARM_UP_CONCURRENCY, queue.length) }, worker));
    return servingCounts().modelsServing;
  }

  async function health(): Promise<{ statusCode: number; body: HealthResponse }> {
    let counts = servingCounts();
    // A fresh container has served nothing yet; look at the registry (at most once per TTL) before saying 503.
    if (counts.modelsServing === 0 && now() - lastWarmUpAt >= config.inference.aliasTtlSeconds * 1000) {
      await warmUp();
      counts = servingCounts();
    }
    const ok = counts.modelsServing > 0;
    return {
      statusCode: ok ? 200 : 503,
      body: { status: ok ? 'ok' : 'unavailable', ...counts, configsTotal: served.size },
    };
  }

  async function route(req: HttpRequest): Promise<HttpResponse> {
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const method = req.method.toUpperCase();
    if (path === '/v1/predict') {
      if (method !== 'POST')
        throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on /v1/predict; use POST`, 'method');
      const request = parseRequest(req);
      const routingKey = req.headers['x-request-id']?.slice(0, 200) || bodyRoutingKey(req.body ?? '');
      const options = { routingKey, requestId: req.requestId };
      const response = isOnlineRequest(request)
        ? await predictOnline(request, options)
        : await predict(request, options);
      return json(200, response, {
        'x-request-id': req.requestId,
        'x-model-version': String(response.modelVersion),
        'x-model-alias': response.alias,
      });
    }
    if (path === '/v1/predict/batch') {
      if (method !== 'POST')
        throw new ApiError(
          405,
          'method_not_allowed',
          `${method} is not allowed on /v1/predict/batch; use POST`,
          'method',
        );
      const items = parseBatch(req);
      const routingKey = req.headers['x-request-id']?.slice(0, 200) || bodyRoutingKey(req.body ?? '');
      return json(200, await predictBatch(items, req.requestId, routingKey), { 'x-request-id': req.requestId });
    }
    if (path === '/health') {
      if (method !== 'GET' && method !== 'HEAD')
        throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on /health; use GET`, 'method');
      const { statusCode, body } = await health();
      return json(statusCode, body);
    }
    if (path === '/openapi.json') {
      if (method !== 'GET' && method !== 'HEAD')
        throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on /openapi.json; use GET`, 'method');
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body: openApiBody,
      };
    }
    throw new ApiError(404, 'not_found', `no route for ${method} ${req.path}; see /openapi.json`, 'path');
  }

  async function servingModel(key: string, alias: ServingAlias = 'production'): Promise<LoadedModel | undefined> {
    const ref = (await resolveAliases(key))[alias];
    return ref ? loadFor(key, alias, ref) : undefined;
  }

  return {
    async handle(req) {
      try {
        return await route(req);
      } catch (err) {
        if (err instanceof ApiError) return errorResponse(err, req.requestId);
        log('error', 'unhandled error', {
          requestId: req.requestId,
          path: req.path,
          error: (err as Error)?.stack ?? String(err),
        });
        return errorResponse(
          new ApiError(500, 'internal', 'internal error; the request id identifies it in the logs'),
          req.requestId,
        );
      }
    },
    predict,
    servingModel,
    health,
    warmUp,
    stats: () => Object.fromEntries([...counters].map(([id, c]) => [id, { ...c }])),
  };
}
