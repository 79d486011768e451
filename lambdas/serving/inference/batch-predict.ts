import {
  ApiError,
  isOnlineRequest,
  type AnyPredictRequest,
  type BatchPredictResponse,
  type OnlinePredictRequest,
  type PredictRequest,
  type PredictResponse,
} from '../../../core/api/index.js';
import type { LogFn, PredictOptions } from './service.js';

export interface BatchPredictDeps {
  predict(request: PredictRequest, options: PredictOptions): Promise<PredictResponse>;
  predictOnline(request: OnlinePredictRequest, options: PredictOptions): Promise<PredictResponse>;
  log: LogFn;
}

/**
 * Answers each item of a batch on its own, in request order: a prediction, or `{error}` with the status the
 * item would have had alone. Nothing an item does fails the call; an unexpected error is that item's 500.
 */
export function createBatchPredictor(
  deps: BatchPredictDeps,
): (
  items: readonly (AnyPredictRequest | ApiError)[],
  requestId: string,
  routingKey: string,
) => Promise<BatchPredictResponse> {
  return async (items, requestId, routingKey) => {
    const results = await Promise.all(
      items.map(async (item, i): Promise<BatchPredictResponse['results'][number]> => {
        if (item instanceof ApiError) return errorItem(item, requestId);
        const options = { routingKey: `${routingKey}#${i}`, requestId };
        try {
          return isOnlineRequest(item) ? await deps.predictOnline(item, options) : await deps.predict(item, options);
        } catch (err) {
          if (err instanceof ApiError) return errorItem(err, requestId);
          deps.log('error', 'batch item failed', { requestId, item: i, error: (err as Error)?.stack ?? String(err) });
          return errorItem(
            new ApiError(500, 'internal', 'internal error; the request id identifies it in the logs'),
            requestId,
          );
        }
      }),
    );
    return { results, requestId };
  };
}

function errorItem(err: ApiError, requestId: string) {
  const body = err.toBody(requestId);
  return { error: { ...body.error, status: err.status } };
}
