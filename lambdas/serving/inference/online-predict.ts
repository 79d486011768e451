import {
  ApiError,
  type OnlinePredictRequest,
  type PredictRequest,
  type PredictResponse,
} from '../../../core/api/index.js';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import type { OnlineWindowCache } from './online-window.js';
import type { PredictOptions } from './service.js';

export interface OnlinePredictDeps {
  config: Pick<SignalForgeConfig, 'online'>;
  /** Undefined where the deployment has no online store (ONLINE_STORE_TABLE unset). */
  windows: OnlineWindowCache | undefined;
  /** The bars-in-request path; the short form ends there, so both forms share features and model run. */
  predict(request: PredictRequest, options: PredictOptions): Promise<PredictResponse>;
  now: () => number;
}

/**
 * Resolves the short form `{symbol, timeframe}` into the bars-in-request form from the online store,
 * refusing with 409 a window that is incomplete (how many bars are missing) or stale (older than the
 * timeframe's limit), then answers through the bars path and adds featureAgeSeconds.
 */
export function createOnlinePredictor(
  deps: OnlinePredictDeps,
): (request: OnlinePredictRequest, options: PredictOptions) => Promise<PredictResponse> {
  return async (request, options) => {
    const { symbol, timeframe } = request;
    const series = `${symbol}#${timeframe}`;
    if (!deps.windows)
      throw new ApiError(
        503,
        'model_unavailable',
        'this deployment has no online bar store; send the bars in the request',
      );
    let bars: Awaited<ReturnType<OnlineWindowCache['window']>>;
    try {
      bars = await deps.windows.window(symbol, timeframe);
    } catch {
      throw new ApiError(
        503,
        'model_unavailable',
        `the online bar store cannot be read for ${series} right now; retry, or send the bars in the request`,
      );
    }
    const last = bars.at(-1);
    const asOf = last ? new Date(last.t).toISOString() : undefined;
    if (bars.length < deps.windows.depth) {
      const missingBars = deps.windows.depth - bars.length;
      throw new ApiError(
        409,
        'window_incomplete',
        `the online store holds ${bars.length} of the ${deps.windows.depth} bars ${series} needs; ${missingBars} missing`,
        undefined,
        {
          missingBars,
          ...(asOf ? { asOf } : {}),
        },
      );
    }
    const featureAgeSeconds = Math.max(0, (deps.now() - last!.t) / 1000);
    const staleAfterSeconds = deps.config.online.staleAfterSeconds[timeframe];
    if (featureAgeSeconds > staleAfterSeconds) {
      throw new ApiError(
        409,
        'window_stale',
        `the newest stored ${series} bar (${asOf}) is ${Math.round(featureAgeSeconds)} s old; the limit for ${timeframe} is ${staleAfterSeconds} s`,
        undefined,
        {
          asOf,
          featureAgeSeconds,
          staleAfterSeconds,
        },
      );
    }
    try {
      const response = await deps.predict({ symbol, timeframe, bars }, options);
      return { ...response, featureAgeSeconds };
    } catch (err) {
      // The serving model needs a longer history than the store keeps.
      if (err instanceof ApiError && err.code === 'invalid_request' && err.details?.missingBars) {
        throw new ApiError(
          409,
          'window_incomplete',
          `${series}: ${err.message}; the online store keeps ${deps.windows.depth} bars`,
          undefined,
          { missingBars: err.details.missingBars, asOf },
        );
      }
      throw err;
    }
  };
}
